"""de Pillis et al. 2008 (J Biol Syst 16:51): equilibria, untreated outcomes, chemotherapy.

The paper's Appendix A equilibria are reproduced at the defaults (a = 0.2/day, see the
module's Decisions; APPENDIX_A_OVERRIDES names the same value); the table's printed
a = 2e-3 (TABLE_1_OVERRIDES) has no positive tumour equilibrium, which is tested too.
Runs use ``extinction=False`` where two cell populations could die out within one output
interval, and call a tumour cleared once it is below one cell.
"""

import math

import numpy as np
import pytest
from scipy.integrate import solve_ivp
from scipy.optimize import brentq

import iosim
from iosim.analysis.equilibria import find_equilibria
from iosim.dosing import infusion
from iosim.model.compiled import compile_model
from iosim.models import get_model
from iosim.models.depillis2008 import (
    APPENDIX_A_OVERRIDES,
    DEPOSIT_OVERRIDES,
    SMALL_TUMOUR_INITIAL,
    TABLE_1_OVERRIDES,
)

STATES = ("T", "L", "N", "C", "I", "M")


@pytest.fixture(scope="module")
def model():
    return get_model("depillis2008")


def _params(model, overrides=None):
    return dict(zip(model.parameter_names, model.parameter_values(overrides or {})))


def _rhs(t, y, q):
    """Eqs (1)-(6) of the paper typed by hand (independent of iosim's expression tree)."""
    T, L, N, C, I, M = y
    D = q["d"] * (L / T) ** q["l"] / (q["s"] + (L / T) ** q["l"]) if T > 0 and L > 0 else 0.0
    return [
        q["a"] * T * (1 - q["b"] * T) - q["c1"] * N * T - D * T - q["K_T"] * M * T,
        -q["m"] * L
        - q["q"] * L * T
        - q["u"] * L * L
        + q["r2"] * C * T
        + q["p_I"] * L * I / (q["g_I"] + I)
        + q["V_L"]
        - q["K_L"] * M * L,
        q["alpha_1"]
        - q["f"] * N
        + q["g"] * T ** q["eta"] / (q["h"] + T ** q["eta"]) * N
        - q["p"] * N * T
        - q["K_N"] * M * N,
        q["alpha_2"] - q["beta"] * C - q["K_C"] * M * C,
        q["p_T"] * T / (q["g_T"] + T) * L + q["w"] * L * I - q["mu_I"] * I + q["V_I"],
        -q["gamma"] * M + q["V_M"],
    ]


def _reduced(T, q):
    """Appendix A: for T > 0 every other state follows from T; returns (N, L, I, dL/dt)."""
    N = q["alpha_1"] / (q["f"] - q["g"] * T ** q["eta"] / (q["h"] + T ** q["eta"]) + q["p"] * T)
    D = q["a"] * (1 - q["b"] * T) - q["c1"] * N
    with np.errstate(invalid="ignore", divide="ignore"):
        L = T * (q["s"] * D / (q["d"] - D)) ** (1 / q["l"])
        I = q["p_T"] * T * L / ((q["g_T"] + T) * (q["mu_I"] - q["w"] * L))
        C = q["alpha_2"] / q["beta"]
        dL = -q["m"] * L - q["q"] * L * T - q["u"] * L * L + q["r2"] * C * T + q["p_I"] * L * I / (q["g_I"] + I)
    valid = (D > 0) & (D < q["d"]) & (q["w"] * L < q["mu_I"])
    return N, L, I, np.where(valid, dL, np.nan)


def _tumour_equilibria(q, n=200_000):
    Ts = np.logspace(0, math.log10(1 / q["b"]) - 1e-9, n)
    r = _reduced(Ts, q)[3]
    ok = np.isfinite(r[:-1]) & np.isfinite(r[1:]) & (np.sign(r[:-1]) != np.sign(r[1:]))
    roots = []
    for i in np.flatnonzero(ok):
        T = brentq(lambda x: float(_reduced(np.array(x), q)[3]), Ts[i], Ts[i + 1], rtol=1e-14)
        N, L, I, _ = _reduced(np.array(T), q)
        roots.append(np.array([T, float(L), float(N), q["alpha_2"] / q["beta"], float(I), 0.0]))
    return roots


def test_defaults_are_the_papers_table_and_detectable_state(model):
    q = _params(model)
    assert q["l"] == pytest.approx(2 / 3, rel=1e-15)  # Table 1 and Appendix A (the deposit has 2)
    # a: Appendix A's equilibria need 0.2/day; Table 1 prints 2.00e-3 (a misprint, see the module)
    assert q["a"] == 0.2 == APPENDIX_A_OVERRIDES["a"] and TABLE_1_OVERRIDES == {"a": 2.0e-3}
    assert q["d"] == 5.0 and q["s"] == 0.3 and q["u"] == 3.0
    assert q["V_L"] == q["V_I"] == q["V_M"] == 0.0
    y0 = dict(zip(model.state_names, model.initial_values()))
    assert y0 == {"T": 1e7, "L": 2e3, "N": 5e5, "C": 4.17e10, "I": 2e3, "M": 0.0}
    assert DEPOSIT_OVERRIDES == {"l": 2.0, "a": 2.0e-3}


def test_appendix_a_three_equilibria_and_their_stability(model):
    """Appendix A: zero, small (semi-stable, i.e. a saddle) and large (stable) tumour equilibria."""
    q = _params(model, APPENDIX_A_OVERRIDES)
    small, large = _tumour_equilibria(q)
    # Paper values; XPP's Newton tolerance was 0.01, so the small point is located only to a few %.
    for got, paper, tol in zip(small[:5], (5.695e5, 487.13, 1.777e5, 4.17e10, 25.11), (0.05, 0.03, 0.04, 0.001, 0.03)):
        assert got == pytest.approx(paper, rel=tol)
    for got, paper in zip(large[:5], (9.20e8, 19577, 141.3, 4.17e10, 1930)):
        assert got == pytest.approx(paper, rel=0.005)

    jac = compile_model(model).jacobian
    p = model.parameter_values(APPENDIX_A_OVERRIDES)
    ev_small = np.sort(np.linalg.eigvals(jac(0.0, small, p)).real)
    ev_large = np.sort(np.linalg.eigvals(jac(0.0, large, p)).real)
    # Small tumour: exactly one unstable direction, 0.069246 in the paper.
    assert np.sum(ev_small > 0) == 1
    assert ev_small[-1] == pytest.approx(0.069246, rel=0.01)
    for paper in (-2924.209828, -0.096113, -0.9, -0.012):
        assert np.min(np.abs(ev_small - paper) / abs(paper)) < 0.03
    # Large tumour: all eigenvalues negative (stable node); the paper lists five of the six.
    assert np.all(ev_large < 0)
    for paper in (-117518.189526, -0.183657, -91.994417, -0.9, -0.012):
        assert np.min(np.abs(ev_large - paper) / abs(paper)) < 0.01


def test_small_tumour_equilibrium_is_the_escape_threshold(model):
    """The saddle separates rejection from growth to the large equilibrium."""
    q = _params(model, APPENDIX_A_OVERRIDES)
    small, large = _tumour_equilibria(q)
    outcomes = []
    for factor in (0.8, 1.25):
        y0 = dict(zip(STATES, small))
        y0["T"] *= factor
        r = iosim.simulate(model, 300, params=APPENDIX_A_OVERRIDES, initial=y0, times=[300.0], extinction=False)
        outcomes.append(r.final("T"))
    assert outcomes[0] < 1.0  # below the threshold: rejected (less than one cell)
    assert outcomes[1] == pytest.approx(large[0], rel=0.01)  # above: escapes to the large equilibrium


def test_equilibrium_finder_at_the_defaults_finds_the_papers_three_equilibria(model):
    """What `iosim equilibria depillis2008` prints: tumour-free, small saddle, large stable node."""
    found = find_equilibria(model, scales={"T": 1e6, "L": 1e3, "I": 1e2}, n_starts=60)
    tumour = sorted((e for e in found if e["T"] > 1.0), key=lambda e: e["T"])
    assert len(tumour) == 2
    small, large = tumour
    assert small["T"] == pytest.approx(5.695e5, rel=0.05) and small.kind == "saddle"
    assert np.sum(small.eigenvalues.real > 0) == 1
    assert large["T"] == pytest.approx(9.20e8, rel=0.005) and large.kind == "stable node"
    assert any(e["T"] == 0.0 for e in found)  # the tumour-free state


def test_table_growth_rate_has_no_positive_tumour_equilibrium(model):
    """With Table 1's printed a = 2e-3 the reduced equation has no root: only the tumour-free state."""
    assert _tumour_equilibria(_params(model, TABLE_1_OVERRIDES)) == []
    assert not [e for e in find_equilibria(model, params=TABLE_1_OVERRIDES, n_starts=60) if e["T"] > 1.0]
    # ... and the deposit's exponent l = 2 alone does not restore the paper's small equilibrium.
    roots = _tumour_equilibria(_params(model, DEPOSIT_OVERRIDES))
    assert all(abs(r[0] - 5.695e5) / 5.695e5 > 1.0 for r in roots)


def test_small_tumour_is_drawn_to_zero(model):
    """Section 6: the 'small' initial conditions go to the tumour-free equilibrium."""
    for overrides in (TABLE_1_OVERRIDES, {}):
        r = iosim.simulate(
            model, 60, params=overrides, initial=SMALL_TUMOUR_INITIAL, times=[30.0, 60.0], extinction=False
        )
        assert r.status == "ok"
        # Far below one cell from day 30 on (the residue is solver noise at the atol level).
        assert abs(r.at("T", 30.0)) < 1e-3 and abs(r.final("T")) < 1e-3


def test_detectable_tumour_grows_to_carrying_capacity_untreated(model):
    """Section 6: untreated detectable tumours grow to the large equilibrium (the defaults)."""
    r = iosim.simulate(model, 200, times=[200.0], extinction=False)
    assert r.final("T") == pytest.approx(9.175e8, rel=0.01)


def test_chemotherapy_course_clears_a_5e7_tumour(model):
    """Paper's parameters (Appendix A set): a 5e7 tumour escapes untreated; one 5-day course
    at the maximal normalised dose V_M = 1 only delays it, two back-to-back courses (Fig. 5's
    ten days) clear it. Deposit's parameters: one 5-day course suffices."""
    start = {"T": 5e7}

    def final_T(overrides, days):
        reg = infusion("M", duration=days, rate=1.0) if days else None
        r = iosim.simulate(model, 150, params=overrides, initial=start, regimen=reg, times=[150.0], extinction=False)
        assert r.status == "ok"
        return r.final("T")

    assert final_T(APPENDIX_A_OVERRIDES, 0) > 5e8
    assert final_T(APPENDIX_A_OVERRIDES, 5) > 5e8
    assert final_T(APPENDIX_A_OVERRIDES, 10) < 1.0
    assert final_T(DEPOSIT_OVERRIDES, 0) > 5e7
    assert final_T(DEPOSIT_OVERRIDES, 5) < 1.0


@pytest.mark.parametrize(
    ("overrides", "chemo_days"),
    [(TABLE_1_OVERRIDES, 0), ({}, 5)],
)
def test_trajectory_matches_independent_solve_ivp(model, overrides, chemo_days):
    """iosim vs the hand-typed equations with scipy (rtol 1e-10); 1e-6 relative agreement."""
    q = _params(model, overrides)
    y0 = model.initial_values()
    t_end = 40.0
    times = np.linspace(0, t_end, 41)
    reg = infusion("M", duration=chemo_days, rate=1.0) if chemo_days else None
    r = iosim.simulate(
        model, t_end, params=overrides, regimen=reg, times=times, extinction=False, rtol=1e-10, atol=1e-10
    )
    ref = np.empty((times.size, 6))
    y, t0 = list(y0), 0.0
    for t1, vm in ((chemo_days, 1.0), (t_end, 0.0)) if chemo_days else ((t_end, 0.0),):
        qq = dict(q, V_M=vm)
        seg = times[(times >= t0) & (times <= t1)]
        sol = solve_ivp(_rhs, (t0, t1), y, args=(qq,), method="LSODA", rtol=1e-10, atol=1e-10, t_eval=seg)
        ref[(times >= t0) & (times <= t1)] = sol.y.T
        sol_end = solve_ivp(_rhs, (t0, t1), y, args=(qq,), method="LSODA", rtol=1e-10, atol=1e-10)
        y, t0 = sol_end.y[:, -1], t1
    scale = np.maximum(np.abs(ref), 1e-3)
    assert np.max(np.abs(r.y - ref) / scale) < 1e-6
