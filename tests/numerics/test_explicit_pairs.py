"""The explicit 5(4) pairs of the cohort kernel: their tableaus have the orders they claim.

Butcher's order conditions (Hairer, Nørsett & Wanner 1993, Solving ODEs I, II.2, Table 2.2):
a typo in one of the ~50 coefficients of Tsitouras' pair would break one of them, and the
solver would then converge at a lower order without any error in its results' form.
"""

import numpy as np
import pytest

from iosim.numerics import dense, dopri, explicit, tsit5


def _tableau(m, solution_uses_k2):
    A = np.zeros((7, 7))
    A[1, 0] = m.A21
    A[2, :2] = [m.A31, m.A32]
    A[3, :3] = [m.A41, m.A42, m.A43]
    A[4, :4] = [m.A51, m.A52, m.A53, m.A54]
    A[5, :5] = [m.A61, m.A62, m.A63, m.A64, m.A65]
    A[6, :6] = [m.A71, m.A72 if solution_uses_k2 else 0.0, m.A73, m.A74, m.A75, m.A76]
    c = np.array([0.0, m.C2, m.C3, m.C4, m.C5, 1.0, 1.0])
    E = np.array([m.E1, m.E2 if solution_uses_k2 else 0.0, m.E3, m.E4, m.E5, m.E6, m.E7])
    return A, c, E


PAIRS = {"dopri5": _tableau(dopri, False), "tsit5": _tableau(tsit5, True)}


def _residuals(b, A, c, order):
    """Largest |Phi(tree) - 1/gamma(tree)| over the rooted trees of each order up to ``order``."""
    C = np.diag(c)
    conditions = {
        1: [(b.sum(), 1.0)],
        2: [(b @ c, 1 / 2)],
        3: [(b @ c**2, 1 / 3), (b @ A @ c, 1 / 6)],
        4: [(b @ c**3, 1 / 4), (b @ C @ A @ c, 1 / 8), (b @ A @ c**2, 1 / 12), (b @ A @ A @ c, 1 / 24)],
        5: [
            (b @ c**4, 1 / 5), (b @ C @ C @ A @ c, 1 / 10), (b @ C @ A @ c**2, 1 / 15), (b @ C @ A @ A @ c, 1 / 30),
            (b @ (A @ c) ** 2, 1 / 20), (b @ A @ c**3, 1 / 20), (b @ A @ C @ A @ c, 1 / 40),
            (b @ A @ A @ c**2, 1 / 60), (b @ A @ A @ A @ c, 1 / 120),
        ],
    }  # fmt: skip
    return [max(abs(phi - g) for phi, g in conditions[q]) for q in range(1, order + 1)]


@pytest.mark.parametrize("pair", PAIRS)
def test_the_solution_is_fifth_order_and_the_error_estimate_fourth(pair):
    A, c, E = PAIRS[pair]
    b = A[6]  # FSAL: stage 7's state is the solution
    np.testing.assert_allclose(A.sum(axis=1), c, atol=1e-14)
    assert max(_residuals(b, A, c, 5)) < 1e-14
    embedded = b - E
    assert max(_residuals(embedded, A, c, 4)) < 1e-14
    # The estimate is the difference of a 5th- and a 4th-order solution: the embedded one must
    # fail some 5th-order condition, or the estimate would vanish to leading order.
    assert _residuals(embedded, A, c, 5)[4] > 1e-4


def test_tsitouras_continuous_extension_is_fourth_order_and_ends_on_the_solution():
    A, c, _ = PAIRS["tsit5"]
    R = np.zeros((7, 4))
    R[0] = [tsit5.R11, tsit5.R12, tsit5.R13, tsit5.R14]
    for i, row in enumerate(
        [(tsit5.R22, tsit5.R23, tsit5.R24), (tsit5.R32, tsit5.R33, tsit5.R34), (tsit5.R42, tsit5.R43, tsit5.R44),
         (tsit5.R52, tsit5.R53, tsit5.R54), (tsit5.R62, tsit5.R63, tsit5.R64), (tsit5.R72, tsit5.R73, tsit5.R74)],
        start=1,
    ):  # fmt: skip
        R[i, 1:] = row
    np.testing.assert_allclose(R.sum(axis=1), A[6], atol=1e-14)  # b_i(1) = b_i
    C = np.diag(c)
    for th in (0.1, 0.5, 0.9):
        bt = R @ th ** np.arange(1, 5)
        # Order-4 conditions of the interpolant at th: sum_i b_i(th) Phi_i(tree) = th^rho / gamma.
        got = [bt.sum(), bt @ c, bt @ c**2, bt @ A @ c, bt @ c**3, bt @ C @ A @ c, bt @ A @ c**2, bt @ A @ A @ c]
        want = [th, th**2 / 2, th**3 / 3, th**3 / 6, th**4 / 4, th**4 / 8, th**4 / 12, th**4 / 24]
        np.testing.assert_allclose(got, want, atol=1e-14)


def test_tsitouras_dense_output_in_dormand_prince_form_is_the_same_polynomial():
    rng = np.random.default_rng(1)
    n, h = 5, 0.37
    y = rng.normal(size=n)
    k = [rng.normal(size=n) for _ in range(7)]
    y1 = y + h * (tsit5.A71 * k[0] + tsit5.A72 * k[1] + tsit5.A73 * k[2] + tsit5.A74 * k[3] + tsit5.A75 * k[4]
                  + tsit5.A76 * k[5])  # fmt: skip
    r = [np.empty(n) for _ in range(4)]
    explicit.dense_coefficients(explicit.TSIT5, y, y1, h, *k, *r)
    R = [
        (tsit5.R11, tsit5.R12, tsit5.R13, tsit5.R14), (0, tsit5.R22, tsit5.R23, tsit5.R24),
        (0, tsit5.R32, tsit5.R33, tsit5.R34), (0, tsit5.R42, tsit5.R43, tsit5.R44),
        (0, tsit5.R52, tsit5.R53, tsit5.R54), (0, tsit5.R62, tsit5.R63, tsit5.R64),
        (0, tsit5.R72, tsit5.R73, tsit5.R74),
    ]  # fmt: skip
    for th in (0.0, 0.25, 0.6, 1.0):
        direct = y + h * sum(np.polyval([*reversed(Ri), 0.0], th) * ki for Ri, ki in zip(R, k, strict=True))
        got = [dense.value(dense.DOPRI, th, y, y1, h, *r, j) for j in range(n)]
        np.testing.assert_allclose(got, direct, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("pair", PAIRS)
def test_the_stiffness_test_fires_before_the_step_reaches_the_stability_limit(pair):
    # `auto` hands a patient to Rosenbrock when h * (Lipschitz estimate) > STIFF_RATIO = 3.25 (dopri5.f);
    # an explicit step held at its stability limit on a real negative eigenvalue sits at the boundary
    # of |R(z)| <= 1, so that boundary must lie beyond 3.25 or a stiff patient would never switch.
    A, _, _ = PAIRS[pair]
    b = A[6]

    def amplification(z):
        return abs(1 + z * b @ np.linalg.solve(np.eye(7) - z * A, np.ones(7)))

    assert amplification(-3.25) < 1.0
    boundary = next(x for x in np.arange(3.0, 6.0, 0.001) if amplification(-x) > 1.0)
    assert 3.25 < boundary < 3.6  # measured: 3.31 (Dormand–Prince), 3.51 (Tsitouras)


def test_one_code_runs_both_pairs_and_dormand_prince_keeps_its_own_numbers():
    # The engines' one stage algebra takes the pair as a tuple; with DOPRI5 it must reproduce
    # Dormand–Prince's formulas as dopri5.f writes them (weights b, error weights E, dense output
    # r1..r4 with r4 = h sum D k), here from iosim.numerics.dopri's constants, to rounding.
    rng = np.random.default_rng(2)
    n, h = 6, 0.41
    y = rng.normal(size=n)
    k = [rng.normal(size=n) for _ in range(7)]
    d = dopri
    own = y + h * (d.A71 * k[0] + d.A73 * k[2] + d.A74 * k[3] + d.A75 * k[4] + d.A76 * k[5])
    shared = np.empty(n)
    explicit.solution(explicit.DOPRI5, y, h, *k[:6], shared)
    np.testing.assert_allclose(shared, own, rtol=1e-14, atol=1e-15)
    own_err = h * (d.E1 * k[0] + d.E3 * k[2] + d.E4 * k[3] + d.E5 * k[4] + d.E6 * k[5] + d.E7 * k[6])
    explicit.error_estimate(explicit.DOPRI5, h, *k, shared)
    np.testing.assert_allclose(shared, own_err, rtol=1e-14, atol=1e-15)
    y1 = own  # the interpolant is built on the step's own end
    r1 = y1 - y
    r2 = h * k[0] - r1
    r3 = r1 - h * k[6] - r2
    r4 = h * (d.D1 * k[0] + d.D3 * k[2] + d.D4 * k[3] + d.D5 * k[4] + d.D6 * k[5] + d.D7 * k[6])
    r_shared = [np.empty(n) for _ in range(4)]
    explicit.dense_coefficients(explicit.DOPRI5, y, y1, h, *k, *r_shared)
    for th in (0.0, 0.3, 0.77, 1.0):
        a = y + th * (r1 + (1 - th) * (r2 + th * (r3 + (1 - th) * r4)))  # dopri5.f's contd5
        b = [dense.value(dense.DOPRI, th, y, y1, h, *r_shared, j) for j in range(n)]
        np.testing.assert_allclose(b, a, rtol=1e-13, atol=1e-14)
    assert explicit.nodes(explicit.DOPRI5) == (dopri.C2, dopri.C3, dopri.C4, dopri.C5)
    assert explicit.nodes(explicit.TSIT5) == (tsit5.C2, tsit5.C3, tsit5.C4, tsit5.C5)
    # The hybrid stochastic engine integrates its propensity with the solution's weights.
    rates = rng.uniform(size=6)
    assert explicit.quadrature(explicit.DOPRI5, h, *rates) == pytest.approx(
        h * (d.A71 * rates[0] + d.A73 * rates[2] + d.A74 * rates[3] + d.A75 * rates[4] + d.A76 * rates[5]), rel=1e-14
    )
