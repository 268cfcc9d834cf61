"""IWG 2007 revised response criteria for malignant lymphoma, as :func:`iosim.endpoints.lymphoma.assess`
applies them.

Reference: Cheson BD et al. "Revised response criteria for malignant lymphoma". J Clin Oncol
2007;25:579-586 (table 2); PET reading: Juweid ME et al. J Clin Oncol 2007;25:571-578. ZUMA-1
(Neelapu 2017 NEJM 377:2531) scored axicabtagene ciloleucel by these criteria. Modelled:

* CR: for FDG-avid lymphoma (DLBCL), PET-negative in every site, residual mass of any size allowed;
  iosim reads PET as :data:`iosim.endpoints.lugano.PET_NEGATIVE_MM` (a viable tumour too small to
  show uptake).
* PR: >= 50% decrease in the SPD of up to 6 largest dominant nodes or masses.
* PD: a new lesion, or >= 50% increase from nadir in the SPD of previously involved sites (while
  the disease is still PET-positive).

Not modelled: IWG's stricter PET threshold (uptake at most the mediastinal blood pool for residual
masses >= 2 cm, where Lugano's Deauville 3 allows up to liver) — iosim's PET has one threshold — and
the single-node rule (+50% of one node's longest diameter).
"""

from __future__ import annotations

from iosim.endpoints import lymphoma
from iosim.endpoints.criteria import Scored

PR_DECREASE = 0.50  # Cheson 2007 table 2: >= 50% decrease in SPD of up to 6 largest dominant masses
PD_INCREASE = 0.50  # Cheson 2007 table 2: >= 50% increase from nadir in the SPD of previously involved sites
MAX_TARGETS = 6  # Cheson 2007: up to six largest dominant nodes or nodal masses


def score(spd, times_weeks, *, metabolic_cr=None, new_lesion=None) -> Scored:
    """IWG 2007 scoring of SPD series ``(n, m)`` (baseline in column 0) at ``times_weeks`` (m - 1)."""
    return lymphoma.score(spd, times_weeks, pr_decrease=PR_DECREASE, pd_increase=PD_INCREASE,
                          metabolic_cr=metabolic_cr, new_lesion=new_lesion)  # fmt: skip
