"""Toxicity *indicators* beside efficacy (not calibrated toxicity models; virtual trials draw
calibrated per-patient events in :mod:`iosim.trials.toxicity`).

* :func:`crs_indicator` - cytokine-release indicator for CAR-T and high-dose IL-2: the peak of
  antigen-engaged CAR-T cells (:func:`engaged_car_t`, in units of 1e9 cells) plus the peak exogenous IL-2
  effect (0-1).
  Values above 1 flag the exposures at which grade >= 3 CRS or capillary leak is common
  (CAR-T peak expansion correlates with CRS grade: Neelapu 2017 NEJM 377:2531; HD IL-2 causes
  capillary leak in most patients: Proleukin PI boxed warning). Ordinal, not a probability.
* :func:`irae_indicator` - immune-related adverse-event indicator for checkpoint inhibitors:
  ``1 - (1 - 0.163 PD) (1 - 0.273 CT) (1 - 0.25 PD CT)`` with PD and CT the mean PD-1/PD-L1
  blockade and CTLA-4 occupancy over the first 12 weeks. The coefficients reproduce the grade
  3-4 treatment-related AE rates of CheckMate 067 (Larkin 2015 NEJM 373:23: nivolumab 16.3%,
  ipilimumab 27.3%, combination 55.0%) at full blockade; elsewhere it is an indicator.
"""

from __future__ import annotations

import numpy as np


def _param(result, name: str) -> float:
    return float(result.parameters[result.model.parameter_names.index(name)])


def engaged_car_t(C, Tp, antigen_half, targets_per_cell):
    """CAR-T effector cells engaging target+ cells: ``C`` times the flagship model's antigen drive
    ``Tp / (Tp + car_antigen_half + car_targets_per_cell C)`` (:mod:`iosim.models.core`), the share of them
    meeting targets. Arrays broadcast; negative solver round-off counts as 0.

    Before the drive counted targets per CAR-T cell (issue 15) this was ``C Tp / (Tp + car_antigen_half)``,
    which at the peak counts about three times as many cells as the model's drive engages."""
    C, Tp = np.maximum(C, 0.0), np.maximum(Tp, 0.0)
    return C * Tp / (Tp + antigen_half + targets_per_cell * C)


def crs_indicator(result) -> float:
    C, Tp, il2 = result["C"], result["Tp"], result["il2x"]
    engaged = engaged_car_t(C, Tp, _param(result, "car_antigen_half"), _param(result, "car_targets_per_cell"))
    il2_effect = il2 / (il2 + _param(result, "il2_EC50"))
    return float(np.max(engaged) / 1e9 + np.max(il2_effect))


def irae_indicator(result, *, window_days: float = 84.0) -> float:
    mask = result.t <= window_days
    pd = float(np.mean(result["pd_axis_blockade"][mask]))
    c = result["ctla4_c"][mask]
    ct = float(np.mean(c / (c + _param(result, "ctla4_EC50"))))
    return 1.0 - (1.0 - 0.163 * pd) * (1.0 - 0.273 * ct) * (1.0 - 0.25 * pd * ct)


def crs_category(value: float) -> str:
    return "high" if value > 1.0 else "moderate" if value > 0.1 else "low"
