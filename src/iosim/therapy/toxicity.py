"""Toxicity *indicators* beside efficacy (not calibrated toxicity models; virtual trials draw
calibrated per-patient events in :mod:`iosim.trials.toxicity`).

* :func:`crs_indicator` - cytokine-release indicator for CAR-T and high-dose IL-2, read from the trials'
  calibrated toxicity models (:mod:`iosim.trials.toxicity`): the probability of grade >= 3 CRS at the course's
  peak of antigen-engaged CAR-T cells (:func:`~iosim.trials.toxicity.engaged_car_t`; thresholds calibrated on
  ZUMA-1, Neelapu 2017 NEJM 377:2531), combined with the grade 3-4 capillary-leak probability at high-dose
  IL-2 (calibrated on Schwartzentruber 2011) scaled by the course's peak exogenous IL-2 effect (0-1). The
  IL-2 part is an approximation for one simulated course: a trial draws it from the dose per kg.
  Before issue 15 it was the engaged peak in units of 1e9 cells, and every CAR-T course was "high".
* :func:`irae_indicator` - immune-related adverse-event indicator for checkpoint inhibitors:
  ``1 - (1 - 0.163 PD) (1 - 0.273 CT) (1 - 0.25 PD CT)`` with PD and CT the mean PD-1/PD-L1
  blockade and CTLA-4 occupancy over the first 12 weeks. The coefficients reproduce the grade
  3-4 treatment-related AE rates of CheckMate 067 (Larkin 2015 NEJM 373:23: nivolumab 16.3%,
  ipilimumab 27.3%, combination 55.0%) at full blockade; elsewhere it is an indicator.
"""

from __future__ import annotations

import numpy as np

from iosim.trials.toxicity import CAPILLARY_LEAK, CRS, engaged_car_t


def _param(result, name: str) -> float:
    return float(result.parameters[result.model.parameter_names.index(name)])


def crs_indicator(result) -> float:
    C, Tp, il2 = result["C"], result["Tp"], result["il2x"]
    engaged = engaged_car_t(C, Tp, _param(result, "car_antigen_half"), _param(result, "car_targets_per_cell"))
    car = float(CRS.grade3_probability(np.max(engaged)))
    il2_effect = float(np.max(il2 / (il2 + _param(result, "il2_EC50"))))
    il2_leak = il2_effect * CAPILLARY_LEAK.probability(1.0)
    return 1.0 - (1.0 - car) * (1.0 - il2_leak)


def irae_indicator(result, *, window_days: float = 84.0) -> float:
    mask = result.t <= window_days
    pd = float(np.mean(result["pd_axis_blockade"][mask]))
    c = result["ctla4_c"][mask]
    ct = float(np.mean(c / (c + _param(result, "ctla4_EC50"))))
    return 1.0 - (1.0 - 0.163 * pd) * (1.0 - 0.273 * ct) * (1.0 - 0.25 * pd * ct)


#: Indicator values from which a course is called "high" (about one patient in three with a grade >= 3
#: event) and "moderate" (one in twenty); chosen, not calibrated.
CRS_HIGH, CRS_MODERATE = 0.3, 0.05


def crs_category(value: float) -> str:
    return "high" if value >= CRS_HIGH else "moderate" if value >= CRS_MODERATE else "low"
