"""CARTmath (Barros et al. 2021, BIOMD0000001019): HDLM-2 tumour, CAR-T dose, memory and re-challenge."""

import math

import numpy as np
import pytest
from scipy.integrate import solve_ivp

import iosim
from iosim.dosing import bolus, set_state

# The authors' HDLM-2 example: 2e6 tumour cells at day 0, 2e6 CAR-T cells at day 42,
# re-challenge with 1e6 tumour cells at day 250 (CARTmath application; BIOMD0000001019 events).
DOSE_DAY, DOSE, CHALLENGE_DAY, CHALLENGE = 42.0, 2.0e6, 250.0, 1.0e6

# HDLM-2 values as deposited in BIOMD0000001019 (deposit names pi, rho, beta are the paper's rho, r, b).
PUBLISHED = {
    "phi": 0.265,
    "rho": 0.35,
    "epsilon": 0.15,
    "theta": 6e-6,
    "alpha": 4.5e-8,
    "mu": 0.005,
    "r": 0.05650026,
    "b": 1.404029e-12,
    "gamma": 3.715843e-6,
}


@pytest.fixture(scope="module")
def model():
    return iosim.get_model("cartmath2021")


def test_defaults_are_the_published_hdlm2_set(model):
    assert {p.name: p.value for p in model.parameters} == PUBLISHED
    assert dict(zip(model.state_names, model.initial_values())) == {"CT": 0.0, "CM": 0.0, "T": 2.0e6}


def test_untreated_tumour_is_logistic(model):
    # With no CAR-T cells dT/dt = r T (1 - b T): compare with the closed form. rtol 1e-10 in
    # the solver, so 1e-7 relative is a comfortable bound.
    res = iosim.simulate(model, 200, output_every=10, rtol=1e-10, atol=1e-6)
    r, K, T0 = PUBLISHED["r"], 1 / PUBLISHED["b"], 2.0e6
    exact = K * T0 / (T0 + (K - T0) * np.exp(-r * res.t))
    np.testing.assert_allclose(res["T"], exact, rtol=1e-7)
    assert np.all(res["CT"] == 0) and np.all(res["CM"] == 0)


def _treated(model, **kw):
    regimen = bolus("CT", DOSE, at=DOSE_DAY) + bolus("T", CHALLENGE, at=CHALLENGE_DAY)
    return iosim.simulate(model, 400, regimen=regimen, output_every=0.5, **kw).raise_for_status()


def test_car_t_dose_eliminates_the_tumour_and_leaves_memory(model):
    res = _treated(model)
    # The tumour (about 2.1e7 cells at day 42) is cleared within days of the dose: the kill
    # rate gamma*CT = 7.4/day dwarfs r = 0.057/day.
    assert 2.0e7 < res.at("T", DOSE_DAY - 0.5) < 2.2e7
    first_T_extinction = min(t for s, t in res.extinctions if s == "T")
    assert DOSE_DAY < first_T_extinction < DOSE_DAY + 7
    window = (res.t > DOSE_DAY + 7) & (res.t < CHALLENGE_DAY)
    assert np.all(res["T"][window] == 0.0)
    # Effectors contract (phi < rho) and die out; memory cells persist long after.
    assert res.at("CT", CHALLENGE_DAY - 1) == 0.0
    assert res.at("CM", CHALLENGE_DAY - 1) > 1.0e6


def test_memory_rejects_the_rechallenge(model):
    res = _treated(model)
    after = res.t >= CHALLENGE_DAY
    # Memory cells turn effector on meeting the tumour (theta*T = 6/day per memory cell at
    # T = 1e6) and clear the re-challenge within days; it never grows past its inoculum.
    assert res["T"][after].max() <= CHALLENGE * (1 + 1e-9)
    assert any(s == "T" and CHALLENGE_DAY < t < CHALLENGE_DAY + 10 for s, t in res.extinctions)
    assert res.final("T") == 0.0
    assert res["CT"][after].max() > 5.0e5  # the recall expansion of effectors


def test_without_memory_the_rechallenge_grows(model):
    # Same schedule but the memory pool removed just before the re-challenge: nothing is left
    # to respond, so the tumour regrows logistically (about e^{0.0565*150} ~ 5e3-fold by day 400).
    regimen = (
        bolus("CT", DOSE, at=DOSE_DAY)
        + set_state("CM", 0.0, at=CHALLENGE_DAY - 1)
        + bolus("T", CHALLENGE, at=CHALLENGE_DAY)
    )
    res = iosim.simulate(model, 400, regimen=regimen, output_every=1.0).raise_for_status()
    assert res.at("T", 300) > 10 * CHALLENGE
    assert res.final("T") > 1.0e9


def _hand_rhs(t, y, p):
    CT, CM, T = y
    return [
        p["phi"] * CT - p["rho"] * CT + p["theta"] * T * CM - p["alpha"] * T * CT,
        p["epsilon"] * CT - p["theta"] * T * CM - p["mu"] * CM,
        p["r"] * T * (1 - p["b"] * T) - p["gamma"] * CT * T,
    ]


def test_trajectory_matches_independent_scipy_integration(model):
    # The paper's equations typed by hand, integrated in two pieces around the dose.
    times = np.arange(0.0, 81.0, 1.0)
    first = solve_ivp(
        _hand_rhs,
        (0, DOSE_DAY),
        [0.0, 0.0, 2.0e6],
        args=(PUBLISHED,),
        method="LSODA",
        rtol=1e-10,
        atol=1e-6,
        t_eval=times[times < DOSE_DAY],
        dense_output=True,
    )
    y42 = first.sol(DOSE_DAY) + np.array([DOSE, 0.0, 0.0])
    second = solve_ivp(
        _hand_rhs,
        (DOSE_DAY, 80.0),
        y42,
        args=(PUBLISHED,),
        method="LSODA",
        rtol=1e-10,
        atol=1e-6,
        t_eval=times[times >= DOSE_DAY],
    )
    ref = np.hstack([first.y, second.y]).T
    res = iosim.simulate(model, 80, regimen=bolus("CT", DOSE, at=DOSE_DAY), rtol=1e-10, atol=1e-6, extinction=False)
    assert np.array_equal(res.t, times)
    # 1e-6 relative where a population is well above the absolute tolerance; the tumour's
    # collapse to ~1e-30 cells is compared only in absolute terms (atol-level).
    big = np.abs(ref) > 1.0
    np.testing.assert_allclose(res.y[big], ref[big], rtol=1e-6)
    assert np.all(np.abs(res.y[~big] - ref[~big]) < 1e-3)
    assert math.isclose(res.at("T", 41), ref[41, 2], rel_tol=1e-6)
    # Without the extinction rule the tumour still drops below the authors' own detection
    # threshold (their code zeroes populations under 1e-6 cells) within two weeks of the dose.
    assert res.at("T", DOSE_DAY + 14) < 1e-6 and ref[int(DOSE_DAY) + 14, 2] < 1e-6
