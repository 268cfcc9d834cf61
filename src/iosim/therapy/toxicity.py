"""The therapies' calibrated toxicity models, and toxicity *indicators* of one simulated course.

The models (:data:`IRAE`, :data:`CRS`, :data:`CAPILLARY_LEAK`, described in :mod:`iosim.trials.toxicity`,
which draws each virtual patient's events from them; constants calibrated by
``examples/calibrate_toxicity.py``) read nothing of a trial, so they live here, below the trials.
The indicators of one course:

* :func:`crs_indicator` - cytokine-release indicator for CAR-T and high-dose IL-2, read from the trials'
  calibrated toxicity models (above): the probability of grade >= 3 CRS at the course's
  peak of antigen-engaged CAR-T cells (:func:`engaged_car_t`; thresholds calibrated on
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

import math
from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr

from iosim.therapy.catalogue import get_drug
from iosim.therapy.units import TYPICAL_PATIENT


@dataclass(frozen=True)
class IraeModel:
    #: (a, b, c): grade 3-4 probability 1 - (1 - a PD)(1 - b CT)(1 - c PD CT).
    grade34: tuple[float, float, float]
    #: (a', b', c'): probability of an event that discontinues treatment (nested in the grade 3-4 draw).
    discontinue: tuple[float, float, float]
    #: Share of grade 3-4 events that are grade 4 (assumed: CheckMate 067 reports grades 3 and 4 together).
    grade4_share: float = 0.15
    #: Onset: log-normal, median 8 weeks, log-SD 0.8 (assumed from the median onsets of nivolumab irAEs by
    #: organ, 5-15 weeks: Weber 2017 J Clin Oncol 35:785).
    onset_median_days: float = 56.0
    onset_sigma: float = 0.8
    source: str = ""

    def probability(self, coef: tuple[float, float, float], pd_block: np.ndarray, ct: np.ndarray) -> np.ndarray:
        a, b, c = coef
        return 1.0 - (1.0 - a * pd_block) * (1.0 - b * ct) * (1.0 - c * pd_block * ct)


def engaged_car_t(
    C: np.ndarray | float,
    Tp: np.ndarray | float,
    antigen_half: np.ndarray | float,
    targets_per_cell: np.ndarray | float,
) -> np.ndarray:
    """CAR-T effector cells engaging target+ cells: ``C`` times the flagship model's antigen drive
    ``Tp / (Tp + car_antigen_half + car_targets_per_cell C)`` (:mod:`iosim.models.core`), the share of them
    meeting targets. Arrays broadcast; negative solver round-off counts as 0.

    The targets per CAR-T cell matter: without them, ``C Tp / (Tp + car_antigen_half)`` counts about three
    times as many cells at the peak as the model's drive engages (issue 15)."""
    C, Tp = np.maximum(C, 0.0), np.maximum(Tp, 0.0)
    return C * Tp / (Tp + antigen_half + targets_per_cell * C)


@dataclass(frozen=True)
class CrsModel:
    #: Latent thresholds (log10 cells) for grade >= 1, 2, 3, 4.
    thresholds: tuple[float, float, float, float]
    #: SD of the latent severity around log10 of the peak (assumed: CAR-T peaks of patients with and
    #: without severe CRS overlap widely, Neelapu 2017 Fig. 4).
    sigma: float = 0.5
    #: Onset after infusion: log-normal, median 2 days (ZUMA-1: median 2, range 1-12; Neelapu 2017).
    onset_median_days: float = 2.0
    onset_sigma: float = 0.6
    #: Shares of all patients with grade >= 2 and grade >= 4 used with ZUMA-1's 93% and 13% to place the
    #: thresholds (assumed: ZUMA-1 reports any grade and grade >= 3; grades 1-2 and 3-4 split by assumption).
    grade2_share: float = 0.50
    grade4_share: float = 0.04
    source: str = ""

    def grade3_probability(self, peak_cells: np.ndarray | float) -> np.ndarray:
        """Probability of grade >= 3 CRS at a peak of ``peak_cells`` antigen-engaged CAR-T cells."""
        z = (np.log10(np.maximum(peak_cells, 1.0)) - self.thresholds[2]) / self.sigma
        return ndtr(z)


@dataclass(frozen=True)
class CapillaryLeakModel:
    #: Hazard per unit of dose relative to 600,000 IU/kg: grade 3-4 probability 1 - exp(-hazard d).
    hazard: float
    hd_iu_per_kg: float = 600_000.0
    #: Share of the events that end the IL-2 course (assumed: doses are held for grade 3 hypotension and
    #: the cycle is stopped for grade 4 or refractory hypotension; Schwartzentruber 2001 J Immunother 24:287).
    discontinue_share: float = 0.5
    #: Share of grade 3-4 events that are grade 4 (assumed, as for irAEs).
    grade4_share: float = 0.15
    #: Onset: within the first cycle's 5 days (assumed median day 3: hypotension typically begins after
    #: the first few doses, Schwartzentruber 2001 J Immunother 24:287).
    onset_median_days: float = 3.0
    onset_sigma: float = 0.4
    source: str = ""

    def probability(self, relative_dose: float) -> float:
        """Grade 3-4 probability at a dose per kg ``relative_dose`` times 600,000 IU/kg."""
        return 1.0 - math.exp(-self.hazard * max(relative_dose, 0.0))


#: Calibrated by examples/calibrate_toxicity.py on CheckMate 067 at 1000 patients per arm: grade 3-4
#: treatment-related AEs 16.3% (nivolumab, 51/313), 27.3% (ipilimumab, 85/311), 55.0% (combination,
#: 172/313); discontinuation for them 7.7% (24/313), 14.8% (46/311), 36.4% (114/313).
IRAE = IraeModel(
    grade34=(0.1874, 0.4154, 0.3556),
    discontinue=(0.0965, 0.3410, 0.1566),
    source="calibrated: CheckMate 067 grade 3-4 TRAEs and discontinuations (Larkin 2015 NEJM 373:23, Table 3)",
)
#: Calibrated by examples/calibrate_toxicity.py on ZUMA-1 (any grade 93%, grade >= 3 13%).
CRS = CrsModel(thresholds=(8.661, 9.575, 10.256, 10.621), source="calibrated: ZUMA-1 CRS (Neelapu 2017 NEJM 377:2531)")
#: Calibrated by examples/calibrate_toxicity.py on Schwartzentruber 2011 (IL-2 alone, 720,000 IU/kg): grade
#: 3-5 cardiovascular toxicity 26.9% (25/93); at the labelled 600,000 IU/kg this gives 23%, and 3% at the
#: low-dose 72,000 IU/kg of Yang 2003 (J Clin Oncol 21:3127: hypotension much less frequent at low dose).
CAPILLARY_LEAK = CapillaryLeakModel(
    hazard=0.2624,
    source="calibrated: Schwartzentruber 2011 NEJM 364:2119, Table 3 (IL-2 alone: grade 3-5 cardiovascular "
    "toxicity 25 of 93)",
)


# -- indicators of one simulated course ----------------------------------------------------------


def _param(result, name: str) -> float:
    return float(result.parameters[result.model.parameter_names.index(name)])


def crs_indicator(result, *, weight_kg: float = TYPICAL_PATIENT["weight_kg"]) -> float:
    """See the module's text; ``weight_kg`` is the simulated patient's (IL-2 doses are per kg)."""
    C, Tp, il2 = result["C"], result["Tp"], result["il2x"]
    engaged = engaged_car_t(C, Tp, _param(result, "car_antigen_half"), _param(result, "car_targets_per_cell"))
    car = float(CRS.grade3_probability(np.max(engaged)))
    # Capillary leak depends on the dose per kg (CAPILLARY_LEAK): recover it from the peak serum level.
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
