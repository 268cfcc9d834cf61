"""When each patient's tumour assessments happen: the schedule, moved within the visit window.

Protocols allow each scan to be done within a window around its scheduled date (commonly +-7 days),
so in a real trial progression is not dated on a few shared days. With
``assessment_window_days: W`` every scheduled assessment ``k`` of patient ``i`` falls on its
scheduled day plus a whole number of days drawn uniformly from ``-W..W``; the draw is
``uniforms(seed, i, _VISIT_STREAM + k)`` (:mod:`iosim.trials.rng`), so a patient's visits do not
depend on chunking, workers or the arm. The trial spec keeps ``2 W`` below the shortest interval
between assessments, so visits keep their order and the first stays after baseline (day 0).

The simulation's output grid (:func:`output_days`) depends on the spec only, never on which patients
a chunk holds: it holds every day a visit may fall on, besides the weekly grid that the death model
and new-lesion process integrate over (:func:`base_days`).
"""

from __future__ import annotations

import numpy as np

from iosim.errors import SimulationError
from iosim.trials.rng import uniforms
from iosim.trials.spec import TrialSpec

# Random-number stream of visit k: _VISIT_STREAM + k (disjoint from the populations', lesions', the
# death model's and the virtual-population builder's streams).
_VISIT_STREAM = 110_000


def scheduled_weeks(spec: TrialSpec) -> np.ndarray:
    """Scheduled assessment weeks, baseline (0) first."""
    return np.array([0.0, *spec.assessment_weeks()])


def base_days(spec: TrialSpec) -> np.ndarray:
    """Every week of follow-up, every scheduled assessment and the end of follow-up (days)."""
    end = spec.follow_up_days
    days = np.union1d(np.arange(0.0, end, 7.0), np.append(scheduled_weeks(spec) * 7.0, end))
    return days[days <= end]


def _offsets(spec: TrialSpec) -> np.ndarray:
    w = spec.assessment_window_days
    return np.arange(-w, w + 1, dtype=float)


def output_days(spec: TrialSpec) -> np.ndarray:
    """Output days of the simulation: :func:`base_days` and every day a visit may fall on in follow-up."""
    days = base_days(spec)
    if spec.assessment_window_days == 0:
        return days
    possible = (scheduled_weeks(spec)[1:, None] * 7.0 + _offsets(spec)[None, :]).ravel()
    return np.union1d(days, possible[possible <= spec.follow_up_days])


def visit_offsets(spec: TrialSpec, patients: np.ndarray) -> np.ndarray:
    """Whole days each patient's assessments move, shape (n_patients, n_assessments); baseline 0."""
    ids = np.asarray(patients, dtype=np.int64)
    weeks = scheduled_weeks(spec)
    out = np.zeros((ids.size, weeks.size))
    w = spec.assessment_window_days
    if w == 0:
        return out
    for k in range(1, weeks.size):
        u = uniforms(spec.seed, ids, _VISIT_STREAM + k)
        out[:, k] = np.minimum(np.floor(u * (2 * w + 1)), 2 * w) - w
    return out


def visit_columns(spec: TrialSpec, days: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Column of ``days`` (:func:`output_days`) of each visit; a visit after follow-up reads the last day
    (it is not done: :func:`iosim.endpoints.patient_outcomes` drops it)."""
    wanted = np.minimum(scheduled_weeks(spec)[None, :] * 7.0 + offsets, spec.follow_up_days)
    col = np.minimum(np.searchsorted(days, wanted), days.size - 1)
    if not np.allclose(days[col], wanted, rtol=0, atol=1e-9):
        raise SimulationError("a visit day is missing from the output grid (a bug in iosim; please report it)")
    return col
