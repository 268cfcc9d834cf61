"""Rodas4P2: the tableau, its dense output, and the check of that dense output against Hermite's.

Steinebach G. (2020), Improvement of Rosenbrock-Wanner method RODASP, in Progress in
Differential-Algebraic Equations II, 165-184 — a Rodas4-type method (Hairer & Wanner 1996,
VI.4) free of order reduction on Prothero-Robinson-type stiff problems. Transformed form:
stage weights ``RA``, stage couplings ``RCC``, stage times ``RCT``, time-derivative weights
``RDD`` (values as tabulated in OrdinaryDiffEq.jl's Rosenbrock tableaus). The stages solve
with ``W = I/(h GAMMA) - J``, which needs the model's Jacobian: the stage loop is in the kernel.
"""

import numpy as np

from iosim.numerics.flags import kernel

GAMMA = 0.25
RA = np.array([
    [0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
    [3.0, 0.0, 0.0, 0.0, 0.0, 0.0],
    [0.906377755268814, -0.189707390391685, 0.0, 0.0, 0.0, 0.0],
    [3.758617027739064, 1.161741776019525, -0.849258085312803, 0.0, 0.0, 0.0],
    [7.089566927282776, 4.573591406461604, -8.423496976860259, -0.959280113459775, 0.0, 0.0],
    [7.089566927282776, 4.573591406461604, -8.423496976860259, -0.959280113459775, 1.0, 0.0],
])  # fmt: skip
RCC = np.array([
    [0.0, 0.0, 0.0, 0.0, 0.0],
    [-12.0, 0.0, 0.0, 0.0, 0.0],
    [-6.354581592719008, 0.338972550544623, 0.0, 0.0, 0.0],
    [-8.575016317114033, -7.606483992117508, 12.22499765012482, 0.0, 0.0],
    [-5.888975457523102, -8.157396617841821, 24.805546872612922, 12.790401512796979, 0.0],
    [-4.408651676063871, -6.692003137674639, 24.625568527593117, 16.627521966636085, -5.714285714285718],
])  # fmt: skip
RCT = np.array([0.0, 0.75, 0.321448134013046, 0.519745732277726, 1.0, 1.0])
RDD = np.array([0.25, -0.5, -0.189532918363016, 0.085612108792769, 0.0, 0.0])
# Dense output (same sources): y(th) = (1 - th) y0 + th (y1 + (1 - th) (r1 + th r2)),
# r1 = sum_j RH1_j k_j, r2 = sum_j RH2_j k_j over the first five stages.
RH1 = np.array([-5.323528268423303, -10.042123754867493, 17.175254928256965, -5.079931171878093, -0.016185991706112])
RH2 = np.array([6.984505741529879, 6.914061169603662, -0.849178943070653, 18.104410789349338, -3.516963011559032])
#: Order of the embedded error estimate.
ORDER = 3.0


@kernel
def dense_check(y, y1, h, kr, f0, f1, r1, r2, rtol, atol):
    """Rodas4P2's dense coefficients into ``r1``, ``r2``; the mid-step gap to the cubic Hermite interpolant.

    Returns the sum over states of the squared gap in units of the tolerance (``f0``, ``f1``:
    the slopes at the step's ends). Each interpolant has its weakness on stiff components
    (Rodas' on stiff non-autonomous problems, where its error does not shrink with the
    tolerance; Hermite's end slope f(y1) amplifies the error of y1 by h L), so where they
    agree within the tolerance the step is trusted.
    """
    chk = 0.0
    for i in range(y.shape[0]):
        acc1 = 0.0
        acc2 = 0.0
        for j in range(5):
            acc1 += RH1[j] * kr[j, i]
            acc2 += RH2[j] * kr[j, i]
        r1[i] = acc1
        r2[i] = acc2
        mid_r = 0.5 * y[i] + 0.5 * (y1[i] + 0.5 * (acc1 + 0.5 * acc2))
        mid_h = 0.5 * (y[i] + y1[i]) + 0.125 * h * (f0[i] - f1[i])
        chk += ((mid_r - mid_h) / (atol + rtol * max(abs(y[i]), abs(y1[i])))) ** 2
    return chk
