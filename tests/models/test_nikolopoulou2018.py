"""Nikolopoulou et al. 2018 (Lett Biomath 5:S137): PD-1/PD-L1 brake and anti-PD-1.

States are densities (g/cm³); a tumour counts as eliminated when C < 1e-9 g/cm³, about
one 1-ng cell per cm³ (the model has no extinction rule, so C only decays towards 0).
"""

import numpy as np
import pytest
from scipy.integrate import solve_ivp
from scipy.optimize import brentq

import iosim
from iosim.model.compiled import compile_model
from iosim.models import get_model
from iosim.models.nikolopoulou2018 import CONTINUOUS_DOSE

ELIMINATED = 1e-9  # g/cm^3


@pytest.fixture(scope="module")
def model():
    return get_model("nikolopoulou2018")


def _params(model, overrides=None):
    return dict(zip(model.parameter_names, model.parameter_values(overrides or {})))


def _rhs(t, y, q):
    """The equations typed by hand (deposit MODEL1908270001 with gamma_A as the drug input)."""
    C, T, A = y
    P = max(q["rho_P"] - q["gamma"] * A, 0.0) * T
    Q = q["sigma"] * q["rho_L"] * P * (T + q["epsilon_C"] * C)
    F = 1.0 / (1.0 + Q / q["K_TQ"])
    il12 = q["lambda_TI_12"] * q["T_N"] * q["I_12"] / (q["K_I_12"] + q["I_12"])
    il2 = q["lambda_TI_2"] * T * q["I_2"] / (q["K_I_2"] + q["I_2"])
    return [
        q["lambda_C"] * C * (1 - C / q["C_K"]) - q["eta"] * T * C,
        F * (il12 + il2) - q["d_T"] * T,
        q["gamma_A"] - q["mu_PA"] * P * A - q["d_A"] * A,
    ]


def _untreated_equilibria(q):
    """Drug-free equilibria: the tumour-free one (C = 0) and the tumorous ones, where the
    C-nullcline T = lambda_C (1 - C/C_K)/eta meets the T-nullcline."""
    k = q["sigma"] * q["rho_L"] * q["rho_P"] / q["K_TQ"]
    il12 = q["lambda_TI_12"] * q["T_N"] * q["I_12"] / (q["K_I_12"] + q["I_12"])
    il2 = q["lambda_TI_2"] * q["I_2"] / (q["K_I_2"] + q["I_2"])

    def t_rate(C, T):
        return (il12 + il2 * T) / (1 + k * T * (T + q["epsilon_C"] * C)) - q["d_T"] * T

    T0 = brentq(lambda T: t_rate(0.0, T), 1e-12, 10.0, xtol=1e-16)
    free = np.array([0.0, T0, 0.0])

    def on_c_nullcline(C):
        return t_rate(C, q["lambda_C"] * (1 - C / q["C_K"]) / q["eta"])

    Cs = np.linspace(1e-9, q["C_K"], 20001)
    r = np.array([on_c_nullcline(c) for c in Cs])
    tumorous = []
    for i in np.flatnonzero(np.sign(r[:-1]) != np.sign(r[1:])):
        C = brentq(on_c_nullcline, Cs[i], Cs[i + 1], xtol=1e-16)
        tumorous.append(np.array([C, q["lambda_C"] * (1 - C / q["C_K"]) / q["eta"], 0.0]))
    return free, tumorous


def _eigenvalues(model, y, overrides=None):
    jac = compile_model(model).jacobian(0.0, y, model.parameter_values(overrides or {}))
    return np.sort(np.linalg.eigvals(jac).real)


def test_untreated_equilibria_are_bistable(model):
    """Without drug: a stable tumour-free state, a saddle and a stable tumorous state (at most
    two tumorous equilibria, as analysed for this model by Shi, Huang & Kuang 2021)."""
    free, tumorous = _untreated_equilibria(_params(model))
    assert free[1] == pytest.approx(0.1006, rel=1e-3)
    assert np.all(_eigenvalues(model, free) < 0)
    assert len(tumorous) == 2
    saddle, stable = tumorous
    assert saddle[0] == pytest.approx(0.07213, rel=1e-3) and stable[0] == pytest.approx(0.64147, rel=1e-4)
    assert np.sum(_eigenvalues(model, saddle) > 0) == 1
    assert np.all(_eigenvalues(model, stable) < 0)


def test_untreated_tumour_persists(model):
    """From the deposit's initial state the tumour settles on the stable tumorous equilibrium."""
    _, (_, stable) = _untreated_equilibria(_params(model))
    r = iosim.simulate(model, 400, times=[400.0])
    assert r.status == "ok"
    assert r.final("C") == pytest.approx(stable[0], rel=1e-5)
    assert r.final("T") == pytest.approx(stable[1], rel=1e-5)
    assert r.final("A") == 0.0  # no drug: the corrected equation keeps A at 0, like the deposit


def test_small_tumour_is_cleared_by_the_immune_system(model):
    """Below the saddle a small tumour is eliminated without drug (immune surveillance)."""
    r = iosim.simulate(model, 300, initial={"C": 0.01}, times=[300.0])
    assert abs(r.final("C")) < ELIMINATED
    r = iosim.simulate(model, 300, initial={"C": 0.1}, times=[300.0])
    assert r.final("C") > 0.6


def test_low_pdl1_lets_the_immune_system_clear_the_tumour(model):
    """Low PD-L1 expression (rho_L at 40% of the deposit value) removes both tumorous
    equilibria (a saddle-node), so the tumour is cleared without any drug; at 50% it persists."""
    rho_L = model.parameter("rho_L").value
    low, lower = {"rho_L": 0.5 * rho_L}, {"rho_L": 0.4 * rho_L}
    assert len(_untreated_equilibria(_params(model, low))[1]) == 2
    assert _untreated_equilibria(_params(model, lower))[1] == []
    assert iosim.simulate(model, 300, params=low, times=[300.0]).final("C") > 0.4
    assert abs(iosim.simulate(model, 300, params=lower, times=[300.0]).final("C")) < ELIMINATED


def test_enough_anti_pd1_eliminates_the_tumour(model):
    """Continuous anti-PD-1: the deposit's dose and 2e-8 g/(cm^3 day) leave the tumour in place
    (the paper: anti-PD-1 alone may not suffice), 3e-8 eliminates it."""
    finals = {
        dose: iosim.simulate(model, 300, params={"gamma_A": dose}, times=[300.0]).final("C")
        for dose in (CONTINUOUS_DOSE, 2e-8, 3e-8)
    }
    untreated = iosim.simulate(model, 300, times=[300.0]).final("C")
    assert untreated > finals[CONTINUOUS_DOSE] > 0.6  # a small benefit only
    assert finals[2e-8] > 0.4
    assert abs(finals[3e-8]) < ELIMINATED


def test_antibody_reaches_its_binding_limited_steady_state(model):
    """dA/dt = gamma_A - mu_PA P A - d_A A: with the tumour settled, A = gamma_A/(d_A + mu_PA P)."""
    q = _params(model, {"gamma_A": CONTINUOUS_DOSE})
    r = iosim.simulate(model, 400, params={"gamma_A": CONTINUOUS_DOSE}, times=[400.0], rtol=1e-10, atol=1e-20)
    A, T = r.final("A"), r.final("T")
    P = (q["rho_P"] - q["gamma"] * A) * T
    assert A == pytest.approx(CONTINUOUS_DOSE / (q["d_A"] + q["mu_PA"] * P), rel=1e-6)


@pytest.mark.parametrize("overrides", [{}, {"gamma_A": 3e-8}])
def test_trajectory_matches_independent_solve_ivp(model, overrides):
    """iosim vs the hand-typed equations with scipy (rtol 1e-10); 1e-6 relative agreement."""
    q = _params(model, overrides)
    times = np.linspace(0.0, 40.0, 81)
    r = iosim.simulate(model, 40.0, params=overrides, times=times, rtol=1e-10, atol=1e-16)
    sol = solve_ivp(
        _rhs, (0.0, 40.0), model.initial_values(), args=(q,), method="LSODA", rtol=1e-10, atol=1e-16, t_eval=times
    )
    floor = np.array([1e-6, 1e-6, 1e-13])  # C and T in g/cm^3 (~1e-6 of their scale), A near its dose level
    assert np.max(np.abs(r.y - sol.y.T) / np.maximum(np.abs(sol.y.T), floor)) < 1e-6
