"""Drug PK inside the core model: terminal half-lives within 10% of the cited source."""

import math

import numpy as np
import pytest

from iosim.dosing import Bolus, Regimen
from iosim.models import get_model
from iosim.scenario import build_scenario
from iosim.simulation import simulate
from iosim.therapy.catalogue import DRUGS

WITH_HALF_LIFE = [d for d in DRUGS.values() if d.half_life is not None]


def test_every_antibody_cytokine_and_chemotherapy_has_a_half_life():
    assert {d.id for d in WITH_HALF_LIFE} == {
        "nivolumab", "pembrolizumab", "atezolizumab", "ipilimumab", "rituximab", "trastuzumab",
        "aldesleukin", "interferon_alfa", "docetaxel", "dacarbazine",
    }  # fmt: skip


@pytest.mark.parametrize("drug", WITH_HALF_LIFE, ids=lambda d: d.id)
def test_terminal_half_life_matches_source(drug):
    model = get_model("core")
    th = drug.half_life.value
    # simulate well past distribution, then fit log(C) over 3 half-lives of the terminal phase
    t_fit = np.linspace(4 * th, 7 * th, 31)
    dose = Regimen((Bolus(drug.state, 100.0, 0.0),))
    r = simulate(model, t_fit[-1], params=drug.parameter_values(), initial={"Tp": 0.0, "Tn": 0.0}, regimen=dose,
                 times=[0.0, *t_fit], rtol=1e-10, atol=1e-14)  # fmt: skip
    c = r[drug.state][1:]
    slope = np.polyfit(t_fit, np.log(c), 1)[0]
    fitted = math.log(2) / -slope
    assert fitted == pytest.approx(th, rel=0.10), f"{drug.id}: fitted {fitted:.3g} d vs {th:.3g} d"


@pytest.mark.parametrize("drug", ["tisagenlecleucel", "axicabtagene_ciloleucel"])
def test_car_t_peak_one_to_two_weeks_after_infusion(drug):
    # Kymriah PI s12.3: Tmax ~10 days; Yescarta PI s12.3: peak within 7-14 days.
    sc = build_scenario(cancer="dlbcl", therapies=[drug])
    r = sc.simulate(60, output_every=0.5)
    infusion = DRUGS[drug].lymphodepletion_days
    t_peak = r.t[np.argmax(r["car_t_cells"])] - infusion
    assert 7 <= t_peak <= 14, t_peak
    assert r.final("car_t_cells") < 0.2 * r["car_t_cells"].max()  # contraction
