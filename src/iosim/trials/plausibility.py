"""Plausibility rules that need a simulation: how a candidate patient's disease behaves untreated.

Patients enter metastatic trials with measurable disease that is growing; left untreated it keeps
growing. Spontaneous regression of metastatic melanoma is rare (reported in ~0.2-0.3% of patients,
Kalialis et al. 2009 Melanoma Res 19:275), yet a population whose immunogenicity a calibration raised
can contain patients whose own immune response clears the tumour without any drug. Such patients are
not plausible trial patients: a population with ``untreated_progression_months`` redraws them
(:mod:`iosim.trials.population`).

The rule reads the model's sum of target-lesion diameters (no reader error) with RECIST 1.1's thresholds
(Eisenhauer et al. 2009 Eur J Cancer 45:228): untreated, the sum must reach +20% of baseline within the
horizon (progression) and must never fall to -30% (a partial response without treatment).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from iosim.trials.spec import DAYS_PER_MONTH

#: RECIST 1.1 progression (+20% of the sum of diameters) and partial response (-30%).
PROGRESSION = 1.20
RESPONSE = 0.70
#: Widest horizon accepted for the rule (20 years).
MAX_MONTHS = 240.0
#: Stages of the untreated simulation, (read until day, integrate until day): most patients' first RECIST
#: event comes within months (measured on the melanoma trials' seeds: median day 84, 90% by day ~380), so
#: each stage simulates the undecided patients only so far and decides those whose first event falls by its
#: read day; the rest go on to the next stage and finally to the whole horizon. A shorter run's weekly values
#: are bit-identical to the whole run's up to the start of its last (cut-short) step, measured at most 0.2x
#: its horizon before its end (1,000 patients, horizons 91-728 days), so each stage reads only up to 2/3 of it.
STAGES = ((91.0, 137.0), (364.0, 546.0))
#: The engine's method and tolerances for the untreated courses, the trials' own (:mod:`iosim.trials.runner`).
#: The explicit pair throughout: ``auto``'s switch to Rosenbrock (82% of the melanoma patients simulated to
#: day 546) cost 2.5x the CPU (RCC: 2-7x). ``auto`` at rtol 1e-6, the former setting, and ``tsit5`` at 1e-6,
#: 1e-5 and 1e-4 admit exactly the same patients on 2,000 of each melanoma trial's seed (ca184169,
#: checkmate064/066/067, hd_il2_melanoma, keynote006, million), and ``tsit5`` at 1e-5 on 1,000 of each RCC
#: trial's (checkmate025, gleave1998, hd_il2_rcc; docs/performance.md, 7 Dec).
METHOD, RTOL, ATOL = "tsit5", 1e-5, 1e-3


def progresses_untreated(
    cancer: str,
    fixed: Mapping[str, float],
    draws: Mapping[str, np.ndarray],
    tumour_cells: np.ndarray,
    months: float,
) -> np.ndarray:
    """For each candidate patient: does the untreated disease progress within ``months`` without ever
    shrinking by 30%? ``fixed`` are parameters set for every patient (the population's overrides),
    ``draws`` the patient's varied model parameters, ``tumour_cells`` the baseline burden.

    A patient whose untreated course cannot be integrated counts as not plausible (redrawn).

    Decided at the patient's first RECIST event untreated (progression: plausible; a -30% response: not),
    in :data:`STAGES`; a patient with no event by the last stage's read day is simulated over the whole
    horizon and judged by the rule as stated. The two agree because no untreated course reaches one
    threshold and later the other: measured on 2,000 patients of each melanoma trial's seed (ca184169,
    checkmate064/066/067, hd_il2_melanoma, keynote006, million; 17,286 candidates), none did, and every
    accepted and rejected patient was the same (``tests/trials/test_untreated_progression.py``)."""
    from iosim.trials.arms import plan_arm

    n = np.asarray(tumour_cells).size
    if n == 0:
        return np.zeros(0, dtype=bool)
    days = float(months) * DAYS_PER_MONTH
    plan = plan_arm(cancer, [], days)  # no therapy: the cancer type's parameters, no doses
    model = plan.model
    values = {**plan.params, **fixed}
    params = {name: np.full(n, v) for name, v in values.items()}
    params.update({name: np.asarray(v, dtype=float) for name, v in draws.items()})
    frac = values.get("target_fraction", model.parameter("target_fraction").value)
    burden = np.asarray(tumour_cells, dtype=float)
    initial = {"Tp": burden * frac, "Tn": burden * (1.0 - frac)}
    times = np.unique(np.append(np.arange(0.0, days, 7.0), days))  # weekly, as a trial's output grid
    plausible = np.zeros(n, dtype=bool)
    todo = np.arange(n)
    for read_until, horizon in STAGES:
        if horizon >= days or todo.size == 0:
            break
        relative, ok = _untreated(model, params, initial, todo, _upto(times, horizon), int((times <= read_until).sum()))
        grows, shrinks = relative >= PROGRESSION, relative <= RESPONSE
        first_grow = np.where(grows.any(axis=1), grows.argmax(axis=1), relative.shape[1])
        first_shrink = np.where(shrinks.any(axis=1), shrinks.argmax(axis=1), relative.shape[1])
        decided = ok & (grows | shrinks).any(axis=1)
        plausible[todo[decided]] = (first_grow < first_shrink)[decided]
        todo = todo[~decided]
    if todo.size:
        relative, ok = _untreated(model, params, initial, todo, times, times.size)
        progresses = (relative >= PROGRESSION).any(axis=1)
        responds = (relative <= RESPONSE).any(axis=1)
        plausible[todo] = ok & progresses & ~responds
    return plausible


def _upto(times: np.ndarray, horizon: float) -> np.ndarray:
    """The output days until ``horizon``, ending on it (the same days as the whole run's up to there)."""
    head = times[times < horizon]
    return np.append(head, horizon)


def _untreated(
    model,
    params: dict[str, np.ndarray],
    initial: dict[str, np.ndarray],
    index: np.ndarray,
    grid: np.ndarray,
    k: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Patients ``index`` simulated untreated until ``grid[-1]``: their sums of diameters relative to baseline
    on the first ``k`` output days ``grid``, and whether the course was integrated and finite on them."""
    from iosim.cohort import simulate_cohort
    from iosim.model.compiled import output_function
    from iosim.simulation.options import SaveAt, SolverOptions

    res = simulate_cohort(
        model, float(grid[-1]), params={name: v[index] for name, v in params.items()},
        initial={name: v[index] for name, v in initial.items()}, saveat=SaveAt(ts=tuple(grid)),
        solver=SolverOptions(method=METHOD, rtol=RTOL, atol=ATOL),
    )  # fmt: skip
    diameter = output_function(model, "tumour_diameter_mm")
    with np.errstate(all="ignore"):
        sld = diameter(grid[:k], np.moveaxis(res.y[:, :k], 2, 0), res.parameters.T[:, :, None])
        relative = sld / sld[:, :1]
    return relative, np.asarray(res.ok) & np.isfinite(relative).all(axis=1)
