"""Stochastic kernels joined to each model's generated functions (see :mod:`iosim.stochastic._codegen`).

This file is read as text: everything between the two ``STUBS`` markers is replaced by the
generated ``rates``/``eqs`` of one model and the result is written to the kernel cache and
compiled by numba. It stays valid Python so that it can be linted.

One replicate at a time, each with its own random stream (xoshiro256**, seeded from a
``numpy.random.SeedSequence`` child), so replicate ``r`` gives the same path whatever the
chunking or the number of threads. Three engines share the bookkeeping:

* ``_ssa``: Gillespie's direct method;
* ``_tau``: tau-leaping with the step selection of Cao, Gillespie & Petzold (2006), critical
  reactions, and SSA steps when a leap would fire fewer than ~10 reactions;
* ``_hybrid``: continuous states integrated by Dormand-Prince 5(4) (the shared stage algebra of
  :mod:`iosim.numerics.explicit`, run with its ``DOPRI5`` tableau) with error control while
  the stochastic reactions fire with their integrated propensity, with a dynamic partition.

Each returns a status code instead of raising (a failed replicate is data).
"""

import math

import numpy as np
from numba import njit

from iosim.numerics import explicit
from iosim.numerics.targets import exact_cpu
from iosim.stochastic._kernels import (
    _exponential,
    _finish,
    _fire,
    _infusion_total,
    _jumps,
    _partition,
    _poisson,
    _record,
    _start,
    _track,
    _uniform,
)

ex = exact_cpu(explicit)  # the shared stage algebra, compiled with this kernel's flags (no fastmath)
#: Dormand–Prince's pair (a compile-time constant): its zero weights add exact zeros without fastmath,
#: so the trajectories are those of the engine's former own Dormand–Prince code, bit for bit.
DP = explicit.DOPRI5

# STUBS: replaced by generated model functions --------------------------------------


@njit(cache=True, nogil=True, error_model="numpy")
def rates(t, y, p, a):  # pragma: no cover - stub
    a[:] = 0.0


@njit(cache=True, nogil=True, error_model="numpy")
def eqs(t, y, p, out):  # pragma: no cover - stub
    out[:] = 0.0


# STUBS END ------------------------------------------------------------------------

OK, MAX_STEPS, BAD_RATE, TAU_STUCK = 0, 1, 2, 3
SSA, TAU, HYBRID = 0, 1, 2


# -- shared bookkeeping -------------------------------------------------------------
@njit(cache=True, nogil=True)
def _propensities(t, y, p, V, stoch_r, stoch, a):
    """Rates of the reactions in ``stoch_r``; others 0. NaN when a rate is negative or not finite.

    A reaction that would take a stochastic population below 0 cannot fire (rate 0).
    """
    rates(t, y, p, a)
    nr, n = V.shape
    total = 0.0
    for j in range(nr):
        aj = a[j]
        if not (aj >= 0.0) or aj == np.inf:
            return np.nan
        if not stoch_r[j]:
            a[j] = 0.0
            continue
        for i in range(n):
            if V[j, i] < 0.0 and stoch[i] and y[i] + V[j, i] < 0.0:
                aj = 0.0
                break
        a[j] = aj
        total += aj
    return total


# -- exact SSA ----------------------------------------------------------------------
@njit(cache=True, nogil=True, error_model="numpy")
def _ssa(grid, seg_t, jlo, jhi, jkind, jstate, jval, seg_u, y, p, V, escape, s, max_steps, out, ext, passage):
    nr, n = V.shape
    a = np.empty(nr)
    stoch = np.ones(n, dtype=np.bool_)
    stoch_r = np.ones(nr, dtype=np.bool_)
    alive = y > 0.0
    gi = 0
    events = 0
    nseg = seg_t.shape[0] - 1
    for k in range(nseg):
        t = seg_t[k]
        b = seg_t[k + 1]
        last = k == nseg - 1
        _jumps(k, jlo, jhi, jkind, jstate, jval, y, stoch)
        _track(t, y, alive, ext, passage, escape)
        u = seg_u[k]
        ui = _infusion_total(u, stoch)
        while True:
            a0 = _propensities(t, y, p, V, stoch_r, stoch, a)
            if math.isnan(a0):
                return BAD_RATE, events, gi
            a0 += ui
            tnext = t + _exponential(s) / a0 if a0 > 0.0 else np.inf
            if tnext >= b:
                gi = _record(grid, gi, b, last, y, out)
                break
            gi = _record(grid, gi, tnext, False, y, out)
            t = tnext
            _fire(s, a, a0, u, stoch, V, y)
            _track(t, y, alive, ext, passage, escape)
            events += 1
            if events >= max_steps:
                return MAX_STEPS, events, gi
    return OK, events, gi


# -- tau-leaping --------------------------------------------------------------------
@njit(cache=True, nogil=True, error_model="numpy")
def _tau(
    grid, seg_t, jlo, jhi, jkind, jstate, jval, seg_u, y, p, V, order, escape, s, max_steps, eps, n_crit, n_ssa,
    out, ext, passage,
):  # fmt: skip
    nr, n = V.shape
    a = np.empty(nr)
    crit = np.zeros(nr, dtype=np.bool_)
    mu = np.empty(n)
    sig = np.empty(n)
    ynew = np.empty(n)
    stoch = np.ones(n, dtype=np.bool_)
    stoch_r = np.ones(nr, dtype=np.bool_)
    alive = y > 0.0
    gi = 0
    events = 0
    steps = 0
    nseg = seg_t.shape[0] - 1
    ng = grid.shape[0]
    for k in range(nseg):
        t = seg_t[k]
        b = seg_t[k + 1]
        last = k == nseg - 1
        _jumps(k, jlo, jhi, jkind, jstate, jval, y, stoch)
        _track(t, y, alive, ext, passage, escape)
        u = seg_u[k]
        ui = _infusion_total(u, stoch)
        while True:
            gi = _record(grid, gi, t, last or t < b, y, out)
            if t >= b:
                break
            horizon = b if gi >= ng else min(grid[gi], b)
            a0 = _propensities(t, y, p, V, stoch_r, stoch, a)
            if math.isnan(a0):
                return BAD_RATE, events, gi
            if a0 + ui <= 0.0:
                t = horizon
                continue
            # Critical reactions: fewer than n_crit firings would exhaust a reactant.
            for j in range(nr):
                crit[j] = False
                if a[j] > 0.0:
                    for i in range(n):
                        if V[j, i] < 0.0 and math.floor(y[i] / -V[j, i]) < n_crit:
                            crit[j] = True
                            break
            # tau' from the bounded relative change of each population (CGP 2006, eq. 33).
            for i in range(n):
                mu[i] = u[i]
                sig[i] = u[i]
            for j in range(nr):
                if a[j] > 0.0 and not crit[j]:
                    for i in range(n):
                        v = V[j, i]
                        if v != 0.0:
                            mu[i] += v * a[j]
                            sig[i] += v * v * a[j]
            tau1 = np.inf
            for i in range(n):
                bound = max(eps * y[i] / order[i], 1.0)
                if mu[i] != 0.0:
                    tau1 = min(tau1, bound / abs(mu[i]))
                if sig[i] > 0.0:
                    tau1 = min(tau1, bound * bound / sig[i])
            if tau1 < 10.0 / (a0 + ui):
                # A leap would fire only a few reactions: exact steps are cheaper and exact.
                for _ in range(n_ssa):
                    a0 = _propensities(t, y, p, V, stoch_r, stoch, a)
                    if math.isnan(a0):
                        return BAD_RATE, events, gi
                    a0 += ui
                    tnext = t + _exponential(s) / a0 if a0 > 0.0 else np.inf
                    if tnext >= horizon:
                        t = horizon
                        break
                    gi = _record(grid, gi, tnext, False, y, out)
                    t = tnext
                    _fire(s, a, a0, u, stoch, V, y)
                    _track(t, y, alive, ext, passage, escape)
                    events += 1
                    steps += 1
                if steps >= max_steps:
                    return MAX_STEPS, events, gi
                continue
            a0c = 0.0
            for j in range(nr):
                if crit[j]:
                    a0c += a[j]
            tries = 0
            while True:
                tries += 1
                if tries > 60:
                    return TAU_STUCK, events, gi
                tau2 = _exponential(s) / a0c if a0c > 0.0 else np.inf
                fire_crit = tau2 < tau1
                tau = min(tau1, tau2)
                if tau >= horizon - t:
                    tau = horizon - t
                    fire_crit = False
                fired = 0.0
                for i in range(n):
                    ynew[i] = y[i] + _poisson(s, u[i] * tau)
                for j in range(nr):
                    if a[j] > 0.0 and not crit[j]:
                        kj = _poisson(s, a[j] * tau)
                        fired += kj
                        if kj > 0.0:
                            for i in range(n):
                                ynew[i] += kj * V[j, i]
                if fire_crit:
                    target = _uniform(s) * a0c
                    cum = 0.0
                    for j in range(nr):
                        if crit[j]:
                            cum += a[j]
                            if target < cum:
                                for i in range(n):
                                    ynew[i] += V[j, i]
                                break
                    fired += 1.0
                ok = True
                for i in range(n):
                    if ynew[i] < 0.0:
                        ok = False
                        break
                if ok:
                    break
                tau1 = tau / 2.0  # a population would go negative: halve the leap and redraw
            t = t + tau
            for i in range(n):
                y[i] = ynew[i]
            _track(t, y, alive, ext, passage, escape)
            events += int(fired)
            steps += 1
            if steps >= max_steps:
                return MAX_STEPS, events, gi
    return OK, events, gi


# -- hybrid: continuous states by Dormand-Prince 5(4), stochastic reactions by integrated propensity --
# The Dormand–Prince stages, solution and error estimate are the shared ones (iosim.numerics.explicit,
# the same code as the cohort engines'), compiled without fastmath like the rest of this kernel; the error
# norm is this engine's own (the largest weighted error over the continuous states only).
RTOL, ATOL = 1e-6, 1e-9


@njit(cache=True, nogil=True, error_model="numpy")
def _field(t, y, p, V, u, stoch, stoch_r, a, e, dy):
    """Drift of the continuous states and the total stochastic propensity at (t, y); NaN on a bad rate."""
    rates(t, y, p, a)
    eqs(t, y, p, e)
    nr, n = V.shape
    for i in range(n):
        dy[i] = 0.0 if stoch[i] else e[i] + u[i]
    total = 0.0
    for j in range(nr):
        aj = a[j]
        if not (aj >= 0.0) or aj == np.inf:
            return np.nan
        if stoch_r[j]:
            for i in range(n):
                if V[j, i] < 0.0 and stoch[i] and y[i] + V[j, i] < 0.0:
                    aj = 0.0
                    break
            total += aj
        elif aj > 0.0:
            for i in range(n):
                if V[j, i] != 0.0 and not stoch[i]:
                    dy[i] += V[j, i] * aj
    for i in range(n):
        if stoch[i]:
            total += u[i]
    return total


@njit(cache=True, nogil=True, error_model="numpy")
def _dopri(t, h, y, p, V, u, stoch, stoch_r, a, e, K, yt, yout, err):
    """One Dormand-Prince step of the continuous states (stochastic ones have zero drift).

    Returns the integrated stochastic propensity over the step (the 5th-order weights applied
    to the stages' propensities) and the weighted error norm (NaN when a rate went bad on the
    way, which the caller treats as a rejected step).
    """
    c2, c3, c4, c5 = ex.nodes(DP)
    l1 = _field(t, y, p, V, u, stoch, stoch_r, a, e, K[0])
    ex.stage2(DP, y, h, K[0], yt)
    l2 = _field(t + c2 * h, yt, p, V, u, stoch, stoch_r, a, e, K[1])
    ex.stage3(DP, y, h, K[0], K[1], yt)
    l3 = _field(t + c3 * h, yt, p, V, u, stoch, stoch_r, a, e, K[2])
    ex.stage4(DP, y, h, K[0], K[1], K[2], yt)
    l4 = _field(t + c4 * h, yt, p, V, u, stoch, stoch_r, a, e, K[3])
    ex.stage5(DP, y, h, K[0], K[1], K[2], K[3], yt)
    l5 = _field(t + c5 * h, yt, p, V, u, stoch, stoch_r, a, e, K[4])
    ex.stage6(DP, y, h, K[0], K[1], K[2], K[3], K[4], yt)
    l6 = _field(t + h, yt, p, V, u, stoch, stoch_r, a, e, K[5])
    ex.solution(DP, y, h, K[0], K[1], K[2], K[3], K[4], K[5], yout)
    l7 = _field(t + h, yout, p, V, u, stoch, stoch_r, a, e, K[6])
    dl = ex.quadrature(DP, h, l1, l2, l3, l4, l5, l6)
    if math.isnan(dl) or math.isnan(l2) or math.isnan(l7):
        return np.nan, np.nan
    ex.error_estimate(DP, h, K[0], K[1], K[2], K[3], K[4], K[5], K[6], err)
    norm = 0.0
    for i in range(y.shape[0]):
        if not stoch[i]:
            norm = max(norm, abs(err[i]) / (ATOL + RTOL * max(abs(y[i]), abs(yout[i]))))
    return dl, norm


@njit(cache=True, nogil=True, error_model="numpy")
def _hybrid(
    grid, seg_t, jlo, jhi, jkind, jstate, jval, seg_u, y, p, V, fixed, nonneg, thresholds, escape, s, max_steps,
    hi, lo, max_step, out, ext, passage,
):  # fmt: skip
    nr, n = V.shape
    a = np.empty(nr)
    e = np.empty(n)
    K = np.zeros((7, n))
    yt = np.empty(n)
    ynew = np.empty(n)
    err = np.empty(n)
    stoch = np.empty(n, dtype=np.bool_)
    for i in range(n):
        stoch[i] = (not fixed[i]) and y[i] <= hi
        if stoch[i]:
            y[i] = math.floor(y[i] + 0.5)
    stoch_r = np.zeros(nr, dtype=np.bool_)
    for j in range(nr):
        for i in range(n):
            if V[j, i] != 0.0 and stoch[i]:
                stoch_r[j] = True
    alive = y > 0.0
    gi = 0
    events = 0
    steps = 0
    nseg = seg_t.shape[0] - 1
    ng = grid.shape[0]
    h_next = max_step
    for k in range(nseg):
        t = seg_t[k]
        b = seg_t[k + 1]
        last = k == nseg - 1
        _jumps(k, jlo, jhi, jkind, jstate, jval, y, stoch)
        _partition(y, fixed, hi, lo, stoch, s, V, stoch_r, nonneg, thresholds)
        _track(t, y, alive, ext, passage, escape)
        u = seg_u[k]
        lam = 0.0
        xi = _exponential(s)
        while True:
            gi = _record(grid, gi, t, last or t < b, y, out)
            if t >= b:
                break
            steps += 1
            if steps >= max_steps:
                return MAX_STEPS, events, gi
            horizon = b if gi >= ng else min(grid[gi], b)
            h = min(h_next, max_step, horizon - t)
            dl, enorm = _dopri(t, h, y, p, V, u, stoch, stoch_r, a, e, K, yt, ynew, err)
            if not (enorm <= 1.0):
                # Rejected (too large an error, or a rate went negative in an overshoot): shrink.
                h_next = h * (0.25 if math.isnan(enorm) else max(0.1, 0.9 * enorm**-0.2))
                if h_next < 1e-12 * max(1.0, abs(t)):
                    return BAD_RATE, events, gi
                continue
            h_next = h * (5.0 if enorm == 0.0 else min(5.0, 0.9 * enorm**-0.2))
            fire = lam + dl >= xi
            if fire:
                # Shorten the step so that the integrated propensity reaches the threshold.
                h = h * (xi - lam) / dl
                _dopri(t, h, y, p, V, u, stoch, stoch_r, a, e, K, yt, ynew, err)
            t = t + h if h < horizon - t else horizon
            for i in range(n):
                y[i] = ynew[i]
            lam += dl
            if fire:
                a0 = _propensities(t, y, p, V, stoch_r, stoch, a)
                if math.isnan(a0):
                    return BAD_RATE, events, gi
                a0 += _infusion_total(u, stoch)
                if a0 > 0.0:
                    _fire(s, a, a0, u, stoch, V, y)
                    events += 1
                lam = 0.0
                xi = _exponential(s)
            if _partition(y, fixed, hi, lo, stoch, s, V, stoch_r, nonneg, thresholds):
                lam = 0.0  # a new set of stochastic reactions: restart the (memoryless) clock
                xi = _exponential(s)
            _track(t, y, alive, ext, passage, escape)
    return OK, events, gi


# -- drivers: one per engine, so that a run compiles only the engine it uses --------
@njit(cache=True, nogil=True, error_model="numpy")
def run_ssa(grid, sched, y0, p, V, escape, seeds, max_steps, out, ext, passage, status, events):
    """Every replicate of one chunk by the direct method; ``seeds[r]`` is replicate r's stream state."""
    seg_t, jlo, jhi, jkind, jstate, jval, seg_u = sched
    for r in range(seeds.shape[0]):
        s, y = _start(r, y0, seeds, ext, passage)
        for i in range(y.shape[0]):
            y[i] = math.floor(y[i] + 0.5)  # stochastic states hold whole units
        code, ne, gi = _ssa(
            grid,
            seg_t,
            jlo,
            jhi,
            jkind,
            jstate,
            jval,
            seg_u,
            y,
            p,
            V,
            escape,
            s,
            max_steps,
            out[r],
            ext[r],
            passage[r],
        )
        _finish(r, code, ne, gi, out, status, events)


@njit(cache=True, nogil=True, error_model="numpy")
def run_tau(grid, sched, y0, p, V, order, escape, seeds, max_steps, opts, out, ext, passage, status, events):
    seg_t, jlo, jhi, jkind, jstate, jval, seg_u = sched
    for r in range(seeds.shape[0]):
        s, y = _start(r, y0, seeds, ext, passage)
        for i in range(y.shape[0]):
            y[i] = math.floor(y[i] + 0.5)
        code, ne, gi = _tau(
            grid,
            seg_t,
            jlo,
            jhi,
            jkind,
            jstate,
            jval,
            seg_u,
            y,
            p,
            V,
            order,
            escape,
            s,
            max_steps,
            opts[0],
            opts[1],
            int(opts[2]),
            out[r],
            ext[r],
            passage[r],
        )
        _finish(r, code, ne, gi, out, status, events)


@njit(cache=True, nogil=True, error_model="numpy")
def run_hybrid(
    grid, sched, y0, p, V, fixed, nonneg, thresholds, escape, seeds, max_steps, opts, out, ext, passage, status, events
):
    seg_t, jlo, jhi, jkind, jstate, jval, seg_u = sched
    for r in range(seeds.shape[0]):
        s, y = _start(r, y0, seeds, ext, passage)
        code, ne, gi = _hybrid(
            grid,
            seg_t,
            jlo,
            jhi,
            jkind,
            jstate,
            jval,
            seg_u,
            y,
            p,
            V,
            fixed,
            nonneg,
            thresholds,
            escape,
            s,
            max_steps,
            opts[3],
            opts[4],
            opts[5],
            out[r],
            ext[r],
            passage[r],
        )
        _finish(r, code, ne, gi, out, status, events)
