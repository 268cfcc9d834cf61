"""Measurement -> model parameter: how a cancer type's measured biology sets the core model's parameters.

Written once, used for every cancer type (docs/cancers.md):

=====================  =============================================  ===========================================
model parameter        measurement                                    mapping
=====================  =============================================  ===========================================
``growth_rate``        tumour volume doubling time (days)             ln 2 / doubling time
``immunogenicity``     TMB (mut/Mb, FoundationOne medians, Chalmers   presentation x TMB / :data:`TMB_REFERENCE`
                       2017) and antigen presentation (share with
                       intact MHC-I)
``infiltration``       immune phenotype (Thorsson 2018 immune         :data:`INFILTRATION` of the phenotype
                       subtype, CD8 density)
``pdl1_base``          share of tumours PD-L1-positive (>= 1%)        :data:`PDL1_PER_POSITIVE_SHARE` x share
``target_fraction``    share of tumour cells expressing the target    identity
=====================  =============================================  ===========================================

The free constants are anchored on melanoma and NSCLC only, the two cancers whose populations
are calibrated on registry trials through the core model's response (CheckMate 067, OAK); they
were not tuned to any other cancer's response. The calibrated populations shift the centres of
``immunogenicity`` (``shifts`` in ``examples/populations/melanoma.yaml``), which absorbs the
scale :data:`TMB_REFERENCE` for those cancers; every other cancer takes the mapping as it is and
is ``uncalibrated``.
"""

from __future__ import annotations

import math

from iosim.errors import ModelError
from iosim.therapy.drugs import Value

#: TMB that gives immunogenicity 1 at full antigen presentation.
TMB_REFERENCE = Value(
    10.0, "mut/Mb",
    "assumed: the TMB-high threshold of KEYNOTE-158 (10 mut/Mb, Marabelle 2020 Lancet Oncol 21:1353), "
    "near the median TMB of melanoma (13) and NSCLC (9) (Chalmers 2017 Genome Med 9:34), the calibration cancers",
)  # fmt: skip

#: T-cell infiltration of each immune phenotype (Chen & Mellman 2017 Nature 541:321), read from the
#: dominant immune subtype of Thorsson 2018 (Immunity 48:812) or from CD8 densities where a type is not in TCGA.
INFILTRATION: dict[str, Value] = {
    "inflamed": Value(0.7, "1", "anchored on melanoma and NSCLC (0.7 in the catalogue, mostly inflamed; "
                      "their populations are calibrated on CheckMate 067 and OAK)"),
    "intermediate": Value(0.4, "1", "assumed: mixed inflamed/excluded (Thorsson C1 wound-healing with C2 "
                          "IFN-gamma-dominant); as HER2+ breast (Loi 2014 Ann Oncol 25:1544)"),
    "excluded": Value(0.2, "1", "assumed: T cells held at the margin (Chen & Mellman 2017); as MSS colorectal"),
    "desert": Value(0.1, "1", "assumed: few T cells (Thorsson C4 lymphocyte-depleted, C5 immunologically "
                    "quiet); as pancreatic"),
}  # fmt: skip

#: pdl1_base per unit share of PD-L1-positive tumours.
PDL1_PER_POSITIVE_SHARE = Value(
    0.75, "1",
    "anchored on NSCLC: TPS >= 1% in about two thirds (Garon 2015 NEJM 372:2018) and pdl1_base 0.5; melanoma "
    "(>= 1% in ~60-65%, Larkin 2015 NEJM 373:23) gives 0.46-0.49 against its 0.5",
)  # fmt: skip


def growth_rate(doubling_days: float) -> float:
    """Net growth rate (1/day) of a tumour that doubles in ``doubling_days``."""
    if not doubling_days > 0:
        raise ModelError(f"doubling time must be positive, got {doubling_days}")
    return math.log(2.0) / doubling_days


def immunogenicity(presentation: float, tmb: float) -> float:
    """Antigen presentation x TMB / TMB_REFERENCE: more mutations, more neoantigens, more priming
    (response to checkpoint blockade rises with TMB: Rizvi 2015 Science 348:124, Samstein 2019
    Nat Genet 51:202, Yarchoan 2017 NEJM 377:2500)."""
    if tmb < 0 or not 0.0 <= presentation <= 1.0:
        raise ModelError(f"need TMB >= 0 and presentation in [0, 1], got {tmb}, {presentation}")
    return presentation * tmb / TMB_REFERENCE.value


def infiltration(phenotype: str, evidence: str) -> Value:
    """The infiltration of an immune ``phenotype`` (a key of :data:`INFILTRATION`), citing ``evidence``."""
    if phenotype not in INFILTRATION:
        raise ModelError(f"immune phenotype {phenotype!r}: choose one of {', '.join(INFILTRATION)}")
    return Value(INFILTRATION[phenotype].value, "1", f"{phenotype} (iosim.cancers.mapping): {evidence}")


def pdl1_base(positive_share: float, evidence: str) -> Value:
    """pdl1_base from the share of tumours PD-L1-positive, citing ``evidence``."""
    if not 0.0 <= positive_share <= 1.0:
        raise ModelError(f"PD-L1-positive share must lie in [0, 1], got {positive_share}")
    value = round(PDL1_PER_POSITIVE_SHARE.value * positive_share, 3)
    return Value(value, "1", f"{PDL1_PER_POSITIVE_SHARE.value:g} x {positive_share:.0%} PD-L1-positive "
                             f"(iosim.cancers.mapping): {evidence}")  # fmt: skip
