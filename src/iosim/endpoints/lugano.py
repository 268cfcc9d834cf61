"""Lugano 2014 response for lymphoma (PET-CT), as :func:`iosim.endpoints.lymphoma.assess` applies it.

Reference: Cheson BD et al. "Recommendations for initial evaluation, staging, and response assessment
of Hodgkin and non-Hodgkin lymphoma: the Lugano classification". J Clin Oncol 2014;32:3059-3068
(table 3). Modelled:

* CR: complete metabolic response, Deauville 5-point score 1-3 (uptake at most that of liver) in every
  site, residual mass of any size allowed; iosim's PET reading is :data:`PET_NEGATIVE_MM`.
* PR (CT): >= 50% decrease in the SPD of up to 6 target lesions from baseline.
* PD: a new lesion, unequivocal progression of non-measured disease, or >= 50% increase of the SPD
  from its nadir while uptake persists.

Not modelled: partial metabolic response without the 50% SPD decrease (Deauville 4-5 with reduced
uptake), the per-lesion PPD progression rule (+50% of one lesion with >= 5-10 mm absolute growth),
spleen and bone-marrow involvement.
"""

from __future__ import annotations

from iosim.endpoints import lymphoma
from iosim.endpoints.criteria import Scored

PR_DECREASE = 0.50  # Cheson 2014 table 3: >= 50% decrease in SPD of up to 6 target measurable nodes
PD_INCREASE = 0.50  # Cheson 2014 table 3: >= 50% increase from PPD nadir
MAX_TARGETS = 6  # Cheson 2014: up to six of the largest target nodes or extranodal lesions
#: A lesion whose viable tumour fills less than a sphere of this diameter (~6.5e7 cells) reads Deauville
#: 1-3 on PET. Assumed, from imaging physics: clinical PET-CT resolves ~4-7 mm (FWHM) and the
#: partial-volume effect scales the apparent uptake of a sphere by its recovery coefficient, which
#: falls steeply below ~2x FWHM (Soret, Bacharach & Buvat 2007 J Nucl Med 48:932); an FDG-avid
#: lymphoma focus of ~5 mm reads near liver uptake, a 10-mm one well above it. The same reading serves
#: IWG 2007's "PET-negative". docs/endpoints.md gives ZUMA-1's sensitivity to this value.
PET_NEGATIVE_MM = 5.0


def score(spd, times_weeks, *, metabolic_cr=None, new_lesion=None) -> Scored:
    """Lugano 2014 scoring of SPD series ``(n, m)`` (baseline in column 0) at ``times_weeks`` (m - 1)."""
    return lymphoma.score(spd, times_weeks, pr_decrease=PR_DECREASE, pd_increase=PD_INCREASE,
                          metabolic_cr=metabolic_cr, new_lesion=new_lesion)  # fmt: skip
