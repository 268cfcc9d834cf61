"""Each therapy mechanism in isolation, on the flagship model ``core``."""

import numpy as np
import pytest

from iosim.dosing import Bolus, Regimen
from iosim.models import get_model
from iosim.scenario import build_scenario
from iosim.simulation import simulate
from iosim.therapy.catalogue import get_drug


@pytest.fixture(scope="module")
def model():
    return get_model("core")


def test_car_t_has_no_effect_on_an_antigen_negative_tumour(model):
    initial = {"Tp": 0.0, "Tn": 1e10}
    car = Regimen((Bolus("C", 1.4e8, 0.0),))
    untreated = simulate(model, 120, initial=initial, output_every=5)
    treated = simulate(model, 120, initial=initial, regimen=car, output_every=5)
    np.testing.assert_allclose(treated["tumour_cells"], untreated["tumour_cells"], rtol=1e-6)
    # no antigen, no expansion: CAR-T only contract
    assert treated["C"].max() <= 1.4e8 * (1 + 1e-9)
    assert treated.final("C") < 1e-3 * 1.4e8


def test_car_t_expand_on_antigen_and_kill_antigen_positive_cells_only(model):
    initial = {"Tp": 5e10, "Tn": 5e10}
    r = simulate(model, 60, initial=initial, regimen=Regimen((Bolus("C", 1.4e8, 0.0),)), output_every=1)
    assert r["C"].max() > 20 * 1.4e8  # expansion on CD19
    assert r["Tp"].min() < 1e-3 * 5e10
    # the target- half grows on as if untreated: 60 days at the melanoma default doubling time of 60 d
    assert r.final("Tn") > 5e10


def _occupancy_run(model, conc):
    # Hold the anti-PD-1 concentration constant (no clearance) so that occupancy is fixed.
    params = {"pd1_CL": 0.0, "pd1_Q": 0.0}
    r = simulate(model, 42, params=params, initial={"Tp": 2.7e10, "Tn": 3e9, "pd1_c": conc}, output_every=7)
    return r.at("pd1_occupancy", 21), r["effector_cells"].max(), r.final("tumour_cells")


def test_pd1_blockade_raises_effector_activity_monotonically_with_occupancy_up_to_saturation(model):
    concs = [0.0, 0.02, 0.2, 2.0, 20.0, 200.0, 2000.0]
    runs = [_occupancy_run(model, c) for c in concs]
    occ = np.array([x[0] for x in runs])
    effectors = np.array([x[1] for x in runs])
    tumour = np.array([x[2] for x in runs])
    assert np.all(np.diff(occ) > 0) and occ[-1] > 0.999
    assert np.all(np.diff(effectors) > 0), effectors  # more occupancy, more functional effectors
    assert np.all(np.diff(tumour) < 0), tumour  # ... and more killing
    # saturation: the last tenfold rise in concentration adds < 1% of the effect of the first doses
    assert (effectors[-1] - effectors[-2]) < 0.01 * (effectors[-1] - effectors[0])


def test_targeting_antibody_kills_only_antigen_positive_cells(model):
    # Isolate the antibody: no adaptive response, no natural NK kill, no crowding, no target+ -> target- flow.
    params = {"immunogenicity": 0.0, "nk_kill": 0.0, "capacity": 1e18, "antigen_loss": 0.0}
    params |= get_drug("rituximab").parameter_values()
    initial = {"Tp": 1e10, "Tn": 1e10}
    dose = Regimen(tuple(Bolus("mab_c", 690.0 / 2.7, 7.0 * k) for k in range(4)))  # 375 mg/m2 weekly x4
    base = simulate(model, 60, params=params, initial=initial, output_every=5)
    mab = simulate(model, 60, params=params, initial=initial, regimen=dose, output_every=5)
    np.testing.assert_allclose(mab["Tn"], base["Tn"], rtol=1e-6)
    assert mab.final("Tp") < 0.1 * base.final("Tp")


def test_vaccine_raises_priming_only_where_its_antigen_is():
    prostate = build_scenario(cancer="prostate", therapies=["sipuleucel_t"])
    untreated = build_scenario(cancer="prostate")
    r_vac, r_none = prostate.simulate(60, output_every=1), untreated.simulate(60, output_every=1)
    # Sipuleucel-T adds primed effectors on top of the endogenous response at every time point,
    # most visibly early (day 1, before endogenous priming takes off); small by design (IMPACT: no
    # change in time to progression).
    assert np.all(r_vac["effector_cells"][1:] > r_none["effector_cells"][1:])
    assert r_vac.at("effector_cells", 1) > 1.2 * r_none.at("effector_cells", 1)
    melanoma = build_scenario(cancer="melanoma", therapies=["sipuleucel_t"])
    assert any("does not express PAP" in n for n in melanoma.notes)
    r_mel, r_mel0 = (
        melanoma.simulate(60, output_every=5),
        build_scenario(cancer="melanoma").simulate(60, output_every=5),
    )
    np.testing.assert_allclose(r_mel["effector_cells"], r_mel0["effector_cells"], rtol=1e-6)


def test_ctla4_blockade_depletes_tregs_and_raises_priming():
    ipi = build_scenario(cancer="melanoma", therapies=["ipilimumab"]).simulate(63, output_every=1)
    none = build_scenario(cancer="melanoma").simulate(63, output_every=1)
    assert ipi.at("treg_cells", 42) < 0.7 * none.at("treg_cells", 42)
    assert ipi.at("effector_cells", 42) > 1.2 * none.at("effector_cells", 42)


def test_il2_raises_effector_and_nk_proliferation_and_tregs():
    il2 = build_scenario(cancer="rcc", therapies=["aldesleukin"]).simulate(6, output_every=0.5)
    none = build_scenario(cancer="rcc").simulate(6, output_every=0.5)
    for name in ("effector_cells", "nk_cells"):
        assert il2.at(name, 5) > 1.2 * none.at(name, 5), name
    # Tregs expand too, a few-fold (Ahmadzadeh & Rosenberg 2006), far less than effectors at high dose
    treg_fold = il2.at("treg_cells", 5) / none.at("treg_cells", 5)
    assert 1.2 < treg_fold < 5
    assert treg_fold < il2.at("effector_cells", 5) / none.at("effector_cells", 5)


def _folds(therapies, day):
    treated = build_scenario(cancer="rcc", therapies=therapies).simulate(day, output_every=1)
    none = build_scenario(cancer="rcc").simulate(day, output_every=1)
    return tuple(treated.at(n, day) / none.at(n, day) for n in ("treg_cells", "effector_cells"))


def test_low_dose_il2_expands_tregs_and_high_dose_expands_effectors():
    # Tregs carry the high-affinity IL-2 receptor: daily low-dose IL-2 (1 MIU/m2, Koreth et al. 2016 Blood
    # 128:130) raises Tregs several-fold with no rise of CD8 T cells; high-dose IL-2 saturates both and
    # the effectors, which divide faster, expand far more.
    treg_low, eff_low = _folds(["aldesleukin:1MIU/m2-q24h-x84"], 84)
    assert treg_low > 3 and eff_low < 1.2
    treg_high, eff_high = _folds(["aldesleukin"], 5)
    assert eff_high > 10 * treg_high


def test_target_mediated_disposition_lowers_rituximab_exposure_with_burden(model):
    params = get_drug("rituximab").parameter_values() | {"immunogenicity": 0.0, "mab_adcc": 0.0, "mab_cdc": 0.0}
    dose = Regimen((Bolus("mab_c", 690.0 / 2.7, 0.0),))
    free = simulate(model, 28, params=params, initial={"Tp": 0.0, "Tn": 0.0}, regimen=dose, output_every=1)
    bulky = simulate(model, 28, params=params, initial={"Tp": 1e11, "Tn": 0.0}, regimen=dose, output_every=1)
    # CD20+ cells are an antigen sink: lower trough, same peak (Berinstein 1998)
    assert bulky["mab_c"][0] == pytest.approx(free["mab_c"][0])
    assert bulky.final("mab_c") < 0.8 * free.final("mab_c")
