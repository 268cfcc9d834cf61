"""From simulated sums of diameters and death times to one outcome row per patient (and assessment rows).

This is the glue a trial runner calls per chunk; every definition lives here once:

* assessments after the patient's death or after the end of follow-up are not done (NE);
* best overall response, progression and duration of response by the trial's criteria
  (:mod:`iosim.endpoints.criteria`): RECIST 1.1 (default), iRECIST (``criteria="irecist"``: progression
  is confirmed progression dated at its iUPD; iRECIST's best response is reported with RECIST names,
  iCR -> CR, ..., iUPD and iCPD -> PD), Lugano 2014 or IWG 2007 for lymphoma (on the SPD, with PET's
  metabolic response), or B-ALL remission (on the marrow blast fraction; best response CR, CRi, NR);
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

from iosim.endpoints import b_all, irecist, iwg, lugano, recist
from iosim.endpoints.criteria import LYMPHOMA, MARROW, Scored, canonical
from iosim.errors import InputError

DAYS_PER_MONTH = 365.25 / 12
WEEKS_TO_MONTHS = 7.0 / DAYS_PER_MONTH
_IRECIST_TO_RECIST = np.array([recist.CR, recist.PR, recist.SD, recist.PD, recist.PD, recist.NE], dtype=np.int8)


def patient_outcomes(
    measure,
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
    metabolic_cr=None,
    count_recovery=None,
) -> tuple[pd.DataFrame, np.ndarray]:
    """Outcomes per patient and the time-point codes actually used.

    Parameters
    ----------
    measure
        ``(n_patients, n_assessments)`` what the criteria read; column 0 is the baseline (week 0): sums of
        target diameters in mm (RECIST, iRECIST), SPD in mm^2 (Lugano, IWG), marrow blast fraction (B-ALL).
    weeks
        ``(n_assessments,)`` assessment times in weeks, ``weeks[0] == 0``, or ``(n_patients, n_assessments)``
        per patient (visits within a window), column 0 all 0.
    death_months, died
        Per patient, from :meth:`iosim.endpoints.DeathModel.sample` (time and whether death happened).
    follow_up_months
        End of follow-up: OS is censored there and later assessments are not done.
    metabolic_cr
        Lymphoma: bool ``(n_patients, n_assessments)``, complete metabolic response on PET (None: CT only).
    count_recovery
        B-ALL: bool per patient or per assessment, blood counts recovered (None: recovered).

    Returns
    -------
    (DataFrame with ``best_response, pfs_months, pfs_event, os_months, os_event, dor_months, dor_event``
    in patient order (B-ALL adds ``mrd_negative``), codes ``(n_patients, n_assessments - 1)``: the
    criteria's time-point codes, named by :func:`assessment_rows`).
    """
    sld = np.array(measure, dtype=float, ndmin=2)
    w = np.asarray(weeks, dtype=float)
    if w.ndim == 1 and len(w) == sld.shape[1]:
        w = w[None, :]
    if w.ndim != 2 or w.shape[1] != sld.shape[1] or w.shape[0] not in (1, sld.shape[0]) or (w[:, 0] != 0).any():
        raise InputError(
            f"weeks must be 1-D (or one row per patient), start at 0 (baseline) and match sld_mm's {sld.shape[1]} "
            "columns"
        )
    criteria = canonical(criteria)
    death = np.asarray(death_months, dtype=float)
    died = np.asarray(died, dtype=bool)
    if death.shape != (sld.shape[0],) or died.shape != death.shape:
        raise InputError(f"death_months and died need one value per patient ({sld.shape[0]})")
    months = w * WEEKS_TO_MONTHS
    not_done = (months > np.where(died, death, np.inf)[:, None]) | (months > follow_up_months)
    not_done[:, 0] = False
    sld = np.where(not_done, np.nan, sld)
    t = w[0, 1:] if w.shape[0] == 1 else w[:, 1:]

    sc = _score(criteria, sld, t, new_lesion=new_lesion, new_lesion_growth=new_lesion_growth, cr_mm=cr_mm,
                confirm_weeks=confirm_weeks, sd_min_weeks=sd_min_weeks, metabolic_cr=metabolic_cr,
                count_recovery=count_recovery)  # fmt: skip
    codes, prog_w, prog_ev = sc.codes, sc.progression_weeks, sc.progression_event

    prog_m = prog_w * WEEKS_TO_MONTHS
    os_event = died & (death <= follow_up_months)
    os_months = np.where(os_event, death, np.minimum(death, follow_up_months))
    pfs_event = prog_ev | os_event
    pfs_months = np.where(prog_ev, prog_m, np.inf)
    pfs_months = np.minimum(pfs_months, np.where(os_event, os_months, np.inf))
    pfs_months = np.where(pfs_event, pfs_months, prog_m)
    out = pd.DataFrame(
        {
            "best_response": sc.best,
            "pfs_months": pfs_months,
            "pfs_event": pfs_event,
            "os_months": os_months,
            "os_event": os_event,
            "dor_months": sc.dor_weeks * WEEKS_TO_MONTHS,
            "dor_event": sc.dor_event,
            **sc.extra,
        }
    )
    return out, codes


def _score(criteria: str, m: np.ndarray, t: np.ndarray, *, new_lesion, new_lesion_growth, cr_mm, confirm_weeks,
           sd_min_weeks, metabolic_cr, count_recovery) -> Scored:  # fmt: skip
    """The criteria's codes, best response, progression and DOR (weeks) for measures ``m`` at weeks ``t``."""
    if criteria in MARROW:
        return b_all.score(m, t, count_recovery=count_recovery)
    if criteria in LYMPHOMA:
        module = lugano if criteria == "lugano2014" else iwg
        return module.score(m, t, metabolic_cr=metabolic_cr, new_lesion=new_lesion)
    if criteria == "recist1.1":
        codes = recist.assess(m, new_lesion=new_lesion, cr_mm=cr_mm)
        best = recist.best_overall_response(codes, t, confirm_weeks=confirm_weeks, sd_min_weeks=sd_min_weeks)
        prog_w, prog_ev = recist.progression(codes, t)
        dor_w, dor_ev = recist.duration_of_response(codes, t, confirm_weeks=confirm_weeks, sd_min_weeks=sd_min_weeks)
        return Scored(codes, recist.NAMES, recist.names(best), prog_w, prog_ev, dor_w, dor_ev)
    codes = irecist.assess(m, new_lesion=new_lesion, new_lesion_growth=new_lesion_growth, cr_mm=cr_mm)
    best = _IRECIST_TO_RECIST[
        irecist.best_overall_response(codes, t, confirm_weeks=confirm_weeks, sd_min_weeks=sd_min_weeks)
    ]
    prog_w, prog_ev = irecist.progression(codes, t)
    responder = best <= recist.PR
    start = recist.first_time(codes, t, {irecist.ICR, irecist.IPR})
    dor_w = np.where(responder, prog_w - start, np.nan)
    return Scored(codes, irecist.NAMES, recist.names(best), prog_w, prog_ev, dor_w, responder & prog_ev)


def code_labels(criteria: str) -> np.ndarray:
    """Names of the criteria's time-point codes (``labels[code]``)."""
    crit = canonical(criteria)
    return {"recist1.1": recist.NAMES, "irecist": irecist.NAMES, "b_all_remission": b_all.LABELS}.get(
        crit, recist.NAMES
    )


def assessment_rows(
    arm: str, patients, weeks, sld_mm, codes, *, criteria: str = "recist", measure=None
) -> pd.DataFrame:
    """Long table ``arm, patient, week, sld_mm, pct_change, response, measure`` (baseline: response "").

    ``measure`` is what the criteria read (SPD for lymphoma, blast fraction for B-ALL; default: the sum
    of diameters); ``pct_change`` is its change from baseline, so that waterfall and spider plots show
    the quantity the response was judged on. ``weeks`` is (n_assessments,) shared or
    (n_patients, n_assessments) per patient."""
    sld = np.array(sld_mm, dtype=float, ndmin=2)
    n, m = sld.shape
    value = sld if measure is None else np.array(measure, dtype=float, ndmin=2)
    if value.shape != sld.shape:
        raise InputError(f"measure must have the shape of sld_mm {sld.shape}, got {value.shape}")
    lookup = code_labels(criteria)
    resp = np.concatenate([np.full((n, 1), "", dtype=object), lookup[np.asarray(codes, dtype=np.int64)]], axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = 100.0 * (value / value[:, :1] - 1.0)
    return pd.DataFrame(
        {
            "arm": arm,
            "patient": np.repeat(np.asarray(patients), m),
            "week": np.broadcast_to(np.asarray(weeks, dtype=float), (n, m)).ravel(),
            "sld_mm": sld.ravel(),
            "pct_change": pct.ravel(),
            "response": resp.ravel(),
            "measure": value.ravel(),
        }
    )
