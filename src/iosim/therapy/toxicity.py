"""Toxicity *indicators* of one simulated course beside efficacy (virtual trials draw calibrated
per-patient events in :mod:`iosim.trials.toxicity`; the CRS indicator reads its probabilities from there).

* :func:`crs_indicator` - cytokine-release indicator for CAR-T and high-dose IL-2, read from the trials'
  calibrated toxicity models (:mod:`iosim.trials.toxicity`): the probability of grade >= 3 CRS at the course's
  peak of antigen-engaged CAR-T cells (:func:`~iosim.trials.toxicity.engaged_car_t`; thresholds calibrated on
  ZUMA-1, Neelapu 2017 NEJM 377:2531), combined with the grade 3-4 capillary-leak probability of IL-2
  (calibrated on Schwartzentruber 2011) at the dose per kg that gives the course's peak serum level in the
  typical 70 kg patient (aldesleukin's 6 L dose volume): 23% at 600,000 IU/kg, 3% at 72,000 IU/kg, as a
  trial draws it. A result does not carry the patient's weight, so for another weight the dose per kg
  is read weight/70 times too high.
  Before issue 15 it was the engaged peak in units of 1e9 cells, and every CAR-T course was "high".
* :func:`irae_indicator` - immune-related adverse-event indicator for checkpoint inhibitors:
  ``1 - (1 - 0.163 PD) (1 - 0.273 CT) (1 - 0.25 PD CT)`` with PD and CT the mean PD-1/PD-L1
  blockade and CTLA-4 occupancy over the first 12 weeks. The coefficients reproduce the grade
  3-4 treatment-related AE rates of CheckMate 067 (Larkin 2015 NEJM 373:23: nivolumab 16.3%,
  ipilimumab 27.3%, combination 55.0%) at full blockade; elsewhere it is an indicator.
"""

from __future__ import annotations

import numpy as np

from iosim.therapy.catalogue import get_drug
from iosim.therapy.units import TYPICAL_PATIENT
from iosim.trials.toxicity import CAPILLARY_LEAK, CRS, engaged_car_t


def _param(result, name: str) -> float:
    return float(result.parameters[result.model.parameter_names.index(name)])


def crs_indicator(result, *, weight_kg: float = TYPICAL_PATIENT["weight_kg"]) -> float:
    """See the module's text; ``weight_kg`` is the simulated patient's (IL-2 doses are per kg)."""
    C, Tp, il2 = result["C"], result["Tp"], result["il2x"]
    engaged = engaged_car_t(C, Tp, _param(result, "car_antigen_half"), _param(result, "car_targets_per_cell"))
    car = float(CRS.grade3_probability(np.max(engaged)))
    # Capillary leak depends on the dose per kg (iosim.trials.toxicity): recover it from the peak serum level.
    # The level's own effect on effectors saturates (EC50 100 IU/mL), so it cannot tell 72,000 from 600,000 IU/kg.
    volume = get_drug("aldesleukin").dose_volume
    assert volume is not None and volume.unit == "mL"
    iu_per_kg = float(np.max(np.maximum(il2, 0.0))) * volume.value / weight_kg
    il2_leak = CAPILLARY_LEAK.probability(iu_per_kg / CAPILLARY_LEAK.hd_iu_per_kg)
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
