"""Kuznetsov et al. 1994: the phase portrait of Fig. 4 and the dormancy/escape threshold."""

import numpy as np
import pytest
from scipy.integrate import solve_ivp

import iosim
from iosim.analysis import find_equilibria

S, D = 1.3e4, 0.0412  # paper's s and d (p. 303)


@pytest.fixture(scope="module")
def model():
    return iosim.get_model("kuznetsov1994")


def test_four_equilibria_with_the_published_stability(model):
    eqs = find_equilibria(model)
    kinds = [e.kind for e in eqs]
    # Ordered by tumour size: tumour-free saddle, dormant focus, saddle, escape node.
    assert kinds == ["saddle", "stable focus", "saddle", "stable node"]
    assert eqs[0]["T"] == 0 and eqs[0]["E"] == pytest.approx(S / D, rel=1e-9)
    # Dormant state about 8.2e6 tumour cells, escape about 4.5e8 (close to 1/b = 5e8).
    assert eqs[1]["T"] == pytest.approx(8.19e6, rel=0.01)
    assert eqs[3]["T"] == pytest.approx(4.47e8, rel=0.01)


@pytest.mark.parametrize("T0, dormant", [(1e5, True), (1e7, True), (5e7, True), (8e7, False), (1e9, False)])
def test_inocula_up_to_about_7e7_settle_to_dormancy(model, T0, dormant):
    # Separatrix of the saddle at T ~ 2.7e8 crosses E = s/d near T0 = 6.4e7.
    r = iosim.simulate(model, 3000, initial={"E": S / D, "T": T0}, output_every=100)
    final = r.final("T")
    if dormant:
        assert final == pytest.approx(8.19e6, rel=0.01)
    else:
        assert final == pytest.approx(4.47e8, rel=0.01)


def test_trajectory_matches_an_independent_integration(model):
    s, p, g, m, d, a, b, n = 1.3e4, 0.1245, 2.019e7, 3.422e-10, 0.0412, 0.18, 2.0e-9, 1.101e-7

    def f(t, x):
        E, T = x
        return [s + p * E * T / (g + T) - m * E * T - d * E, a * T * (1 - b * T) - n * E * T]

    ref = solve_ivp(f, (0, 200), [3.2e5, 1e6], t_eval=np.arange(201.0), rtol=1e-11, atol=1e-6, method="LSODA")
    r = iosim.simulate(model, 200)
    np.testing.assert_allclose(r.y, ref.y.T, rtol=1e-6)
