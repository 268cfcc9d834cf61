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

    A patient whose untreated course cannot be integrated counts as not plausible (redrawn)."""
    from iosim.cohort import simulate_cohort
    from iosim.model.compiled import output_function
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
    times = np.unique(np.append(np.arange(0.0, days, 7.0), days))  # weekly, as a trial's output grid
    res = simulate_cohort(
        model, days, params=params, initial={"Tp": burden * frac, "Tn": burden * (1.0 - frac)}, times=times,
        rtol=1e-6, atol=1e-3,
    )  # fmt: skip
    diameter = output_function(model, "tumour_diameter_mm")
    with np.errstate(all="ignore"):
        sld = diameter(times, np.moveaxis(res.y, 2, 0), res.parameters.T[:, :, None])
        relative = sld / sld[:, :1]
    grows = (relative >= PROGRESSION).any(axis=1)
    shrinks = (relative <= RESPONSE).any(axis=1)
    return np.asarray(res.ok) & grows & ~shrinks & np.isfinite(relative).all(axis=1)
