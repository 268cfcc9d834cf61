"""The treatment course of each patient: when dosing stops, which doses were given, and a second pass.

The cohort engine integrates a regimen shared by the whole arm. A real patient stops treatment at
progression, at a discontinuing toxicity, at death, or when the regimen's maximum duration (``-x35``)
ends. iosim follows this in two passes:

1. every patient is simulated with the whole regimen;
2. each patient's stop day is read from that course (the first progression at a scheduled
   assessment, or with ``treat_beyond_progression`` iRECIST-confirmed progression for the share of
   patients treated beyond it; or a discontinuing toxicity, :mod:`iosim.trials.toxicity`), and the
   patients with doses left after it are simulated again with those doses set to zero.

Until the first removed dose the second course is the first, so it is not simulated again: it
continues from the first course's state on the last dose day before the removed dose (the
regimen's last breakpoint there that is an output day, :func:`restart_days`), where the engine
reports the exact end of a step after that day's doses, with the rest of the regimen (no dose left
to give; the removed doses stay as zero doses, so segments start where they did). Whatever was
read before then (the progression itself, an earlier response) is unchanged, bit for bit; after it
the continued course differs from a course simulated again from day 0 only by the solver's own
error (its steps start afresh), measured in docs/performance.md. A patient without such a day (its
first dose removed, or no dose day on the output grid) is simulated again from day 0 with the
removed doses set to zero, which keeps their place in the schedule so that the engine integrates
the same segments until the stop.
Patients never interact and every draw is a function of (seed, patient), so the result does not
depend on chunk size or workers.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Protocol

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


#: Regimens made by :func:`truncated` and :func:`remaining`, kept per process: every chunk of an arm asks for the
#: same few dozen (one per dose day), and building one (validated, sorted) cost ~4% of a trial chunk.
_CACHED_REGIMENS = 512


@functools.lru_cache(maxsize=_CACHED_REGIMENS)
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


def restart_days(regimen: Regimen, cut: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """Per patient, the day after 0 from which its second course continues the first: the regimen's last
    breakpoint (a dose, an infusion's start or end) before its ``cut`` day (:func:`cut_days`) that is one of
    the output days ``grid``; -inf where there is none. The engine's value there is a step's exact end,
    after that day's doses."""
    on_grid = set(np.asarray(grid, dtype=float).tolist())
    points = np.array([b for b in regimen.breakpoints() if b > 0.0 and b in on_grid], dtype=float)
    if points.size == 0:
        return np.full(cut.shape, -np.inf)
    k = np.searchsorted(points, cut, side="left")
    return np.where(k > 0, points[np.maximum(k - 1, 0)], -np.inf)


@functools.lru_cache(maxsize=_CACHED_REGIMENS)
def remaining(regimen: Regimen, day: float) -> Regimen:
    """What ``regimen`` still does after ``day`` (its doses on ``day`` are given): the boluses and
    set-events after it and the infusions running past it. Zero doses stay: each starts a segment, after
    whose doses the engine sets a cell population below its extinction threshold to 0 (without them, a
    tumour cleared late in the course was left at solver noise around 0 instead)."""
    return Regimen(tuple(e for e in regimen if (e.end if isinstance(e, Infusion) else e.time) > day), regimen.label)


class Simulate(Protocol):
    """Simulates the chunk's patients ``index`` with ``regimen`` from day ``t_start`` (from their baseline,
    or from ``state``: one row per patient, one column per model state)."""

    def __call__(self, index: np.ndarray, regimen: Regimen, t_start: float = 0.0,
                 state: np.ndarray | None = None) -> CohortResult: ...  # fmt: skip


def second_pass(res: CohortResult, regimen: Regimen, stop: np.ndarray, simulate: Simulate) -> CohortResult:
    """``res`` with the patients that have doses at or after their ``stop`` day simulated again without
    them: from their state on the day of :func:`restart_days`, or from day 0. Patients with the same first
    removed dose share one call. ``steps`` counts the steps spent on a patient (both courses for one that
    continues) and ``stiff`` whether either course was stiff."""
    cut = cut_days(regimen, stop)
    todo = np.isfinite(cut)
    if not todo.any():
        return res
    y, status, steps, stiff = res.y.copy(), res.status.copy(), res.steps.copy(), res.stiff.copy()
    start = restart_days(regimen, cut, res.t)
    for day in np.unique(cut[todo]):
        idx = np.flatnonzero(cut == day)
        rest = truncated(regimen, float(day))
        t0 = float(start[idx[0]])  # a function of the cut day
        j = int(np.searchsorted(res.t, t0)) if np.isfinite(t0) else 0
        # A course that failed before t0 has no state there to continue from.
        go_on = np.isfinite(t0) & np.isfinite(res.y[idx, j]).all(axis=1)
        again_idx = idx[~go_on]
        if again_idx.size:
            again = simulate(again_idx, rest)
            y[again_idx], status[again_idx], steps[again_idx], stiff[again_idx] = (
                again.y, again.status, again.steps, again.stiff)  # fmt: skip
        on = idx[go_on]
        if on.size:
            cont = simulate(on, remaining(rest, t0), t0, _nonnegative(res.model, res.y[on, j]))
            y[on, j + 1 :], status[on] = cont.y[:, 1:], cont.status  # on t0 itself the first course's value
            steps[on] += cont.steps
            stiff[on] |= cont.stiff
    return replace(res, y=y, status=status, steps=steps, stiff=stiff)


def _nonnegative(model, state: np.ndarray) -> np.ndarray:
    """``state`` with each nonnegative state below 0 set to 0: within its absolute tolerance, the solver
    lets an emptied population (tumour cells lacking the target) dip a little below 0, and the engine
    takes no negative initial value."""
    keep = np.array([s.nonnegative for s in model.states])
    return np.where(keep & (state < 0.0), 0.0, state)


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
