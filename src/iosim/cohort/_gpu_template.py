"""CUDA solver driver joined to each model's generated device ``rhs`` (see :mod:`iosim.cohort.gpu`).

Read as text like ``_template.py``: everything between the two ``STUBS`` markers is replaced
by the model's ``N_STATES`` and ``rhs`` device function, and the result is compiled by
numba-cuda. One CUDA thread integrates one patient with the CPU kernel's explicit pair, chosen
as there (``auto`` and ``tsit5``: Tsitouras 5(4); ``dopri5``: Dormand–Prince 5(4)): the same shared
numerics (:mod:`iosim.numerics`, compiled as device functions by
:func:`iosim.numerics.targets.on_cuda`: the stage algebra of :mod:`iosim.numerics.explicit` with the
pair's coefficient tuple, error norm, step-size control, dense output, threshold crossings, dose
segments) and the same driver logic: per-patient
adaptive steps, doses applied between segments (never stepped across), grid output from the
4th-order dense output, the extinction rule located by root finding on the interpolant,
extinct populations held at 0 while nothing feeds them, and a status code instead of an
exception. There is no stiff solver here (``auto`` never switches): a stiff patient runs at the
explicit pair's stability limit and may end with ``MAX_STEPS``.

Every per-patient work array is a ``cuda.local.array`` of the model's (compile-time) state
count, so once the device functions are inlined the compiler can unroll the loops over
states and keep small models' state in registers.
"""

import math

import numpy as np
from numba import cuda

from iosim.numerics import dense, explicit, segments, stepsize
from iosim.numerics.targets import on_cuda

ex = on_cuda(explicit)
dn = on_cuda(dense)
sg = on_cuda(segments)
ss = on_cuda(stepsize)

# STUBS: replaced by generated model functions --------------------------------------
N_STATES = 1


@cuda.jit(device=True)
def rhs(t, y, p, u, out):  # pragma: no cover - stub
    out[0] = u[0]


# STUBS END ------------------------------------------------------------------------

OK, MAX_STEPS, STEP_TOO_SMALL, NOT_FINITE = 0, 1, 2, 3
#: Order of both pairs' embedded error estimate (the step controller's exponent is -1/(ORDER + 1)).
ORDER = 4.0
#: Largest growth of the step after an accepted one (as the CPU kernel's explicit steps).
GROW = 10.0


@cuda.jit(device=True)
def _f(t, y, p, u, out, held, n_held):
    """The right-hand side with extinct populations held at 0 (their derivative forced to 0)."""
    rhs(t, y, p, u, out)
    if n_held > 0:
        for i in range(N_STATES):
            if held[i]:
                out[i] = 0.0


@cuda.jit(device=True)
def _hold(t, y, p, u, held, work):
    """Keep holding each extinct population that is still 0 and that nothing feeds; how many are held."""
    rhs(t, y, p, u, work)
    count = 0
    for i in range(N_STATES):
        held[i] = held[i] and y[i] == 0.0 and work[i] <= 0.0
        if held[i]:
            count += 1
    return count


@cuda.jit(device=True)
def _first_step(t, y, f0, p, u, rtol, atol, span, work, f1, held, n_held):
    """Hairer's starting step for an order-4 error estimate, with one evaluation of f."""
    h0, d1 = ss.initial_step_probe(y, f0, rtol, atol, span, work)
    _f(t + h0, work, p, u, f1, held, n_held)
    return ss.initial_step_finish(y, f0, f1, h0, d1, rtol, atol, ORDER, span)


@cuda.jit(device=True)
def _explicit_step(tb, t, h, y, p, u, k1, k2, k3, k4, k5, k6, k7, w, y1, err, held, n_held):
    """One attempt of the pair ``tb`` from (t, y) with slope k1: y1, k7 = f(t + h, y1) and the error estimate."""
    c2, c3, c4, c5 = ex.nodes(tb)
    ex.stage2(tb, y, h, k1, w)
    _f(t + c2 * h, w, p, u, k2, held, n_held)
    ex.stage3(tb, y, h, k1, k2, w)
    _f(t + c3 * h, w, p, u, k3, held, n_held)
    ex.stage4(tb, y, h, k1, k2, k3, w)
    _f(t + c4 * h, w, p, u, k4, held, n_held)
    ex.stage5(tb, y, h, k1, k2, k3, k4, w)
    _f(t + c5 * h, w, p, u, k5, held, n_held)
    ex.stage6(tb, y, h, k1, k2, k3, k4, k5, w)
    _f(t + h, w, p, u, k6, held, n_held)
    ex.solution(tb, y, h, k1, k2, k3, k4, k5, k6, y1)
    _f(t + h, y1, p, u, k7, held, n_held)
    ex.error_estimate(tb, h, k1, k2, k3, k4, k5, k6, k7, err)


@cuda.jit(device=True)
def _fill_nan(out, gi):
    while gi < out.shape[0]:
        for i in range(N_STATES):
            out[gi, i] = math.nan
        gi += 1


@cuda.jit(device=True)
def _segment(
    tb, p, y, u, t, b, last, first, grid, gi, thr, rtol, atol, max_steps, out, h, h_dose, steps, armed, held,
    k1, k2, k3, k4, k5, k6, k7, w, y1, err, r1, r2, r3, r4,
):  # fmt: skip
    """Integrate from t to the segment end b (no dose inside); returns (status, gi, h, h_dose, steps).

    ``tb``: the explicit pair's coefficients (:data:`iosim.numerics.explicit.TSIT5` or ``DOPRI5``).
    ``h_dose``: the step proposed after the previous segment's first accepted step (0: none),
    which caps the step carried into this one; this segment's replaces it.

    As the CPU kernel's ``_segment`` for non-stiff steps. The work vectors are separate local
    arrays (not rows of one): the compiler keeps separate small arrays in registers.
    """
    n_held = _hold(t, y, p, u, held, w)
    restart = True
    seg_steps = 0
    seg_accepted = 0
    h_prev_dose = h_dose
    while True:
        if restart:
            # Segment start or extinction restart: arm the threshold crossings, report y at t.
            sg.arm(y, thr, held, armed)
            gi = sg.record_at(grid, gi, t, b, last, y, out)
            if t >= b:
                break
            _f(t, y, p, u, k1, held, n_held)
            if h > 0.0:
                h = min(h, b - t)  # keep the step size across doses, as the CPU kernel does,
                if seg_steps == 0 and h_prev_dose > 0.0:  # capped by the last dose's first step's successor
                    h = min(h, h_prev_dose)
            else:
                h = _first_step(t, y, k1, p, u, rtol, atol, b - t, w, k2, held, n_held)
            restart = False
        if t >= b:
            break
        if steps >= max_steps:
            return MAX_STEPS, gi, h, h_dose, steps
        if h < 1e-14 * max(1.0, abs(t)) or not math.isfinite(h):
            return STEP_TOO_SMALL, gi, h, h_dose, steps
        hit_end = t + h >= b - 1e-12 * max(1.0, abs(b))
        h_free = h
        if hit_end:
            h = b - t
        steps += 1
        seg_steps += 1
        _explicit_step(tb, t, h, y, p, u, k1, k2, k3, k4, k5, k6, k7, w, y1, err, held, n_held)
        e = ss.error_norm(err, y, y1, rtol, atol)
        if not math.isfinite(e):
            h *= 0.2
            continue
        if e > 1.0:
            h = ss.shrink(h, e, False)
            continue
        # Accepted: dense output, then the earliest armed population crossing its threshold.
        tn = b if hit_end else t + h
        ex.dense_coefficients(tb, y, y1, h, k1, k2, k3, k4, k5, k6, k7, r1, r2, r3, r4)
        th_cross, i_cross = dn.first_crossing(dn.DOPRI, y, y1, h, r1, r2, r3, r4, thr, armed)
        t_stop = tn if i_cross < 0 else t + th_cross * h
        gi = sg.record_step(grid, gi, t, h, tn, t_stop, i_cross >= 0, b, last, dn.DOPRI, y, y1, r1, r2, r3, r4, out)
        if i_cross >= 0:
            for i in range(N_STATES):
                y[i] = dn.value(dn.DOPRI, th_cross, y, y1, h, r1, r2, r3, r4, i) if i != i_cross else 0.0
            # Only the population that just died is (re)considered, as in the reference engine.
            rhs(t_stop, y, p, u, w)
            held[i_cross] = w[i_cross] <= 0.0
            n_held = sg.count_held(held)
            t = t_stop
            restart = True
            continue
        ok = True
        for i in range(N_STATES):
            if not math.isfinite(y1[i]):
                ok = False
            y[i] = y1[i]
            k1[i] = k7[i]
        if not ok:
            return NOT_FINITE, gi, h, h_dose, steps
        t = tn
        h = ss.grow(h, e, False, GROW)
        if hit_end:
            h = max(h, h_free)  # a step cut short to land on a time says nothing against the free one
        seg_accepted += 1
        if seg_accepted == 1 and not first:
            h_dose = h
        if t >= b:
            gi = sg.record_at(grid, gi, b, b, last, y, out)
            break
    return OK, gi, h, h_dose, steps


@cuda.jit(device=True)
def _solve_one(
    tb, p, y0, scale, seg_t, jump_lo, jump_hi, jump_kind, jump_state, jump_value, seg_u, grid, thr,
    rtol, atol, max_steps, out,
):  # fmt: skip
    """Integrate one patient; fills ``out`` (n_times, n_states); returns (status, steps)."""
    y = cuda.local.array(N_STATES, np.float64)
    u = cuda.local.array(N_STATES, np.float64)
    k1 = cuda.local.array(N_STATES, np.float64)
    k2 = cuda.local.array(N_STATES, np.float64)
    k3 = cuda.local.array(N_STATES, np.float64)
    k4 = cuda.local.array(N_STATES, np.float64)
    k5 = cuda.local.array(N_STATES, np.float64)
    k6 = cuda.local.array(N_STATES, np.float64)
    k7 = cuda.local.array(N_STATES, np.float64)
    w = cuda.local.array(N_STATES, np.float64)
    y1 = cuda.local.array(N_STATES, np.float64)
    err = cuda.local.array(N_STATES, np.float64)
    r1 = cuda.local.array(N_STATES, np.float64)
    r2 = cuda.local.array(N_STATES, np.float64)
    r3 = cuda.local.array(N_STATES, np.float64)
    r4 = cuda.local.array(N_STATES, np.float64)
    armed = cuda.local.array(N_STATES, np.bool_)
    held = cuda.local.array(N_STATES, np.bool_)
    for i in range(N_STATES):
        y[i] = y0[i]
        armed[i] = False
        held[i] = False
    steps = 0
    gi = 0
    while gi < grid.shape[0] and grid[gi] < seg_t[0]:
        for i in range(N_STATES):
            out[gi, i] = math.nan
        gi += 1
    n_seg = seg_t.shape[0] - 1
    status = OK
    h = 0.0
    h_dose = 0.0
    for k in range(n_seg):
        sg.apply_doses(k, y, scale, jump_lo, jump_hi, jump_kind, jump_state, jump_value, seg_u, u)
        sg.extinguish(y, thr, held)
        status, gi, h, h_dose, steps = _segment(
            tb, p, y, u, seg_t[k], seg_t[k + 1], k == n_seg - 1, k == 0, grid, gi, thr, rtol, atol, max_steps, out,
            h, h_dose, steps, armed, held, k1, k2, k3, k4, k5, k6, k7, w, y1, err, r1, r2, r3, r4,
        )  # fmt: skip
        if status != OK:
            break
    _fill_nan(out, gi)  # after a failure: NaN from there on
    return status, steps


@cuda.jit
def solve_kernel(
    P, Y0, scale, seg_t, jump_lo, jump_hi, jump_kind, jump_state, jump_value, seg_u, grid, thr,
    rtol, atol, max_steps, out, status, steps, tb,
):  # fmt: skip
    """One thread per patient (row of ``P``); ``tb``: the explicit pair (``explicit.TSIT5`` or ``DOPRI5``)."""
    ip = cuda.grid(1)
    if ip < P.shape[0]:
        st, ns = _solve_one(
            tb, P[ip], Y0[ip], scale[ip], seg_t, jump_lo, jump_hi, jump_kind, jump_state, jump_value, seg_u, grid, thr,
            rtol, atol, max_steps, out[ip],
        )  # fmt: skip
        status[ip] = st
        steps[ip] = ns
