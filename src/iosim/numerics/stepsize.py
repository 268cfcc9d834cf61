"""Error norm, first-step selection and step-size control of the embedded Runge–Kutta pairs.

Hairer, Nørsett & Wanner (1993), Solving ODEs I, II.4: the weighted RMS norm (eq. 4.11),
the starting step (p. 169, algorithm as in dopri5.f's ``hinit``) and the controller
``h_new = h min(fac_max, max(fac_min, 0.9 err^(-1/(q+1))))`` (eq. 4.13).
Plain numba functions of arrays: the first step needs one right-hand side evaluation, which
the kernel does between :func:`initial_step_probe` and :func:`initial_step_finish`.
"""

import math

from iosim.numerics.flags import kernel

#: Safety factor and the bounds of one step-size change (Hairer et al. 1993, eq. 4.13; dopri5.f).
SAFETY = 0.9
FAC_MIN = 0.2


@kernel
def error_norm(err, y0, y1, rtol, atol):
    """sqrt(mean((err_i / (atol + rtol max(|y0_i|, |y1_i|)))^2)): accept the step when <= 1."""
    s = 0.0
    for i in range(err.shape[0]):
        sk = atol + rtol * max(abs(y0[i]), abs(y1[i]))
        s += (err[i] / sk) ** 2
    return math.sqrt(s / err.shape[0])


@kernel
def initial_step_probe(y, f0, rtol, atol, span, work):
    """First guess ``h0`` of the starting step, and ``work = y + h0 f0`` to evaluate f at; returns (h0, d1)."""
    n = y.shape[0]
    d0 = 0.0
    d1 = 0.0
    for i in range(n):
        sk = atol + rtol * abs(y[i])
        d0 += (y[i] / sk) ** 2
        d1 += (f0[i] / sk) ** 2
    d0 = math.sqrt(d0 / n)
    d1 = math.sqrt(d1 / n)
    h0 = 1e-6 if (d0 < 1e-5 or d1 < 1e-5) else 0.01 * d0 / d1
    h0 = min(h0, span)
    for i in range(n):
        work[i] = y[i] + h0 * f0[i]
    return h0, d1


@kernel
def initial_step_finish(y, f0, f1, h0, d1, rtol, atol, order, span):
    """The starting step from the slope change ``f1 = f(t + h0, y + h0 f0)`` (order: of the error estimate)."""
    n = y.shape[0]
    d2 = 0.0
    for i in range(n):
        sk = atol + rtol * abs(y[i])
        d2 += ((f1[i] - f0[i]) / sk) ** 2
    d2 = math.sqrt(d2 / n) / h0
    if not math.isfinite(d2):
        return h0 * 1e-3
    if max(d1, d2) <= 1e-15:
        h1 = max(1e-6, h0 * 1e-3)
    else:
        h1 = (0.01 / max(d1, d2)) ** (1.0 / (order + 1.0))
    return min(100.0 * h0, min(h1, span))


@kernel
def inv_root(e, order3):
    """e**(-1/(q+1)) for the controller: q = 3 (Rosenbrock's embedded order, no pow call) or 4."""
    if order3:
        return 1.0 / math.sqrt(math.sqrt(e))
    return e**-0.2


@kernel
def shrink(h, e, order3):
    """The smaller step to retry a rejected one with (error norm ``e`` > 1)."""
    return h * max(FAC_MIN, SAFETY * inv_root(e, order3))


@kernel
def grow(h, e, order3, fac_max):
    """The next step after an accepted one (``fac_max``: the largest growth allowed)."""
    fac = SAFETY * inv_root(e, order3) if e > 0.0 else 10.0
    return h * min(fac_max, max(FAC_MIN, fac))
