"""The treatment course of each patient: when dosing stops, which doses were given, and a second pass.

The cohort engine integrates a regimen shared by the whole arm. A real patient stops treatment at
progression, at a discontinuing toxicity, at death, or when the regimen's maximum duration (``-x35``)
ends. iosim follows this in two passes:

1. every patient is simulated with the whole regimen;
2. each patient's stop day is read from that course (the first progression at a scheduled
   assessment, or with ``treat_beyond_progression`` iRECIST-confirmed progression for the share of
   patients treated beyond it; or a discontinuing toxicity, :mod:`iosim.trials.toxicity`), and the
   patients with doses left after it are simulated again with those doses set to zero.

A dose set to zero keeps its place in the schedule, so the engine integrates exactly the same
segments up to the stop day: the second course is bit-identical to the first until then, and
whatever was read before the stop day (the progression itself, an earlier response) is unchanged.
Patients never interact and every draw is a function of (seed, patient), so the result does not
depend on chunk size or workers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from iosim.dosing import Bolus, Infusion, Regimen
from iosim.endpoints import irecist

if TYPE_CHECKING:
    from iosim.cohort.result import CohortResult

#: Time-point codes that mean progression under each criteria's names (RECIST, iRECIST, Lugano,
#: IWG: PD; iRECIST: iUPD or iCPD; B-ALL: relapse).
PROGRESSION_LABELS = frozenset({"PD", "iUPD", "iCPD", "REL"})
DOSE_COLUMNS = {"arm": "object", "patient": "int64", "day": "float64", "drug": "object", "amount": "float64",
                "unit": "object"}  # fmt: skip


def dose_times(regimen: Regimen) -> np.ndarray:
    """Sorted distinct days on which a bolus is given or an infusion starts."""
    return np.unique([e.time for e in regimen if isinstance(e, (Bolus, Infusion))])


def first_progression_day(labels: np.ndarray, scan_days: np.ndarray) -> np.ndarray:
    """Day of each patient's first assessment read as progression (inf: none). ``labels`` (n, m - 1)
    are the criteria's time-point names after baseline, ``scan_days`` (n, m) the assessment days."""
    hit = np.isin(labels, list(PROGRESSION_LABELS))
    return _first_day(hit, scan_days[:, 1:])


def confirmed_progression_day(
    sld: np.ndarray, scan_days: np.ndarray, new_lesion, new_lesion_growth, not_done: np.ndarray
) -> np.ndarray:
    """Day of each patient's first iRECIST-confirmed progression (iCPD; inf: none), from the measured sums
    ``sld`` (n, m), baseline first; assessments ``not_done`` (after death or follow-up) are not read."""
    m = np.where(not_done, np.nan, sld)
    codes = irecist.assess(m, new_lesion=new_lesion, new_lesion_growth=new_lesion_growth)
    return _first_day(codes == irecist.ICPD, scan_days[:, 1:])


def _first_day(hit: np.ndarray, days: np.ndarray) -> np.ndarray:
    any_hit = hit.any(axis=1)
    j = np.argmax(hit, axis=1)
    return np.where(any_hit, days[np.arange(hit.shape[0]), j], np.inf)


def truncated(regimen: Regimen, stop_day: float) -> Regimen:
    """The regimen with every bolus and infusion from ``stop_day`` on set to zero (kept in place, so that
    the engine's segments, and the course up to ``stop_day``, stay the same)."""
    events = []
    for e in regimen:
        if isinstance(e, Bolus) and e.time >= stop_day:
            e = replace(e, amount=0.0)
        elif isinstance(e, Infusion) and e.time >= stop_day:
            e = replace(e, rate=0.0)
        events.append(e)
    return Regimen(tuple(events), regimen.label)


def cut_days(regimen: Regimen, stop: np.ndarray) -> np.ndarray:
    """Per patient, the first dose day at or after its stop day (inf: no dose left to remove)."""
    times = dose_times(regimen)
    if times.size == 0:
        return np.full(stop.shape, np.inf)
    k = np.searchsorted(times, stop, side="left")
    return np.where(k < times.size, times[np.minimum(k, times.size - 1)], np.inf)


def second_pass(
    res: CohortResult, regimen: Regimen, stop: np.ndarray, simulate: Callable[[np.ndarray, Regimen], CohortResult]
) -> CohortResult:
    """``res`` with the patients that have doses at or after their ``stop`` day simulated again without
    them. ``simulate(index, regimen)`` simulates the chunk's patients ``index`` with ``regimen``; patients
    with the same first removed dose share one call."""
    cut = cut_days(regimen, stop)
    todo = np.isfinite(cut)
    if not todo.any():
        return res
    y, status, steps, stiff = res.y.copy(), res.status.copy(), res.steps.copy(), res.stiff.copy()
    for day in np.unique(cut[todo]):
        idx = np.flatnonzero(cut == day)
        again = simulate(idx, truncated(regimen, float(day)))
        y[idx], status[idx], steps[idx], stiff[idx] = again.y, again.status, again.steps, again.stiff
    return replace(res, y=y, status=status, steps=steps, stiff=stiff)


def dose_rows(arm: str, patients: np.ndarray, doses: pd.DataFrame, scale: np.ndarray, last_day: np.ndarray,
              state_index: Callable[[str], int]) -> pd.DataFrame:  # fmt: skip
    """The doses table of one chunk: each dose of the arm's reference schedule ``doses`` (``day, drug, state,
    amount, unit``) given to a patient before its ``last_day`` (exclusive), scaled to the patient
    (``scale``: the cohort engine's dose multipliers, one row per patient, one column per state)."""
    if doses.empty:
        # Text columns as pandas strings: DuckDB types an empty object column NULL (see toxicity.empty).
        return pd.DataFrame({c: pd.Series(dtype="string" if t == "object" else t) for c, t in DOSE_COLUMNS.items()})
    day = doses["day"].to_numpy(dtype=float)
    given = day[None, :] < np.asarray(last_day, dtype=float)[:, None]
    cols = np.array([state_index(s) for s in doses["state"]], dtype=np.int64)
    amount = doses["amount"].to_numpy(dtype=float)[None, :] * scale[:, cols]
    pi, di = np.nonzero(given)
    return pd.DataFrame({
        "arm": arm,
        "patient": np.asarray(patients, dtype=np.int64)[pi],
        "day": day[di],
        "drug": doses["drug"].to_numpy(dtype=object)[di],
        "amount": amount[pi, di],
        "unit": doses["unit"].to_numpy(dtype=object)[di],
    })  # fmt: skip
