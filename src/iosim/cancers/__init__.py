"""Cancer types for the flagship model: growth, burden, immunogenicity, PD-L1, infiltration, targets."""

from iosim.cancers.catalogue import CANCERS, CancerType, cancer_ids, get_cancer

__all__ = ["CANCERS", "CancerType", "cancer_ids", "get_cancer"]
