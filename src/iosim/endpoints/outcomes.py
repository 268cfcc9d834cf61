"""From simulated sums of diameters and death times to one outcome row per patient (and assessment rows).

This is the glue a trial runner calls per chunk; every definition lives here once:

* assessments after the patient's death or after the end of follow-up are not done (NE);
* best overall response, progression and duration of response by RECIST 1.1 (default) or iRECIST
  (``criteria="irecist"``: progression is confirmed progression dated at its iUPD; iRECIST's best
  response is reported with RECIST names, iCR -> CR, ..., iUPD and iCPD -> PD);
* PFS: progression or death, whichever comes first (event); otherwise censored at the last evaluable
  assessment (FDA guidance on cancer trial endpoints, 2018: censor at the last adequate assessment);
  a patient with no evaluable assessment and no death is censored at time 0;
* OS: death (event) or censored at the end of follow-up;
* DOR: first CR/PR to progression (event), or censored at the last evaluable assessment; NaN for
  non-responders.

Times in the outputs are months (weeks * 7 / (365.25 / 12)).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from iosim.endpoints import irecist, recist
from iosim.errors import InputError

DAYS_PER_MONTH = 365.25 / 12
WEEKS_TO_MONTHS = 7.0 / DAYS_PER_MONTH
_IRECIST_TO_RECIST = np.array([recist.CR, recist.PR, recist.SD, recist.PD, recist.PD, recist.NE], dtype=np.int8)


def patient_outcomes(
    sld_mm,
    weeks,
    *,
    death_months,
    died,
    follow_up_months: float,
    new_lesion=None,
    new_lesion_growth=None,
    criteria: str = "recist",
    confirm_weeks: float | None = 4.0,
    sd_min_weeks: float = 6.0,
    cr_mm: float = 0.0,
) -> tuple[pd.DataFrame, np.ndarray]:
    """Outcomes per patient and the time-point codes actually used.

    Parameters
    ----------
    sld_mm
        ``(n_patients, n_assessments)`` sums of diameters; column 0 is the baseline (week 0).
    weeks
        ``(n_assessments,)`` assessment times in weeks, ``weeks[0] == 0``, or ``(n_patients, n_assessments)``
        per patient (visits within a window), column 0 all 0.
    death_months, died
        Per patient, from :meth:`iosim.endpoints.DeathModel.sample` (time and whether death happened).
    follow_up_months
        End of follow-up: OS is censored there and later assessments are not done.

    Returns
    -------
    (DataFrame with ``best_response, pfs_months, pfs_event, os_months, os_event, dor_months, dor_event``
    in patient order, codes ``(n_patients, n_assessments - 1)``: RECIST or iRECIST codes per criteria).
    """
    sld = np.array(sld_mm, dtype=float, ndmin=2)
    w = np.asarray(weeks, dtype=float)
    if w.ndim == 1 and len(w) == sld.shape[1]:
        w = w[None, :]
    if w.ndim != 2 or w.shape[1] != sld.shape[1] or w.shape[0] not in (1, sld.shape[0]) or (w[:, 0] != 0).any():
        raise InputError(
            f"weeks must be 1-D (or one row per patient), start at 0 (baseline) and match sld_mm's {sld.shape[1]} "
            "columns"
        )
    if criteria not in ("recist", "irecist"):
        raise InputError(f"criteria must be 'recist' or 'irecist', got {criteria!r}")
    death = np.asarray(death_months, dtype=float)
    died = np.asarray(died, dtype=bool)
    if death.shape != (sld.shape[0],) or died.shape != death.shape:
        raise InputError(f"death_months and died need one value per patient ({sld.shape[0]})")
    months = w * WEEKS_TO_MONTHS
    not_done = (months > np.where(died, death, np.inf)[:, None]) | (months > follow_up_months)
    not_done[:, 0] = False
    sld = np.where(not_done, np.nan, sld)
    t = w[0, 1:] if w.shape[0] == 1 else w[:, 1:]

    if criteria == "recist":
        codes = recist.assess(sld, new_lesion=new_lesion, cr_mm=cr_mm)
        best = recist.best_overall_response(codes, t, confirm_weeks=confirm_weeks, sd_min_weeks=sd_min_weeks)
        prog_w, prog_ev = recist.progression(codes, t)
        dor_w, dor_ev = recist.duration_of_response(codes, t, confirm_weeks=confirm_weeks, sd_min_weeks=sd_min_weeks)
    else:
        codes = irecist.assess(sld, new_lesion=new_lesion, new_lesion_growth=new_lesion_growth, cr_mm=cr_mm)
        best = _IRECIST_TO_RECIST[
            irecist.best_overall_response(codes, t, confirm_weeks=confirm_weeks, sd_min_weeks=sd_min_weeks)
        ]
        prog_w, prog_ev = irecist.progression(codes, t)
        responder = best <= recist.PR
        start = recist.first_time(codes, t, {irecist.ICR, irecist.IPR})
        dor_w = np.where(responder, prog_w - start, np.nan)
        dor_ev = responder & prog_ev

    prog_m = prog_w * WEEKS_TO_MONTHS
    os_event = died & (death <= follow_up_months)
    os_months = np.where(os_event, death, np.minimum(death, follow_up_months))
    pfs_event = prog_ev | os_event
    pfs_months = np.where(prog_ev, prog_m, np.inf)
    pfs_months = np.minimum(pfs_months, np.where(os_event, os_months, np.inf))
    pfs_months = np.where(pfs_event, pfs_months, prog_m)
    out = pd.DataFrame(
        {
            "best_response": recist.names(best),
            "pfs_months": pfs_months,
            "pfs_event": pfs_event,
            "os_months": os_months,
            "os_event": os_event,
            "dor_months": dor_w * WEEKS_TO_MONTHS,
            "dor_event": dor_ev,
        }
    )
    return out, codes


def assessment_rows(arm: str, patients, weeks, sld_mm, codes, *, criteria: str = "recist") -> pd.DataFrame:
    """Long table ``arm, patient, week, sld_mm, pct_change, response`` (baseline row has response "").

    ``weeks`` is (n_assessments,) shared or (n_patients, n_assessments) per patient."""
    sld = np.array(sld_mm, dtype=float, ndmin=2)
    n, m = sld.shape
    lookup = recist.NAMES if criteria == "recist" else irecist.NAMES
    resp = np.concatenate([np.full((n, 1), "", dtype=object), lookup[np.asarray(codes, dtype=np.int64)]], axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = 100.0 * (sld / sld[:, :1] - 1.0)
    return pd.DataFrame(
        {
            "arm": arm,
            "patient": np.repeat(np.asarray(patients), m),
            "week": np.broadcast_to(np.asarray(weeks, dtype=float), (n, m)).ravel(),
            "sld_mm": sld.ravel(),
            "pct_change": pct.ravel(),
            "response": resp.ravel(),
        }
    )
