"""The explicit 5(4) pairs of every engine (CPU and GPU cohort, hybrid stochastic): one code, coefficients as input.

Dormand–Prince's and Tsitouras' pairs have the same shape: seven stages, the 5th-order
solution is stage 7's state (its slope is the next step's first, FSAL), an embedded 4th-order
error estimate and a 4th-order continuous extension. Each is a tuple of coefficients
(:data:`DOPRI5`, :data:`TSIT5`) that the kernel picks per patient: one copy of the stage algebra
serves both, where a copy per pair cost the flagship kernel ~13 s of cold compile time.

Layout of a tableau tuple: ``A[s][j]`` row by row (stages 2 to 7, stage 7's row being the
solution's weights), ``C2..C5``, the error weights ``E1..E7`` (5th- minus 4th-order) and the
continuous extension ``b_i(th) = sum_m R[i][m] th^(m+1)`` (4 per stage, 7 stages).
"""

from iosim.numerics import dopri, tsit5
from iosim.numerics.flags import kernel

# Offsets into a tableau tuple. The functions below read the tuple only at constant positions
# (``tb[_C2]``) or in constant slices (``tb[_A3:_A4]``): numba does not fold ``tb[_A3 + 1]`` into a
# constant, and indexes a tuple at a run-time position through a switch over all 60 entries, which
# cost the flagship kernel ~20 s of its cold compile (docs/performance.md, 7 Dec).
_A2, _A3, _A4, _A5, _A6, _B = 0, 1, 3, 6, 10, 15
_C2, _C3, _C4, _C5 = 21, 22, 23, 24
_E = 25
_R = 32
SIZE = 60


def _dopri_extension() -> list[float]:
    """Dormand–Prince's continuous extension (dopri5.f's ``r1..r5``) as polynomials in th.

    y(th) - y0 = th r1 + th(1-th) r2 + th^2(1-th) r3 + th^2(1-th)^2 r4 with r1 = h sum b_i k_i,
    r2 = h k1 - r1, r3 = r1 - h k7 - r2 and r4 = h sum D_i k_i, expanded in powers of th.
    """
    b = [dopri.A71, 0.0, dopri.A73, dopri.A74, dopri.A75, dopri.A76, 0.0]
    d = [dopri.D1, 0.0, dopri.D3, dopri.D4, dopri.D5, dopri.D6, dopri.D7]
    out = []
    for i in range(7):
        first, last = float(i == 0), float(i == 6)
        out += [first, 3.0 * b[i] - 2.0 * first - last + d[i], -2.0 * b[i] + first + last - 2.0 * d[i], d[i]]
    return out


def _tableau(m, a72: float, e2: float, extension: list[float]) -> tuple[float, ...]:
    t = (
        m.A21, m.A31, m.A32, m.A41, m.A42, m.A43, m.A51, m.A52, m.A53, m.A54,
        m.A61, m.A62, m.A63, m.A64, m.A65, m.A71, a72, m.A73, m.A74, m.A75, m.A76,
        m.C2, m.C3, m.C4, m.C5, m.E1, e2, m.E3, m.E4, m.E5, m.E6, m.E7, *extension,
    )  # fmt: skip
    assert len(t) == SIZE
    return tuple(float(x) for x in t)


_T = tsit5
#: Dormand & Prince (1980) with dopri5.f's dense output (:mod:`iosim.numerics.dopri`).
DOPRI5 = _tableau(dopri, 0.0, 0.0, _dopri_extension())
#: Tsitouras (2011) with his continuous extension (:mod:`iosim.numerics.tsit5`).
TSIT5 = _tableau(
    tsit5, tsit5.A72, tsit5.E2,
    [_T.R11, _T.R12, _T.R13, _T.R14, 0.0, _T.R22, _T.R23, _T.R24, 0.0, _T.R32, _T.R33, _T.R34,
     0.0, _T.R42, _T.R43, _T.R44, 0.0, _T.R52, _T.R53, _T.R54, 0.0, _T.R62, _T.R63, _T.R64,
     0.0, _T.R72, _T.R73, _T.R74],
)  # fmt: skip


@kernel
def nodes(tb):
    """The stage times c2..c5 (c6 = c7 = 1)."""
    return tb[_C2], tb[_C3], tb[_C4], tb[_C5]


@kernel
def stage2(tb, y, h, k1, w):
    a = h * tb[_A2]
    for i in range(y.shape[0]):
        w[i] = y[i] + a * k1[i]


@kernel
def stage3(tb, y, h, k1, k2, w):
    a1, a2 = tb[_A3:_A4]
    for i in range(y.shape[0]):
        w[i] = y[i] + h * (a1 * k1[i] + a2 * k2[i])


@kernel
def stage4(tb, y, h, k1, k2, k3, w):
    a1, a2, a3 = tb[_A4:_A5]
    for i in range(y.shape[0]):
        w[i] = y[i] + h * (a1 * k1[i] + a2 * k2[i] + a3 * k3[i])


@kernel
def stage5(tb, y, h, k1, k2, k3, k4, w):
    a1, a2, a3, a4 = tb[_A5:_A6]
    for i in range(y.shape[0]):
        w[i] = y[i] + h * (a1 * k1[i] + a2 * k2[i] + a3 * k3[i] + a4 * k4[i])


@kernel
def stage6(tb, y, h, k1, k2, k3, k4, k5, w):
    a1, a2, a3, a4, a5 = tb[_A6:_B]
    for i in range(y.shape[0]):
        w[i] = y[i] + h * (a1 * k1[i] + a2 * k2[i] + a3 * k3[i] + a4 * k4[i] + a5 * k5[i])


@kernel
def solution(tb, y, h, k1, k2, k3, k4, k5, k6, y1):
    """The 5th-order solution at ``t + h`` (stage 7's state)."""
    b1, b2, b3, b4, b5, b6 = tb[_B:_C2]
    for i in range(y.shape[0]):
        y1[i] = y[i] + h * (b1 * k1[i] + b2 * k2[i] + b3 * k3[i] + b4 * k4[i] + b5 * k5[i] + b6 * k6[i])


@kernel
def error_estimate(tb, h, k1, k2, k3, k4, k5, k6, k7, err):
    """Local error estimate: the 5th- minus the embedded 4th-order solution."""
    e1, e2, e3, e4, e5, e6, e7 = tb[_E:_R]
    for i in range(err.shape[0]):
        err[i] = h * (e1 * k1[i] + e2 * k2[i] + e3 * k3[i] + e4 * k4[i] + e5 * k5[i] + e6 * k6[i] + e7 * k7[i])


@kernel
def dense_coefficients(tb, y, y1, h, k1, k2, k3, k4, k5, k6, k7, r1, r2, r3, r4):
    """The continuous extension in Dormand–Prince's form, evaluated by :func:`iosim.numerics.dense.value`.

    ``y(th) - y0 = c1 th + c2 th^2 + c3 th^3 + c4 th^4`` is rewritten as
    ``th (r1 + (1 - th) (r2 + th (r3 + (1 - th) r4)))``: r4 = c4, r3 = -c3 - 2 c4,
    r2 = -(c2 + c3 + c4), and r1 = c1 + c2 + c3 + c4, which is y1 - y0 (taken as such, so the
    interpolant ends exactly on the solution).
    """
    # R[s][m] sits at _R + 4 s + m; c_(m+1) = h sum_s R[s][m] k_s (R[s][0] is 0 but for s = 0).
    (_, s12, s13, s14, _, s22, s23, s24, _, s32, s33, s34, _, s42, s43, s44,
     _, s52, s53, s54, _, s62, s63, s64, _, s72, s73, s74) = tb[_R:SIZE]  # fmt: skip
    for i in range(y.shape[0]):
        c2 = h * (s12 * k1[i] + s22 * k2[i] + s32 * k3[i] + s42 * k4[i] + s52 * k5[i] + s62 * k6[i] + s72 * k7[i])
        c3 = h * (s13 * k1[i] + s23 * k2[i] + s33 * k3[i] + s43 * k4[i] + s53 * k5[i] + s63 * k6[i] + s73 * k7[i])
        c4 = h * (s14 * k1[i] + s24 * k2[i] + s34 * k3[i] + s44 * k4[i] + s54 * k5[i] + s64 * k6[i] + s74 * k7[i])
        r4[i] = c4
        r3[i] = -c3 - 2.0 * c4
        r2[i] = -(c2 + c3 + c4)
        r1[i] = y1[i] - y[i]


@kernel
def quadrature(tb, h, l1, l2, l3, l4, l5, l6):
    """A scalar rate integrated over the step with the solution's weights: ``h sum_j B_j l_j``.

    ``l_j`` is the rate at stage ``j`` (stage 7 has no weight); the hybrid stochastic engine integrates
    the total propensity of its stochastic reactions this way, alongside its continuous states.
    """
    b1, b2, b3, b4, b5, b6 = tb[_B:_C2]  # a constant slice: an index computed from _B becomes a run-time switch
    return h * (b1 * l1 + b2 * l2 + b3 * l3 + b4 * l4 + b5 * l5 + b6 * l6)
