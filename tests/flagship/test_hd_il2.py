"""High-dose IL-2 as the trials give it: the published dose and schedule, and a serum exposure no lower
than measured (issue 15: melanoma's 0% on HD IL-2 is neither a dosing nor an exposure shortfall;
docs/flagship.md, "High-dose IL-2: why melanoma got 0%")."""

import numpy as np
import pytest

from iosim.library import EXAMPLES
from iosim.scenario import build_scenario
from iosim.therapy.regimens import parse_regimen
from iosim.therapy.units import Patient
from iosim.trials import load_trial_spec

WEIGHT_KG = 70.0


def _doses(spec_file: str) -> list[tuple[float, float]]:
    """(day, IU per kg) of every dose of the trial's single IL-2 arm, for a 70 kg patient."""
    spec = load_trial_spec(EXAMPLES / spec_file)
    (arm,) = spec.arms
    (therapy,) = arm.therapies
    assert therapy.drug == "aldesleukin"
    doses = parse_regimen(therapy.regimen).absolute_doses(Patient(WEIGHT_KG, 170.0))
    return [(day, amount / WEIGHT_KG) for day, amount, _ in doses]


@pytest.mark.parametrize(
    "spec_file, iu_per_kg",
    [
        # Atkins et al. 1999 JCO 17:2105 (600,000 or 720,000 IU/kg) and Fyfe et al. 1995 JCO 13:688: the
        # labelled 600,000 IU/kg (Proleukin PI s2)
        ("hd_il2_melanoma.yaml", 600_000.0),
        ("hd_il2_rcc.yaml", 600_000.0),
        # Schwartzentruber et al. 2011 NEJM 364:2119: 720,000 IU/kg
        ("schwartzentruber2011.yaml", 720_000.0),
    ],
)
def test_hd_il2_trials_give_the_published_dose_and_schedule(spec_file, iu_per_kg):
    doses = _doses(spec_file)
    assert all(d == pytest.approx(iu_per_kg) for _, d in doses)
    days = np.array([t for t, _ in doses])
    # one course: two cycles of up to 14 doses every 8 hours over 5 days ...
    assert len(days) == 28
    first, second = days[:14], days[14:]
    np.testing.assert_allclose(np.diff(first), 8 / 24)
    np.testing.assert_allclose(np.diff(second), 8 / 24)
    assert first[-1] - first[0] < 5.0
    # ... the second starting on the label's day 15 (a 5-day cycle, then 9 days of rest; Proleukin PI s2;
    # Atkins 1999: "after 6 to 9 days of rest")
    assert second[0] - first[0] == pytest.approx(14.0)
    assert 6.0 <= second[0] - first[-1] <= 10.0


def test_hd_il2_serum_exposure_is_not_below_konrad_1990():
    # Konrad et al. 1990 Cancer Res 50:2009: IL-2 clearance ~120 mL/min, so one dose gives an AUC of
    # dose / 120 mL/min. The model's one compartment (6 L, assumed; half-life 85 min, Proleukin PI s12.3)
    # gives ~2.4-fold more; it is held within 3-fold of the measured exposure and never below it.
    dose_iu = 600_000.0 * WEIGHT_KG
    sc = build_scenario(cancer="melanoma", therapies=["aldesleukin:600000IU/kg-once"])
    res = sc.simulate(1.0, output_every=1 / 288)  # every 5 minutes
    conc = res["il2_IU_per_mL"]
    minutes = res.t * 1440.0
    auc = float(np.sum(np.diff(minutes) * (conc[1:] + conc[:-1]) / 2))  # IU*min/mL over a day
    measured = dose_iu / 120.0
    assert measured <= auc <= 3 * measured
    # the dose saturates the effect on effector T cells through most of the 8-hour interval
    ec50 = sc.model.parameter("il2_EC50").value
    within = minutes <= 480.0
    effect = conc[within] / (conc[within] + ec50)
    assert float(np.mean(effect)) > 0.5
    # and the half-life is the label's: the level halves in 85 minutes
    assert res.at("il2_IU_per_mL", 85 / 1440) / res.at("il2_IU_per_mL", 0.0) == pytest.approx(0.5, rel=0.02)
