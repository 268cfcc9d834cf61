"""Lymphoma response on the sum of the products of perpendicular diameters (SPD), vectorised over
patients: the rules Lugano 2014 (:mod:`.lugano`) and IWG 2007 (:mod:`.iwg`) share.

Time-point response per assessment (codes as :mod:`.recist`: CR=0, PR=1, SD=2, PD=3, NE=4):

* **PD** if a new lesion (or unequivocal progression of non-measured disease) is present, or if the
  SPD rose by >= ``pd_increase`` over its nadir (the smallest SPD so far, baseline included) while
  the disease is still metabolically active (not in metabolic CR). A residual mass that grows without
  FDG uptake is not progression on PET-CT (Lugano 2014 table 3: progressive metabolic disease needs
  uptake above liver).
* **CR** if the assessment is a complete metabolic response (``metabolic_cr``, from PET) with no new
  lesion; a residual mass of any size is allowed. Without PET (``metabolic_cr=None``) CR needs every
  target lesion gone (SPD <= ``cr_mm2``, default 0).
* **PR** if the SPD is >= ``pr_decrease`` below its baseline.
* **SD** otherwise; **NE** where the SPD is NaN or the baseline is not positive.

Neither guideline asks for a confirmation scan, and neither sets a minimum time for SD, so the best
overall response is the best time-point response up to the first PD.
"""

from __future__ import annotations

import numpy as np

from iosim.endpoints import recist
from iosim.endpoints.criteria import Scored
from iosim.errors import InputError

CR, PR, SD, PD, NE = recist.CR, recist.PR, recist.SD, recist.PD, recist.NE
_RTOL = 1e-9


def spd_mm2(diameters_mm, target) -> np.ndarray:
    """SPD (mm^2) from lesion diameters ``(n, n_lesions, n_assessments)`` and ``target`` ``(n, n_lesions)``.

    iosim's lesions are spheres, so a lesion's two perpendicular diameters are both its diameter and
    its product is the diameter squared."""
    d = np.asarray(diameters_mm, dtype=float)
    t = np.asarray(target, dtype=bool)
    return np.where(t[:, :, None], d**2, 0.0).sum(axis=1)


def _flag(x, shape, name: str) -> np.ndarray | None:
    if x is None:
        return None
    a = np.asarray(x, dtype=bool)
    a = a[None, :] if a.ndim == 1 else a
    if a.shape != shape:
        raise InputError(f"{name} must have the shape of the SPD series {shape}, got {a.shape}")
    return a


def assess(
    spd, *, pr_decrease: float, pd_increase: float, metabolic_cr=None, new_lesion=None, cr_mm2: float = 0.0
) -> np.ndarray:
    """Time-point response for every post-baseline assessment, shape ``(n, m - 1)`` (module docstring).

    ``spd`` is ``(n, m)`` with the baseline in column 0; ``metabolic_cr`` and ``new_lesion`` are bool
    arrays of the same shape (column 0 ignored) or None."""
    s = np.asarray(spd, dtype=float)
    s = s[None, :] if s.ndim == 1 else s
    if s.ndim != 2 or s.shape[1] < 2:
        raise InputError(f"spd must have shape (n_patients, n_assessments >= 2), got {s.shape}")
    cmr = _flag(metabolic_cr, s.shape, "metabolic_cr")
    new = _flag(new_lesion, s.shape, "new_lesion")
    base, cur = s[:, :1], s[:, 1:]
    nadir = np.fmin.accumulate(s, axis=1)[:, :-1]
    rise = cur - nadir
    grew = (rise > 0) & (rise >= pd_increase * nadir - _RTOL * np.maximum(nadir, 1.0))
    active = np.ones(cur.shape, dtype=bool) if cmr is None else ~cmr[:, 1:]
    pd = grew & active
    if new is not None:
        pd |= new[:, 1:]
    cr = cur <= cr_mm2 if cmr is None else cmr[:, 1:].copy()
    pr = cur <= (1.0 - pr_decrease) * base + _RTOL * np.abs(base)
    return recist.time_point_codes(cur, base, pr=pr, cr=cr, pd=pd)


def score(spd, times_weeks, **rules) -> Scored:
    """Time-point codes, best response (no confirmation, no minimum SD time), progression and DOR."""
    codes = assess(spd, **rules)
    best = recist.best_overall_response(codes, times_weeks, confirm_weeks=None, sd_min_weeks=0.0)
    prog_w, prog_ev = recist.progression(codes, times_weeks)
    dor_w, dor_ev = recist.duration_of_response(codes, times_weeks, confirm_weeks=None, sd_min_weeks=0.0)
    return Scored(codes, recist.NAMES, recist.names(best), prog_w, prog_ev, dor_w, dor_ev)
