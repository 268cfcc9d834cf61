"""Model-independent pieces of the stochastic kernels, compiled once and cached with the package.

The per-model kernels (generated from :mod:`iosim.stochastic._template`) import these, so a
new model compiles only the engines that call its own rate functions.

Random numbers: xoshiro256** (Blackman & Vigna 2018), one 4-word state per replicate.
Poisson deviates: inversion below a mean of 10, Hörmann's (1993) PTRS transformed rejection above.
"""

import math

import numpy as np
from numba import njit

_U64 = np.uint64


@njit(cache=True, nogil=True, inline="always")
def _rotl(x, k):
    return (x << k) | (x >> (_U64(64) - k))


@njit(cache=True, nogil=True)
def _next(s):
    s0, s1, s2, s3 = s[0], s[1], s[2], s[3]
    result = _rotl(s1 * _U64(5), _U64(7)) * _U64(9)
    t = s1 << _U64(17)
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = _rotl(s3, _U64(45))
    s[0], s[1], s[2], s[3] = s0, s1, s2, s3
    return result


@njit(cache=True, nogil=True)
def _uniform(s):
    """A double in the open interval (0, 1)."""
    return (float(_next(s) >> _U64(11)) + 0.5) * (1.0 / 9007199254740992.0)


@njit(cache=True, nogil=True)
def _exponential(s):
    return -math.log(_uniform(s))


@njit(cache=True, nogil=True)
def _poisson(s, lam):
    """Poisson deviate: inversion below 10, Hörmann's (1993) PTRS transformed rejection above."""
    if lam <= 0.0:
        return 0.0
    if lam < 10.0:
        u = _uniform(s)
        k = 0.0
        prob = math.exp(-lam)
        cum = prob
        while u > cum and k < 1000.0:
            k += 1.0
            prob *= lam / k
            cum += prob
        return k
    slam = math.sqrt(lam)
    loglam = math.log(lam)
    b = 0.931 + 2.53 * slam
    a = -0.059 + 0.02483 * b
    invalpha = 1.1239 + 1.1328 / (b - 3.4)
    vr = 0.9277 - 3.6224 / (b - 2.0)
    while True:
        u = _uniform(s) - 0.5
        v = _uniform(s)
        us = 0.5 - abs(u)
        k = math.floor((2.0 * a / us + b) * u + lam + 0.43)
        if us >= 0.07 and v <= vr:
            return k
        if k < 0.0 or (us < 0.013 and v > us):
            continue
        if math.log(v) + math.log(invalpha) - math.log(a / (us * us) + b) <= -lam + k * loglam - math.lgamma(k + 1.0):
            return k


@njit(cache=True, nogil=True)
def _record(grid, gi, limit, inclusive, y, out):
    """Write ``y`` at every output time before ``limit`` (or at it, when ``inclusive``)."""
    ng = grid.shape[0]
    while gi < ng and (grid[gi] < limit or (inclusive and grid[gi] <= limit)):
        out[gi, :] = y
        gi += 1
    return gi


@njit(cache=True, nogil=True)
def _jumps(k, jlo, jhi, jkind, jstate, jval, y, stoch):
    """Boluses (kind 0) and set-events (kind 1) of segment ``k``; whole units for stochastic states."""
    for q in range(jlo[k], jhi[k]):
        i = jstate[q]
        v = jval[q]
        if stoch[i]:
            v = math.floor(v + 0.5)
        if jkind[q] == 0:
            y[i] += v
        else:
            y[i] = v


@njit(cache=True, nogil=True)
def _track(t, y, alive, ext, passage, escape):
    """Extinction time (last drop to 0 while still 0) and first passage above ``escape``."""
    for i in range(y.shape[0]):
        if y[i] > 0.0:
            alive[i] = True
            ext[i] = np.nan
            if y[i] >= escape[i] and math.isnan(passage[i]):
                passage[i] = t
        elif alive[i]:
            alive[i] = False
            ext[i] = t


@njit(cache=True, nogil=True)
def _fire(s, a, a0, u, stoch, V, y):
    """Pick one event with probability proportional to its rate (reactions, then infusions) and apply it."""
    target = _uniform(s) * a0
    nr, n = V.shape
    cum = 0.0
    for j in range(nr):
        cum += a[j]
        if target < cum and a[j] > 0.0:
            for i in range(n):
                y[i] += V[j, i]
            return
    for i in range(n):
        if stoch[i] and u[i] > 0.0:
            cum += u[i]
            if target < cum:
                y[i] += 1.0
                return
    # Rounding left the target past the last event: fire the last one with a positive rate.
    for i in range(n - 1, -1, -1):
        if stoch[i] and u[i] > 0.0:
            y[i] += 1.0
            return
    for j in range(nr - 1, -1, -1):
        if a[j] > 0.0:
            for i in range(n):
                y[i] += V[j, i]
            return


@njit(cache=True, nogil=True)
def _infusion_total(u, stoch):
    total = 0.0
    for i in range(u.shape[0]):
        if stoch[i]:
            total += u[i]
    return total


@njit(cache=True, nogil=True)
def _partition(y, fixed, hi, lo, stoch, s, V, stoch_r, nonneg, thresholds):
    """Move populations between the stochastic and continuous sets; True when the set changed."""
    n = y.shape[0]
    changed = False
    for i in range(n):
        if fixed[i]:
            if nonneg[i] and y[i] < 0.0:
                y[i] = 0.0
            if y[i] > 0.0 and y[i] < thresholds[i]:
                y[i] = 0.0  # the extinction rule of the deterministic engine
            continue
        if stoch[i] and y[i] > hi:
            stoch[i] = False
            changed = True
        elif not stoch[i] and y[i] < lo:
            whole = math.floor(max(y[i], 0.0))
            y[i] = whole + (1.0 if _uniform(s) < max(y[i], 0.0) - whole else 0.0)  # unbiased rounding
            stoch[i] = True
            changed = True
    if changed:
        nr = V.shape[0]
        for j in range(nr):
            stoch_r[j] = False
            for i in range(n):
                if V[j, i] != 0.0 and stoch[i]:
                    stoch_r[j] = True
                    break
    return changed


@njit(cache=True, nogil=True)
def _start(r, y0, seeds, ext, passage):
    for i in range(y0.shape[0]):
        ext[r, i] = np.nan
        passage[r, i] = np.nan
    return seeds[r].copy(), y0.copy()


@njit(cache=True, nogil=True)
def _finish(r, code, ne, gi, out, status, events):
    status[r] = code
    events[r] = ne
    for g in range(gi, out.shape[1]):
        out[r, g, :] = np.nan
