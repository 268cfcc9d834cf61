"""Dormand–Prince 5(4): the tableau, the stage states, the error estimate and the dense output.

Written once as plain numba functions of arrays (no model function is passed in: each
kernel evaluates its own right-hand side between the stages), so the CPU cohort kernel,
the CUDA kernel and the hybrid stochastic engine run the same arithmetic. The CPU cohort
kernel imports them as they are; other targets compile copies with
:func:`iosim.numerics.targets.retarget`.

Stage ``s`` of a step of size ``h`` from ``(t, y)`` evaluates ``f(t + C_s h, w)`` with
``w = y + h sum_j A_sj k_j``; the 5th-order solution is stage 7's state (FSAL: its slope is the
next step's first), ``err = h sum_j E_j k_j`` is the difference to the embedded 4th-order one,
and ``r1..r4`` are the coefficients of the 4th-order continuous extension.

Coefficients: Dormand & Prince (1980), J. Comput. Appl. Math. 6:19-26, Table 2; dense output
from Hairer, Nørsett & Wanner (1993), Solving ODEs I, II.6, as in their code dopri5.f.
"""

import math

from iosim.numerics.flags import kernel

A21 = 1.0 / 5.0
A31, A32 = 3.0 / 40.0, 9.0 / 40.0
A41, A42, A43 = 44.0 / 45.0, -56.0 / 15.0, 32.0 / 9.0
A51, A52, A53, A54 = 19372.0 / 6561.0, -25360.0 / 2187.0, 64448.0 / 6561.0, -212.0 / 729.0
A61, A62, A63, A64, A65 = 9017.0 / 3168.0, -355.0 / 33.0, 46732.0 / 5247.0, 49.0 / 176.0, -5103.0 / 18656.0
#: Stage 7 is the 5th-order solution (the weights B_j).
A71, A73, A74, A75, A76 = 35.0 / 384.0, 500.0 / 1113.0, 125.0 / 192.0, -2187.0 / 6784.0, 11.0 / 84.0
C2, C3, C4, C5 = 0.2, 0.3, 0.8, 8.0 / 9.0
E1, E3, E4, E5, E6, E7 = 71.0 / 57600.0, -71.0 / 16695.0, 71.0 / 1920.0, -17253.0 / 339200.0, 22.0 / 525.0, -0.025
D1, D3, D4 = -12715105075.0 / 11282082432.0, 87487479700.0 / 32700410799.0, -10690763975.0 / 1880347072.0
D5, D6, D7 = 701980252875.0 / 199316789632.0, -1453857185.0 / 822651844.0, 69997945.0 / 29380423.0
#: Order of the embedded error estimate (the step controller's exponent is -1/(ORDER + 1)).
ORDER = 4.0


@kernel
def stage2(y, h, k1, w):
    for i in range(y.shape[0]):
        w[i] = y[i] + h * A21 * k1[i]


@kernel
def stage3(y, h, k1, k2, w):
    for i in range(y.shape[0]):
        w[i] = y[i] + h * (A31 * k1[i] + A32 * k2[i])


@kernel
def stage4(y, h, k1, k2, k3, w):
    for i in range(y.shape[0]):
        w[i] = y[i] + h * (A41 * k1[i] + A42 * k2[i] + A43 * k3[i])


@kernel
def stage5(y, h, k1, k2, k3, k4, w):
    for i in range(y.shape[0]):
        w[i] = y[i] + h * (A51 * k1[i] + A52 * k2[i] + A53 * k3[i] + A54 * k4[i])


@kernel
def stage6(y, h, k1, k2, k3, k4, k5, w):
    for i in range(y.shape[0]):
        w[i] = y[i] + h * (A61 * k1[i] + A62 * k2[i] + A63 * k3[i] + A64 * k4[i] + A65 * k5[i])


@kernel
def solution(y, h, k1, k3, k4, k5, k6, y1):
    """The 5th-order solution at ``t + h`` (stage 7's state)."""
    for i in range(y.shape[0]):
        y1[i] = y[i] + h * (A71 * k1[i] + A73 * k3[i] + A74 * k4[i] + A75 * k5[i] + A76 * k6[i])


@kernel
def error_estimate(h, k1, k3, k4, k5, k6, k7, err):
    """Local error estimate: the 5th- minus the embedded 4th-order solution."""
    for i in range(err.shape[0]):
        err[i] = h * (E1 * k1[i] + E3 * k3[i] + E4 * k4[i] + E5 * k5[i] + E6 * k6[i] + E7 * k7[i])


@kernel
def dense_coefficients(y, y1, h, k1, k3, k4, k5, k6, k7, r1, r2, r3, r4):
    """Coefficients of the step's 4th-order continuous extension (evaluate with :func:`dense_value`)."""
    for i in range(y.shape[0]):
        dy = y1[i] - y[i]
        bs = h * k1[i] - dy
        r4[i] = h * (D1 * k1[i] + D3 * k3[i] + D4 * k4[i] + D5 * k5[i] + D6 * k6[i] + D7 * k7[i])
        r1[i] = dy
        r2[i] = bs
        r3[i] = dy - h * k7[i] - bs


@kernel
def dense_value(th, y0, r1, r2, r3, r4, j):
    """State component ``j`` at fraction ``th`` of the step (Dormand–Prince's continuous extension)."""
    th1 = 1.0 - th
    return y0[j] + th * (r1[j] + th1 * (r2[j] + th * (r3[j] + th1 * r4[j])))


@kernel
def stiffness_ratio(h, y1, w, k6, k7, rtol, atol):
    """Hairer's stiffness test: ``h`` times the local Lipschitz estimate from the last two stages.

    Near 3.3 the step sits at the explicit method's stability limit. Weighted like the error
    norm: with states of very different scales (cells next to concentrations) the unweighted
    ratio only sees the largest state. ``w`` is stage 6's state, ``y1`` stage 7's.
    """
    num = 0.0
    den = 0.0
    for i in range(y1.shape[0]):
        sk = 1.0 / (atol + rtol * abs(y1[i]))
        num += ((k7[i] - k6[i]) * sk) ** 2
        den += ((y1[i] - w[i]) * sk) ** 2
    if den > 0.0:
        return h * math.sqrt(num / den)
    return 0.0
