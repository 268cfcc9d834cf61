"""Kirschner & Panetta 1998: the adoptive-transfer threshold, IL-2 alone, oscillations, relapse."""

import numpy as np
import pytest
from scipy.integrate import solve_ivp
from scipy.optimize import brentq

import iosim
from iosim.analysis import find_equilibria, jacobian_at

# Paper's Table 1 (and BIOMD0000000732): the values the thresholds are built from.
MU2, P1, G1, R2, G2, MU3 = 0.03, 0.1245, 2e7, 0.18, 1e5, 10.0
SCALES = {"E": 1e4, "T": 1e4, "IL": 1e4}  # typical magnitudes, for the equilibrium search


def _equilibria(model, params):
    return find_equilibria(model, params=params, scales=SCALES, n_starts=24)


@pytest.fixture(scope="module")
def model():
    return iosim.get_model("kirschner_panetta1998")


def _s1_threshold(a):
    return R2 * MU2 * G2 / a  # paper: tumour-free state stable iff s1 > r2*mu2*g2/a


def _tumour_free(model, params):
    eqs = _equilibria(model, params)
    return [e for e in eqs if e["T"] == 0 and e["E"] > 0]


@pytest.mark.parametrize("a", [1.0, 0.5])
def test_tumour_free_state_is_stable_iff_s1_exceeds_r2_mu2_g2_over_a(model, a):
    threshold = _s1_threshold(a)  # 540 cells/day for a = 1
    for factor, stable in [(0.98, False), (1.02, True)]:
        s1 = factor * threshold
        (eq,) = _tumour_free(model, {"s1": s1, "a": a})
        assert eq["E"] == pytest.approx(s1 / MU2, rel=1e-9)
        assert eq.stable is stable
        # The tumour direction carries the eigenvalue r2 - a*s1/(mu2*g2) (the others are -mu2, -mu3).
        assert max(eq.eigenvalues.real) == pytest.approx(max(R2 - a * s1 / (MU2 * G2), -MU2), rel=1e-6)
    # Below the threshold the tumour persists at a small stable equilibrium instead.
    eqs = _equilibria(model, {"s1": 0.98 * threshold, "a": a})
    persistent = [e for e in eqs if e["T"] > 0]
    assert len(persistent) == 1 and persistent[0].stable


def test_adoptive_transfer_above_threshold_clears_a_growing_tumour(model):
    # Untreated, the default tumour settles near 1.8e4 cells; s1 = 600 > 540 removes it, s1 = 500 does not.
    cleared = iosim.simulate(model, 1000, params={"s1": 600.0}, initial={"T": 1e5}, output_every=10)
    assert [s for s, _ in cleared.extinctions] == ["T"]
    assert abs(cleared.final("T")) < 1e-6
    kept = iosim.simulate(model, 2000, params={"s1": 500.0}, initial={"T": 1e3}, output_every=10)
    # Persistent small tumour of the stable equilibrium (T about 1.33e3 cells for s1 = 500).
    assert kept.final("T") == pytest.approx(1.33e3, rel=0.02)


def test_il2_alone_drives_effectors_unbounded_above_its_threshold(model):
    # At the tumour-free IL-2 level s2/mu3, effectors grow iff p1*IL/(g1+IL) > mu2,
    # i.e. s2 > mu2*mu3*g1/(p1 - mu2) = 6.35e7.
    s2_star = MU2 * MU3 * G1 / (P1 - MU2)
    assert s2_star == pytest.approx(6.349e7, rel=1e-3)
    for s2, grows in [(0.8 * s2_star, False), (1.6 * s2_star, True)]:
        r = iosim.simulate(model, 400, params={"s2": s2}, initial={"E": 1e4, "T": 1e5}, output_every=10)
        il = s2 / MU3
        rate = P1 * il / (G1 + il) - MU2
        measured = np.log(r.at("E", 400) / r.at("E", 300)) / 100
        # Once the tumour is gone, E relaxes at exactly this exponential rate (2% allows for the
        # IL-2 transient, which has decayed long before day 300 at mu3 = 10/day).
        assert measured == pytest.approx(rate, rel=0.02)
        assert (r.at("E", 400) > r.at("E", 300)) is grows
        assert abs(r.final("T")) < 1e-6  # cleared either way in this window...
    # ...but below the threshold the effectors wane and the tumour returns (pure ODE, as in the paper).
    relapse = iosim.simulate(
        model, 1200, params={"s2": 0.8 * s2_star}, initial={"E": 1e4, "T": 1e5}, output_every=10, extinction=False
    )
    trough = int(np.argmin(relapse["T"]))
    assert relapse["T"][trough] < 1e-6 and relapse["T"][trough:].max() > 1e4


def _oscillatory_pair(model, c):
    """The complex eigenvalue pair at the interior (tumour-present) equilibrium."""
    (eq,) = [e for e in _equilibria(model, {"c": c}) if e["T"] > 0]
    ev = eq.eigenvalues
    pair = ev[np.abs(ev.imag) > 0]
    assert pair.size == 2
    return pair[0]


def test_hopf_bifurcation_gives_limit_cycles_for_c_up_to_about_0_03(model):
    # Unstable focus (limit cycle around it) for c in [0.02, 0.03], stable at the deposit's c = 0.035.
    for c in (0.02, 0.025, 0.03):
        assert _oscillatory_pair(model, c).real > 0
    for c in (0.035, 0.04):
        assert _oscillatory_pair(model, c).real < 0
    c_hopf = brentq(lambda c: _oscillatory_pair(model, c).real, 0.03, 0.035, xtol=1e-6)
    assert 0.031 < c_hopf < 0.034


def test_oscillations_are_sustained_at_c_0_025(model):
    r = iosim.simulate(model, 3000, params={"c": 0.025}, initial={"E": 2e4, "T": 2e4, "IL": 1e4})
    T, t = r["T"], r.t
    windows = [(t >= lo) & (t < lo + 600) for lo in (1200, 1800, 2400)]
    amplitudes = [np.log10(T[w].max() / T[w].min()) for w in windows]
    # About four decades peak to trough (19 to 1.7e5 cells), the same in every window: a limit cycle.
    assert all(3.5 < a < 4.5 for a in amplitudes)
    assert max(amplitudes) - min(amplitudes) < 0.05
    peaks = t[1:-1][(T[1:-1] > T[:-2]) & (T[1:-1] > T[2:]) & (t[1:-1] > 1200)]
    assert np.diff(peaks) == pytest.approx(np.full(peaks.size - 1, 150.5), abs=2)  # period ~150 days
    assert r.extinctions == ()


def _relapse_run(model, extinction, method="LSODA"):
    # c = 0.02: the limit cycle's trough is ~1e-4 cells, near day 343 from this start.
    return iosim.simulate(
        model,
        700,
        params={"c": 0.02},
        initial={"E": 2e4, "T": 2e4, "IL": 1e4},
        extinction=extinction,
        method=method,
    )


def test_without_extinction_the_tumour_relapses_from_a_fraction_of_a_cell(model):
    r = _relapse_run(model, extinction=False)
    after = r.t > 345
    assert 1e-5 < r["T"].min() < 1e-3  # the pure ODE trough: far below one cell
    assert r["T"][after].max() > 1e5  # ...and the paper's "relapse" from there


@pytest.mark.parametrize("method", ["RK45", "LSODA", "BDF"])
def test_with_extinction_the_tumour_stays_at_exactly_zero(model, method):
    r = _relapse_run(model, extinction=True, method=method)
    (t_ext,) = [t for s, t in r.extinctions if s == "T"]
    assert 340 < t_ext < 345
    assert np.all(r["T"][r.t > t_ext] == 0.0)


def test_trajectory_matches_an_independent_integration(model):
    # The paper's eqs (1)-(3) typed by hand, with both treatments on to exercise every term.
    c, mu2, p1, g1, s1 = 0.035, 0.03, 0.1245, 2e7, 100.0
    r2, b, a, g2 = 0.18, 1e-9, 1.0, 1e5
    p2, g3, mu3, s2 = 5.0, 1e3, 10.0, 1e6

    def f(t, x):
        E, T, IL = x
        return [
            c * T - mu2 * E + p1 * E * IL / (g1 + IL) + s1,
            r2 * T * (1 - b * T) - a * E * T / (g2 + T),
            p2 * E * T / (g3 + T) - mu3 * IL + s2,
        ]

    x0 = [1e4, 1e5, 1e3]
    ref = solve_ivp(f, (0, 150), x0, t_eval=np.arange(151.0), rtol=1e-10, atol=1e-8, method="LSODA")
    r = iosim.simulate(
        model,
        150,
        params={"s1": s1, "s2": s2},
        initial=dict(zip("E T IL".split(), x0)),
        rtol=1e-10,
        atol=1e-8,
        extinction=False,
    )
    assert ref.success and r.ok
    np.testing.assert_allclose(r.y, ref.y.T, rtol=1e-6, atol=1e-6)
    np.testing.assert_array_equal(r["tumour_cells"], r["T"])


def test_default_run_matches_the_published_model_at_default_tolerances(model):
    # What `iosim simulate kirschner_panetta1998` computes: deposit's defaults with the paper's
    # '+ IL' restored, rtol = atol = 1e-8, against the hand-typed equations at rtol 1e-11.
    def f(t, x):
        E, T, IL = x
        return [
            0.035 * T - 0.03 * E + 0.1245 * E * IL / (2e7 + IL),
            0.18 * T * (1 - 1e-9 * T) - E * T / (1e5 + T),
            5.0 * E * T / (1e3 + T) - 10.0 * IL,
        ]

    ref = solve_ivp(f, (0, 500), [0.0, 1.0, 0.0], t_eval=np.arange(501.0), rtol=1e-11, atol=1e-10, method="LSODA")
    r = iosim.simulate(model, 500)
    assert r.extinctions == ()
    np.testing.assert_allclose(r.y, ref.y.T, rtol=1e-4, atol=1e-6)


def test_declared_defaults_are_the_deposits(model):
    # BIOMD0000000732 with the '+ IL' restored: c = 0.035, a = 1, untreated, (E, T, IL)(0) = (0, 1, 0).
    p = {q.name: q.value for q in model.parameters}
    assert p == {
        "c": 0.035,
        "mu2": 0.03,
        "p1": 0.1245,
        "g1": 2e7,
        "s1": 0.0,
        "r2": 0.18,
        "b": 1e-9,
        "a": 1.0,
        "g2": 1e5,
        "p2": 5.0,
        "g3": 1e3,
        "mu3": 10.0,
        "s2": 0.0,
    }
    assert [s.initial for s in model.states] == [0.0, 1.0, 0.0]
    # The corrected term: dE/dt's IL-2 proliferation saturates (the deposit's p1*E*IL/g1 does not).
    J = jacobian_at(model, {"E": 1.0, "T": 0.0, "IL": 1e12})
    assert J[0, 0] == pytest.approx(-MU2 + P1 * 1e12 / (G1 + 1e12), rel=1e-12)
