"""CUDA solver kernel joined to each model's generated device ``rhs`` (see :mod:`iosim.cohort.gpu`).

Read as text like ``_template.py``: everything between the two ``STUBS`` markers is replaced
by the model's ``N_STATES`` and ``rhs`` device function, and the result is compiled by
numba-cuda. One CUDA thread integrates one patient with the same Dormand–Prince 5(4) driver
as the CPU kernel's ``dopri5`` method: per-patient adaptive steps, doses applied between
segments (never stepped across), grid output from the 4th-order dense output, the
extinction rule located by root finding on the interpolant, extinct populations held at 0
while nothing feeds them, and a status code instead of an exception. There is no stiff
solver here: a stiff patient runs at Dormand–Prince's stability limit and may end with
``MAX_STEPS``.

Every per-patient work array is a ``cuda.local.array`` of the model's (compile-time) state
count, and every loop over states runs to that constant, so the compiler can unroll them
and keep small models' state in registers.
"""

import math

import numpy as np
from numba import cuda

# STUBS: replaced by generated model functions --------------------------------------
N_STATES = 1


@cuda.jit(device=True)
def rhs(t, y, p, u, out):  # pragma: no cover - stub
    out[0] = u[0]


# STUBS END ------------------------------------------------------------------------

OK, MAX_STEPS, STEP_TOO_SMALL, NOT_FINITE = 0, 1, 2, 3

# Dormand & Prince (1980) coefficients; dense output from Hairer, Nørsett & Wanner (1993), dopri5.f
# (the same tableau as the CPU kernel in _template.py).
A21 = 1.0 / 5.0
A31, A32 = 3.0 / 40.0, 9.0 / 40.0
A41, A42, A43 = 44.0 / 45.0, -56.0 / 15.0, 32.0 / 9.0
A51, A52, A53, A54 = 19372.0 / 6561.0, -25360.0 / 2187.0, 64448.0 / 6561.0, -212.0 / 729.0
A61, A62, A63, A64, A65 = 9017.0 / 3168.0, -355.0 / 33.0, 46732.0 / 5247.0, 49.0 / 176.0, -5103.0 / 18656.0
A71, A73, A74, A75, A76 = 35.0 / 384.0, 500.0 / 1113.0, 125.0 / 192.0, -2187.0 / 6784.0, 11.0 / 84.0
C2, C3, C4, C5 = 0.2, 0.3, 0.8, 8.0 / 9.0
E1, E3, E4, E5, E6, E7 = 71.0 / 57600.0, -71.0 / 16695.0, 71.0 / 1920.0, -17253.0 / 339200.0, 22.0 / 525.0, -0.025
D1, D3, D4 = -12715105075.0 / 11282082432.0, 87487479700.0 / 32700410799.0, -10690763975.0 / 1880347072.0
D5, D6, D7 = 701980252875.0 / 199316789632.0, -1453857185.0 / 822651844.0, 69997945.0 / 29380423.0


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
def _initial_step(t, y, f0, p, u, rtol, atol, span, work, f1, held, n_held):
    """Hairer's starting step for an order-4 error estimate (as in the CPU kernel)."""
    d0 = 0.0
    d1 = 0.0
    for i in range(N_STATES):
        sk = atol + rtol * abs(y[i])
        d0 += (y[i] / sk) ** 2
        d1 += (f0[i] / sk) ** 2
    d0 = math.sqrt(d0 / N_STATES)
    d1 = math.sqrt(d1 / N_STATES)
    h0 = 1e-6 if (d0 < 1e-5 or d1 < 1e-5) else 0.01 * d0 / d1
    h0 = min(h0, span)
    for i in range(N_STATES):
        work[i] = y[i] + h0 * f0[i]
    _f(t + h0, work, p, u, f1, held, n_held)
    d2 = 0.0
    for i in range(N_STATES):
        sk = atol + rtol * abs(y[i])
        d2 += ((f1[i] - f0[i]) / sk) ** 2
    d2 = math.sqrt(d2 / N_STATES) / h0
    if not math.isfinite(d2):
        return h0 * 1e-3
    if max(d1, d2) <= 1e-15:
        h1 = max(1e-6, h0 * 1e-3)
    else:
        h1 = (0.01 / max(d1, d2)) ** 0.2
    return min(100.0 * h0, min(h1, span))


@cuda.jit(device=True)
def _dense(th, y0, r1, r2, r3, r4, j):
    """State component j at fraction th of the last step (4th-order continuous extension)."""
    th1 = 1.0 - th
    return y0[j] + th * (r1[j] + th1 * (r2[j] + th * (r3[j] + th1 * r4[j])))


@cuda.jit(device=True)
def _solve_one(
    p, y0, scale, seg_t, jump_lo, jump_hi, jump_kind, jump_state, jump_value, seg_u, grid, thr,
    rtol, atol, max_steps, out,
):  # fmt: skip
    """Integrate one patient; fills ``out`` (n_times, n_states); returns (status, steps)."""
    y = cuda.local.array(N_STATES, np.float64)
    y1 = cuda.local.array(N_STATES, np.float64)
    u = cuda.local.array(N_STATES, np.float64)
    k1 = cuda.local.array(N_STATES, np.float64)
    k2 = cuda.local.array(N_STATES, np.float64)
    k3 = cuda.local.array(N_STATES, np.float64)
    k4 = cuda.local.array(N_STATES, np.float64)
    k5 = cuda.local.array(N_STATES, np.float64)
    k6 = cuda.local.array(N_STATES, np.float64)
    k7 = cuda.local.array(N_STATES, np.float64)
    w = cuda.local.array(N_STATES, np.float64)
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
    n_held = 0
    steps = 0
    gi = 0
    ng = grid.shape[0]
    while gi < ng and grid[gi] < seg_t[0]:
        for i in range(N_STATES):
            out[gi, i] = math.nan
        gi += 1
    n_seg = seg_t.shape[0] - 1
    status = OK
    h = 0.0
    e = 0.0
    for k in range(n_seg):
        a = seg_t[k]
        b = seg_t[k + 1]
        last = k == n_seg - 1
        for q in range(jump_lo[k], jump_hi[k]):
            s = jump_state[q]
            if jump_kind[q] == 0:
                y[s] += scale[s] * jump_value[q]
            else:
                y[s] = jump_value[q]
        for i in range(N_STATES):
            u[i] = scale[i] * seg_u[k, i]
        t = a
        restart = True
        for i in range(N_STATES):
            if y[i] > 0.0 and y[i] < thr[i]:  # the extinction rule after the doses
                y[i] = 0.0
                held[i] = True  # extinct now: held below unless something feeds it
            elif y[i] != 0.0:
                held[i] = False  # a dose brought it back
        n_held = _hold(t, y, p, u, held, w)
        while True:
            if restart:
                # Segment start or extinction restart: arm the threshold crossings, report y at t.
                for i in range(N_STATES):
                    armed[i] = (not held[i]) and y[i] >= thr[i]
                while gi < ng and grid[gi] == t and (grid[gi] < b or last):
                    for i in range(N_STATES):
                        out[gi, i] = y[i]
                    gi += 1
                if t >= b:
                    break
                _f(t, y, p, u, k1, held, n_held)
                if h > 0.0:
                    # Keep the step size across doses, as the CPU kernel does.
                    h = min(h, b - t)
                else:
                    h = _initial_step(t, y, k1, p, u, rtol, atol, b - t, w, k2, held, n_held)
                restart = False
            if t >= b:
                break
            if steps >= max_steps:
                status = MAX_STEPS
                break
            if h < 1e-14 * max(1.0, abs(t)) or not math.isfinite(h):
                status = STEP_TOO_SMALL
                break
            hit_end = t + h >= b - 1e-12 * max(1.0, abs(b))
            h_free = h
            if hit_end:
                h = b - t
            steps += 1
            for i in range(N_STATES):
                w[i] = y[i] + h * A21 * k1[i]
            _f(t + C2 * h, w, p, u, k2, held, n_held)
            for i in range(N_STATES):
                w[i] = y[i] + h * (A31 * k1[i] + A32 * k2[i])
            _f(t + C3 * h, w, p, u, k3, held, n_held)
            for i in range(N_STATES):
                w[i] = y[i] + h * (A41 * k1[i] + A42 * k2[i] + A43 * k3[i])
            _f(t + C4 * h, w, p, u, k4, held, n_held)
            for i in range(N_STATES):
                w[i] = y[i] + h * (A51 * k1[i] + A52 * k2[i] + A53 * k3[i] + A54 * k4[i])
            _f(t + C5 * h, w, p, u, k5, held, n_held)
            for i in range(N_STATES):
                w[i] = y[i] + h * (A61 * k1[i] + A62 * k2[i] + A63 * k3[i] + A64 * k4[i] + A65 * k5[i])
            _f(t + h, w, p, u, k6, held, n_held)
            for i in range(N_STATES):
                y1[i] = y[i] + h * (A71 * k1[i] + A73 * k3[i] + A74 * k4[i] + A75 * k5[i] + A76 * k6[i])
            _f(t + h, y1, p, u, k7, held, n_held)
            e = 0.0
            for i in range(N_STATES):
                d = h * (E1 * k1[i] + E3 * k3[i] + E4 * k4[i] + E5 * k5[i] + E6 * k6[i] + E7 * k7[i])
                sk = atol + rtol * max(abs(y[i]), abs(y1[i]))
                e += (d / sk) ** 2
            e = math.sqrt(e / N_STATES)
            if not math.isfinite(e):
                h *= 0.2
                continue
            if e > 1.0:
                h *= max(0.2, 0.9 * e**-0.2)
                continue
            # Accepted: dense-output coefficients of this step.
            tn = b if hit_end else t + h
            for i in range(N_STATES):
                dy = y1[i] - y[i]
                bs = h * k1[i] - dy
                r4[i] = h * (D1 * k1[i] + D3 * k3[i] + D4 * k4[i] + D5 * k5[i] + D6 * k6[i] + D7 * k7[i])
                r1[i] = dy
                r2[i] = bs
                r3[i] = dy - h * k7[i] - bs
            # Extinction: the earliest armed population crossing its threshold in this step.
            th_cross = 2.0
            i_cross = -1
            for i in range(N_STATES):
                if armed[i] and y1[i] < thr[i]:
                    lo = 0.0
                    hi = 1.0
                    glo = y[i] - thr[i]
                    ghi = y1[i] - thr[i]
                    for it in range(100):
                        # Secant steps, with a bisection every third try so the bracket always shrinks.
                        mid = hi - ghi * (hi - lo) / (ghi - glo) if ghi != glo else 0.5 * (lo + hi)
                        if not (lo < mid and mid < hi) or it % 3 == 2:
                            mid = 0.5 * (lo + hi)
                        gm = _dense(mid, y, r1, r2, r3, r4, i) - thr[i]
                        if gm > 0.0:
                            lo = mid
                            glo = gm
                        else:
                            hi = mid
                            ghi = gm
                        if hi - lo < 1e-15:
                            break
                    if hi < th_cross:
                        th_cross = hi
                        i_cross = i
            t_stop = tn if i_cross < 0 else t + th_cross * h
            while gi < ng and (grid[gi] < b or last) and grid[gi] <= t_stop:
                if grid[gi] == tn and i_cross < 0:
                    for i in range(N_STATES):
                        out[gi, i] = y1[i]
                elif grid[gi] == t_stop and i_cross >= 0:
                    break
                else:
                    th = (grid[gi] - t) / h
                    for i in range(N_STATES):
                        out[gi, i] = _dense(th, y, r1, r2, r3, r4, i)
                gi += 1
            if i_cross >= 0:
                for i in range(N_STATES):
                    y[i] = _dense(th_cross, y, r1, r2, r3, r4, i) if i != i_cross else 0.0
                # Only the population that just died is (re)considered, as in the reference engine.
                rhs(t_stop, y, p, u, w)
                held[i_cross] = w[i_cross] <= 0.0
                n_held = 0
                for i in range(N_STATES):
                    if held[i]:
                        n_held += 1
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
                status = NOT_FINITE
                break
            t = tn
            fac = 0.9 * e**-0.2 if e > 0.0 else 10.0
            h *= min(10.0, max(0.2, fac))
            if hit_end:
                h = max(h, h_free)  # a step cut short to land on a time says nothing against the free one
            if t >= b:
                while gi < ng and grid[gi] == b and last:
                    for i in range(N_STATES):
                        out[gi, i] = y[i]
                    gi += 1
                break
        if status != OK:
            break
    while gi < ng:  # after a failure: NaN from there on
        for i in range(N_STATES):
            out[gi, i] = math.nan
        gi += 1
    return status, steps


@cuda.jit
def solve_kernel(
    P, Y0, scale, seg_t, jump_lo, jump_hi, jump_kind, jump_state, jump_value, seg_u, grid, thr,
    rtol, atol, max_steps, out, status, steps,
):  # fmt: skip
    """One thread per patient (row of ``P``)."""
    ip = cuda.grid(1)
    if ip < P.shape[0]:
        st, ns = _solve_one(
            P[ip], Y0[ip], scale[ip], seg_t, jump_lo, jump_hi, jump_kind, jump_state, jump_value, seg_u, grid, thr,
            rtol, atol, max_steps, out[ip],
        )  # fmt: skip
        status[ip] = st
        steps[ip] = ns
