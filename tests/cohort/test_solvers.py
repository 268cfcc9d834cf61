"""The cohort engine's solver pieces: generated code, the stiffness switch, stiff dense output.

The generated LU and the common-subexpression pass produce plain Python text, so they are
checked here without numba (``njit`` replaced by the identity): the LU against
``numpy.linalg.solve``, the shared subexpressions against direct evaluation. The switch and
the Rosenbrock dense output are checked through the compiled engine on the closed-form toy
model of ``conftest.py``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from iosim.cohort import simulate_cohort
from iosim.cohort.codegen import MAX_LU_OPS, _cse, lu_source
from iosim.expr import Sym, call, piecewise


def _compile(n, pattern):
    src = lu_source(n, pattern)
    assert src is not None
    ns = {"njit": lambda *a, **k: lambda f: f}
    exec(src, ns)  # generated from integers only: no user text
    return ns["wlu"], ns["wsolve"]


def _random_sparse(rng, n, density):
    J = rng.normal(size=(n, n)) * (rng.random((n, n)) < density)
    pattern = {(i, j) for i in range(n) for j in range(n) if J[i, j] != 0.0}
    return J, pattern


@pytest.mark.parametrize("n, density", [(1, 1.0), (5, 0.5), (8, 0.3), (10, 1.0)])
def test_unrolled_lu_solves_the_rosenbrock_matrix(n, density):
    # W = fac I - J with fill-in: the solution must match a dense solve to round-off.
    rng = np.random.default_rng(n)
    solved = 0
    for fac in (1e-3, 1.0, 1e4):
        J, pattern = _random_sparse(rng, n, density)
        wlu, wsolve = _compile(n, pattern)
        W = np.zeros((n, n))
        b = rng.normal(size=n)
        expected = np.linalg.solve(fac * np.eye(n) - J, b)
        if not wlu(J, fac, W):
            continue  # a cancelled pivot: the kernel falls back to the pivoting LU (tested below)
        x = b.copy()
        wsolve(W, x)
        np.testing.assert_allclose(x, expected, rtol=1e-8, atol=1e-12 * np.abs(expected).max())
        solved += 1
    assert solved >= 2  # at least the two larger fac (diagonally dominant W) never need pivoting


def test_unrolled_lu_refuses_a_cancelled_pivot():
    # J = [[1, 1], [1, 0]] with fac = 1: W = [[0, -1], [-1, 1]] needs a row swap.
    J = np.array([[1.0, 1.0], [1.0, 0.0]])
    wlu, _ = _compile(2, {(0, 0), (0, 1), (1, 0)})
    assert wlu(J, 1.0, np.zeros((2, 2))) is False
    assert wlu(J, 3.0, np.zeros((2, 2))) is True


def test_unrolled_lu_only_for_small_enough_models():
    dense = {(i, j) for i in range(40) for j in range(40)}
    assert lu_source(40, dense) is None  # ~n^3/3 = 21,000 multiply-adds > MAX_LU_OPS
    diagonal = {(i, i) for i in range(200)}
    assert lu_source(200, diagonal) is not None  # no fill-in: n pivots only
    # Any model up to 10 states is unrolled whatever its pattern (a dense 10x10 LU: 285 multiply-adds).
    assert lu_source(10, {(i, j) for i in range(10) for j in range(10)}) is not None
    assert MAX_LU_OPS >= sum(k * k for k in range(10))


def test_auto_hands_a_stiff_patient_to_rosenbrock_next_to_a_huge_state(toy):
    # S relaxes at rate lam = 1000/day (Dormand-Prince stuck at h ~ 3.3/1000) next to C = 1e12 cells
    # decaying slowly; the stiffness test must still see S. (At lam = 300 the explicit method sits just
    # below the test's threshold and keeps it: both are cheap there.)
    kw = {"params": {"lam": 1000.0, "r": 0.01}, "initial": {"C": 1e12}, "rtol": 1e-6, "atol": 1e-6}
    explicit = simulate_cohort(toy, 20, method="dopri5", **kw)
    auto = simulate_cohort(toy, 20, method="auto", **kw)
    assert auto.status.tolist() == ["ok"] and bool(auto.stiff[0]) and not bool(explicit.stiff[0])
    assert auto.steps[0] < explicit.steps[0] / 3  # measured: 521 against 6,386 steps
    t, L = auto.t, 1000.0
    exact = (L * L * np.cos(t) + L * np.sin(t)) / (L * L + 1) + (1 - L * L / (L * L + 1)) * np.exp(-L * t)
    # Global error at rtol 1e-6 is far below 1e-5 (as in test_engine's stiff test).
    np.testing.assert_allclose(auto["S"][0], exact, rtol=0, atol=1e-5)
    np.testing.assert_allclose(auto["C"][0], 1e12 * np.exp(-0.01 * t), rtol=1e-5)


def test_shared_subexpressions_are_computed_once_and_keep_their_values():
    x, k, n = Sym("x"), Sym("k"), Sym("n")
    hill = x**n / (k**n + x**n)
    # d = 1/(x - 2), twice, only on the branch x > 2: hoisting it out would divide by zero at x = 2.
    d = 1.0 / (x - 2.0)
    guarded = piecewise((d + d * d, call("gt", x, 2.0)), otherwise=0.0)
    exprs = [("a", hill), ("b", x**n * 3.0 + guarded), ("c", guarded * 2.0)]
    src = "\n".join(_cse(exprs, {"x": "x", "k": "k", "n": "n"}))
    assert src.count("**") == 2  # x**n once for its three uses, k**n once
    for xv in (1.5, 2.0, 3.0):
        ns = {"x": xv, "k": 1.2, "n": 2.5}
        exec(compile(src, "<cse>", "exec"), ns)  # generated from our own trees only
        g = 1.0 / (xv - 2.0) + (1.0 / (xv - 2.0)) ** 2 if xv > 2.0 else 0.0
        # Same operations in the same order as the unshared expressions: equal to round-off.
        assert math.isclose(ns["a"], xv**2.5 / (1.2**2.5 + xv**2.5), rel_tol=1e-14)
        assert math.isclose(ns["b"], xv**2.5 * 3.0 + g, rel_tol=1e-14)
        assert math.isclose(ns["c"], 2.0 * g, rel_tol=1e-14, abs_tol=0.0)


def _exact_s(t, lam):
    return (lam * lam * np.cos(t) + lam * np.sin(t)) / (lam * lam + 1) + (1 - lam * lam / (lam * lam + 1)) * np.exp(
        -lam * t
    )


def test_rosenbrock_interpolates_between_steps_and_lands_where_its_interpolant_fails(toy):
    # lam = 2, output every 0.05 days: Rodas4P2's interpolant is trusted, far fewer steps than
    # output times (measured: 204 steps for 401 times, error 2.6e-7).
    fine = simulate_cohort(toy, 20, method="rosenbrock", params={"lam": 2.0}, rtol=1e-7, atol=1e-7, output_every=0.05)
    assert fine.status.tolist() == ["ok"] and fine.steps[0] < 0.6 * fine.t.size
    np.testing.assert_allclose(fine["S"][0], _exact_s(fine.t, 2.0), rtol=0, atol=1e-6)
    # lam = 1e5, daily output: S tracks cos t, stiff and non-autonomous, where Rodas' interpolant is
    # ~3e-2 off at any tolerance. The mid-step check must catch it and send the patient to stepping
    # onto every output time (measured: 25 steps for 20 days, error 7e-8); 1e-5 is the engine's
    # agreement target.
    stiff = simulate_cohort(toy, 20, method="rosenbrock", params={"lam": 1e5}, rtol=1e-6, atol=1e-6)
    assert stiff.status.tolist() == ["ok"] and stiff.steps[0] >= stiff.t.size - 1
    np.testing.assert_allclose(stiff["S"][0], _exact_s(stiff.t, 1e5), rtol=0, atol=1e-5)
