"""Hoffman et al. 2018 (BIOMD0000000802): nondimensional ADCC assay model, two timescales."""

import numpy as np
import pytest
from scipy.integrate import solve_ivp

import iosim

# BIOMD0000000802 values (nondimensional); n = 0 gives y = a1**n = 1.
DEPOSIT = {"a1": 0.001, "a2": 1.44, "v1": 120.0, "u": 20.0, "v2": 14.4, "fk": 1.0, "rk": 0.5, "n": 0.0}
Y0 = [1.0, 0.0, 0.0, 1.0]  # A, R, C, S


@pytest.fixture(scope="module")
def model():
    return iosim.get_model("hoffman2018")


def complexes_qss(S, p=DEPOSIT):
    """Fast-timescale complex level: smaller root of v1 (u - C)(S - C) = v2 C."""
    v1, u, v2 = p["v1"], p["u"], p["v2"]
    bq = v1 * (u + S) + v2
    return (bq - np.sqrt(bq * bq - 4 * v1 * v1 * u * S)) / (2 * v1)


def test_defaults_are_the_deposit(model):
    assert {p.name: p.value for p in model.parameters} == DEPOSIT
    assert list(model.initial_values()) == Y0


def test_fast_timescale_complexes_and_binding(model):
    res = iosim.simulate(model, 10, times=[0.05, 1.0, 10.0], rtol=1e-10, atol=1e-12)
    # Complexes form on a timescale 1/(v1 u) ~ 4e-4: by t = 0.05 almost every cancer cell
    # (C* = 0.9937) is bound to an NK cell, while barely any has been killed yet.
    assert res["C"][0] == pytest.approx(complexes_qss(res["S"][0]), rel=1e-4)
    assert res["S"][0] > 0.9999
    # Antibody binding relaxes at rate ~a2 = 1.44: by t = 10, R sits at its quasi-equilibrium
    # a1 A / (a1 A + a2 y) with y = 1, while R(1) is still visibly below it.
    a1, a2 = DEPOSIT["a1"], DEPOSIT["a2"]
    r_star = a1 * res["A"] / (a1 * res["A"] + a2)
    assert res["R"][2] == pytest.approx(r_star[2], rel=1e-6)
    assert res["R"][1] < 0.8 * r_star[1]


def test_slow_timescale_killing_follows_the_reduced_model(model):
    # On the slow timescale C = C*(S), R = R*, so dS/dt = -f(R*) C*(S): the asymptotic
    # solution the paper builds. It lags the full model only by the initial binding transient
    # (R needs t ~ 1 to reach R*), which costs well under 1% up to t = 2000.
    a1, a2, fk, rk = DEPOSIT["a1"], DEPOSIT["a2"], DEPOSIT["fk"], DEPOSIT["rk"]
    r_star = a1 / (a1 + a2)
    f_star = fk * r_star / (r_star + rk)
    times = np.array([100.0, 500.0, 1000.0, 2000.0])
    red = solve_ivp(lambda t, s: -f_star * complexes_qss(s), (0, 2000), [1.0], rtol=1e-10, atol=1e-12, t_eval=times)
    res = iosim.simulate(model, 2000, times=times).raise_for_status()
    np.testing.assert_allclose(res["S"], red.y[0], rtol=1e-2)
    assert res.at("lysis", 2000) > 0.9  # most cancer cells lysed eventually
    np.testing.assert_allclose(res["C"], complexes_qss(res["S"]), rtol=1e-4)


def test_killing_needs_antibody_and_grows_with_dose_and_effectors(model):
    # No antibody, no ADCC: R stays 0, so f(R) = 0 and no cancer cell dies.
    none = iosim.simulate(model, 100, initial={"A": 0.0})
    assert none.final("S") == 1.0 and none.final("lysis") == 0.0
    # More antibody per antigen site (smaller y = a1**n) means more lysis at a fixed time;
    # so does a higher NK:cancer ratio u.
    lysis = [iosim.simulate(model, 100, params={"n": n}).final("lysis") for n in (-1.0, 0.0, 1.0)]
    assert lysis[0] < lysis[1] < lysis[2]
    assert lysis[2] > 0.99 and lysis[0] < 1e-3
    by_u = [iosim.simulate(model, 100, params={"u": u}).final("lysis") for u in (5.0, 20.0, 50.0)]
    assert by_u[0] < by_u[1] < by_u[2]


def test_antibody_is_conserved_without_killing(model):
    # With fk = 0 antibody only moves between free (A) and bound (y R S): A + y R S = 1.
    res = iosim.simulate(model, 100, params={"fk": 0.0}, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(res["A"] + res["R"] * res["S"], 1.0, rtol=1e-8)
    # With killing, antibody on lysed cells is lost: the total decreases.
    kill = iosim.simulate(model, 1000, output_every=100)
    total = kill["A"] + kill["R"] * kill["S"]
    assert np.all(np.diff(total) < 0)


def _hand_rhs(t, z, p):
    A, R, C, S = z
    y = p["a1"] ** p["n"]
    f = p["fk"] * R / (R + p["rk"])
    return [
        -p["a1"] * (1 - R) * A * S + p["a2"] * y * R * S,
        (p["a1"] / y) * (1 - R) * A - p["a2"] * R,
        p["v1"] * (p["u"] - C) * (S - C) - p["v2"] * C - f * C,
        -f * C,
    ]


@pytest.mark.parametrize("n", [0.0, 1.0])
def test_trajectory_matches_independent_scipy_integration(model, n):
    times = np.concatenate([[0.0, 0.01, 0.1], np.arange(1.0, 201.0, 10.0)])
    p = dict(DEPOSIT, n=n)
    ref = solve_ivp(_hand_rhs, (0, 200), Y0, args=(p,), method="LSODA", rtol=1e-10, atol=1e-14, t_eval=times)
    res = iosim.simulate(model, 200, params={"n": n}, times=times, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(res.y, ref.y.T, rtol=1e-6, atol=1e-12)
