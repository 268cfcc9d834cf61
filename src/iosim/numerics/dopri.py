"""Dormand–Prince 5(4): the tableau and Hairer's stiffness test.

The stage algebra (stage states, solution, error estimate, dense output) is written once, for
both explicit pairs, in :mod:`iosim.numerics.explicit`, which builds its ``DOPRI5`` coefficient
tuple from these constants; every engine (the CPU and GPU cohort kernels, the hybrid stochastic
engine) runs that code.

Stage ``s`` of a step of size ``h`` from ``(t, y)`` evaluates ``f(t + C_s h, w)`` with
``w = y + h sum_j A_sj k_j``; the 5th-order solution is stage 7's state (FSAL: its slope is the
next step's first), ``err = h sum_j E_j k_j`` is the difference to the embedded 4th-order one,
and ``h sum_j D_j k_j`` is the last coefficient of the 4th-order continuous extension (dopri5.f's
``rcont5``).

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
