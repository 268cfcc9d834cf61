"""Solver kernels joined to each model's generated functions (see :mod:`iosim.cohort.codegen`).

This file is read as text: everything between the two ``STUBS`` markers is dropped and the
rest is appended to the generated ``rhs``/``jac``/``dfdt`` of one model, written to the
kernel cache and compiled by numba. It stays valid Python so that it can be linted.

Two one-step methods share one driver:

* Dormand–Prince 5(4) with its 4th-order continuous extension and Hairer's stiffness test;
* the L-stable, stiffly accurate Rosenbrock method Rodas4P2 (order 4(3), six stages, one LU
  factorisation per step) with the analytic Jacobian, for stiff patients. The model's code
  generator supplies ``wlu``/``wsolve``: a sparse LU of ``I/(h gamma) - J`` unrolled for the
  Jacobian's nonzero pattern, without pivoting; a step whose pivots lose their digits (or a
  model too large to unroll) uses the generic LU with partial pivoting instead.

Everything is compiled with ``fastmath={"contract", "arcp", "nsz"}``: fused multiply-adds,
reciprocal multiplication and no signed zeros, none of which lets the compiler assume that
values are finite (the NaN/inf checks stay exact).

Per patient: adaptive steps, doses applied between segments (never stepped across),
grid output by dense interpolation (each method's own; a stiff patient whose Rodas4P2
interpolant disagrees with the Hermite one steps onto the output times instead), the
extinction rule located by root finding on the interpolant, and a status code instead of
an exception.
"""

import math

import numpy as np
from numba import njit

# STUBS: replaced by generated model functions --------------------------------------
USES_T = False


@njit(cache=True, nogil=True, error_model="numpy", fastmath={"contract", "arcp", "nsz"})
def rhs(t, y, p, u, out):  # pragma: no cover - stub
    out[:] = u


@njit(cache=True, nogil=True, error_model="numpy", fastmath={"contract", "arcp", "nsz"})
def jac(t, y, p, J):  # pragma: no cover - stub
    J[:] = 0.0


@njit(cache=True, nogil=True, error_model="numpy", fastmath={"contract", "arcp", "nsz"})
def dfdt(t, y, p, out):  # pragma: no cover - stub
    out[:] = 0.0


UNROLLED_LU = False


@njit(cache=True, nogil=True, error_model="numpy", fastmath={"contract", "arcp", "nsz"})
def wlu(J, fac, W):  # pragma: no cover - stub
    return False


@njit(cache=True, nogil=True, error_model="numpy", fastmath={"contract", "arcp", "nsz"})
def wsolve(W, b):  # pragma: no cover - stub
    pass


# STUBS END ------------------------------------------------------------------------

OK, MAX_STEPS, STEP_TOO_SMALL, NOT_FINITE = 0, 1, 2, 3
AUTO, DOPRI5, ROSENBROCK = 0, 1, 2
DENSE_DOPRI, DENSE_RODAS, DENSE_HERMITE = 0, 1, 2
#: Largest mean square, in units of the tolerance, of the mid-step gap between Rodas4P2's and the
#: Hermite interpolant before a stiff patient's steps stop on output times: a gap of ~3 tolerances.
DENSE_CHECK = 10.0
#: Steps within one dosing segment before ``auto`` may hand a stiff patient to Rosenbrock.
AUTO_SWITCH_STEPS = 30

# Dormand & Prince (1980) coefficients; dense output from Hairer, Nørsett & Wanner (1993), dopri5.f.
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

# Rodas4P2: Steinebach G. (2020), Improvement of Rosenbrock-Wanner method RODASP, in Progress in
# Differential-Algebraic Equations II, 165-184 — a Rodas4-type method (Hairer & Wanner 1996, VI.4)
# free of order reduction on Prothero-Robinson-type stiff problems. Transformed form: stage weights
# RA, stage couplings RCC, stage times RCT, time-derivative weights RDD (values as tabulated in
# OrdinaryDiffEq.jl's Rosenbrock tableaus).
RG = 0.25
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
# Rodas4P2's dense output (same sources): y(th) = (1 - th) y0 + th (y1 + (1 - th) (r1 + th r2)),
# r1 = sum_j RH1_j k_j, r2 = sum_j RH2_j k_j over the first five stages.
RH1 = np.array([-5.323528268423303, -10.042123754867493, 17.175254928256965, -5.079931171878093, -0.016185991706112])
RH2 = np.array([6.984505741529879, 6.914061169603662, -0.849178943070653, 18.104410789349338, -3.516963011559032])


@njit(cache=True, nogil=True, error_model="numpy", fastmath={"contract", "arcp", "nsz"}, inline="always")
def _norm(err, y0, y1, rtol, atol):
    s = 0.0
    for i in range(err.shape[0]):
        sk = atol + rtol * max(abs(y0[i]), abs(y1[i]))
        s += (err[i] / sk) ** 2
    return math.sqrt(s / err.shape[0])


@njit(cache=True, nogil=True, error_model="numpy", fastmath={"contract", "arcp", "nsz"}, inline="always")
def _f(t, y, p, u, out, held, n_held):
    """The right-hand side with extinct populations held at 0 (their derivative forced to 0)."""
    rhs(t, y, p, u, out)
    if n_held > 0:
        for i in range(out.shape[0]):
            if held[i]:
                out[i] = 0.0


@njit(cache=True, nogil=True, error_model="numpy", fastmath={"contract", "arcp", "nsz"})
def _hold(t, y, p, u, thr, held, work):
    """Keep holding each extinct population (``held`` on entry) that is still 0 and nothing feeds.

    Mirrors the reference engine: a population that went extinct (crossed its threshold) is
    held at exactly 0 while its rhs there is not positive, so solver round-off cannot regrow
    it from nothing; a state that merely starts at 0 is never held. Returns how many are held.
    """
    rhs(t, y, p, u, work)
    count = 0
    for i in range(y.shape[0]):
        held[i] = held[i] and y[i] == 0.0 and work[i] <= 0.0
        if held[i]:
            count += 1
    return count


@njit(cache=True, nogil=True, error_model="numpy", fastmath={"contract", "arcp", "nsz"})
def _initial_step(t, y, f0, p, u, rtol, atol, order, span, work, f1, held, n_held):
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
    _f(t + h0, work, p, u, f1, held, n_held)
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
    return min(100.0 * h0, h1, span)


@njit(cache=True, nogil=True, error_model="numpy", fastmath={"contract", "arcp", "nsz"})
def _lu(a, piv):
    """In-place LU factorisation with partial pivoting; False when singular."""
    n = a.shape[0]
    for k in range(n):
        m = k
        big = abs(a[k, k])
        for i in range(k + 1, n):
            if abs(a[i, k]) > big:
                big = abs(a[i, k])
                m = i
        piv[k] = m
        if big == 0.0 or not math.isfinite(big):
            return False
        if m != k:
            for j in range(n):
                tmp = a[k, j]
                a[k, j] = a[m, j]
                a[m, j] = tmp
        inv = 1.0 / a[k, k]
        for i in range(k + 1, n):
            a[i, k] *= inv
            f = a[i, k]
            if f != 0.0:
                for j in range(k + 1, n):
                    a[i, j] -= f * a[k, j]
    return True


@njit(cache=True, nogil=True, error_model="numpy", fastmath={"contract", "arcp", "nsz"})
def _solve(a, piv, b):
    n = a.shape[0]
    for k in range(n):
        m = piv[k]
        if m != k:
            tmp = b[k]
            b[k] = b[m]
            b[m] = tmp
    for i in range(n):
        s = b[i]
        for j in range(i):
            s -= a[i, j] * b[j]
        b[i] = s
    for i in range(n - 1, -1, -1):
        s = b[i]
        for j in range(i + 1, n):
            s -= a[i, j] * b[j]
        b[i] = s / a[i, i]


@njit(cache=True, nogil=True, error_model="numpy", fastmath={"contract", "arcp", "nsz"}, inline="always")
def _inv_root(e, stiff):
    """e**(-1/(q+1)) for the step controller: q = 3 (Rodas4P2's embedded order, no pow call) or 4."""
    if stiff:
        return 1.0 / math.sqrt(math.sqrt(e))
    return e**-0.2


@njit(cache=True, nogil=True, error_model="numpy", fastmath={"contract", "arcp", "nsz"}, inline="always")
def _wsolve(pivoted, W, piv, b):
    if pivoted:
        _solve(W, piv, b)
    else:
        wsolve(W, b)


@njit(cache=True, nogil=True, error_model="numpy", fastmath={"contract", "arcp", "nsz"}, inline="always")
def _dense(mode, th, y0, y1, h, r1, r2, r3, r4, j):
    """State component j at fraction th of the last step (r*: the step's dense coefficients).

    ``mode``: DENSE_DOPRI (Dormand–Prince's own, r1..r4), DENSE_RODAS (Rodas4P2's own, r1, r2)
    or DENSE_HERMITE (cubic Hermite on the end values and slopes r1 = f(y0), r2 = f(y1)).
    """
    th1 = 1.0 - th
    if mode == DENSE_RODAS:
        return th1 * y0[j] + th * (y1[j] + th1 * (r1[j] + th * r2[j]))
    if mode == DENSE_HERMITE:
        t2 = th * th
        t3 = t2 * th
        return (
            (2.0 * t3 - 3.0 * t2 + 1.0) * y0[j]
            + (3.0 * t2 - 2.0 * t3) * y1[j]
            + h * ((t3 - 2.0 * t2 + th) * r1[j] + (t3 - t2) * r2[j])
        )
    return y0[j] + th * (r1[j] + th1 * (r2[j] + th * (r3[j] + th1 * r4[j])))


@njit(cache=True, nogil=True, error_model="numpy", fastmath={"contract", "arcp", "nsz"})
def solve_one(
    p, y0, scale, seg_t, jump_lo, jump_hi, jump_kind, jump_state, jump_value, seg_u, grid, thr,
    method, rtol, atol, max_steps, out,
):  # fmt: skip
    """Integrate one patient; fills ``out`` (n_times, n_states); returns (status, steps, stiff)."""
    n = y0.shape[0]
    y = y0.copy()
    y1 = np.empty(n)
    u = np.empty(n)
    k1 = np.empty(n)
    k2 = np.empty(n)
    k3 = np.empty(n)
    k4 = np.empty(n)
    k5 = np.empty(n)
    k6 = np.empty(n)
    k7 = np.empty(n)
    w = np.empty(n)
    err = np.empty(n)
    r1 = np.empty(n)
    r2 = np.empty(n)
    r3 = np.empty(n)
    r4 = np.empty(n)
    ft = np.zeros(n)
    jm = np.zeros((n, n))  # the generated jac writes only the structural nonzeros
    wm = np.zeros((n, n))
    kr = np.empty((6, n))
    have_jac = False
    piv = np.zeros(n, dtype=np.int64)
    armed = np.zeros(n, dtype=np.bool_)
    held = np.zeros(n, dtype=np.bool_)
    n_held = 0
    stiff = method == ROSENBROCK
    land = False  # stiff steps stop on output times (once the interpolants disagree, see below)
    dmode = DENSE_DOPRI
    steps = 0
    n_stiff = 0
    n_nonstiff = 0
    gi = 0
    ng = grid.shape[0]
    while gi < ng and grid[gi] < seg_t[0]:
        gi += 1
    n_seg = seg_t.shape[0] - 1
    status = OK
    h = 0.0
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
        for i in range(n):
            u[i] = scale[i] * seg_u[k, i]
        t = a
        seg_steps = 0
        restart = True
        for i in range(n):
            if y[i] > 0.0 and y[i] < thr[i]:  # the extinction rule after the doses
                y[i] = 0.0
                held[i] = True  # extinct now: held below unless something feeds it
            elif y[i] != 0.0:
                held[i] = False  # a dose brought it back
        n_held = _hold(t, y, p, u, thr, held, w)
        while True:
            if restart:
                # Segment start or extinction restart: arm the threshold crossings, report y at t.
                for i in range(n):
                    armed[i] = (not held[i]) and y[i] >= thr[i]
                while gi < ng and grid[gi] == t and (grid[gi] < b or last):
                    for i in range(n):
                        out[gi, i] = y[i]
                    gi += 1
                if t >= b:
                    break
                _f(t, y, p, u, k1, held, n_held)
                if h > 0.0:
                    # Keep the step size across doses: the controller shrinks it if a jump needs it,
                    # which is far cheaper than ramping up from a cautious guess after every dose.
                    h = min(h, b - t)
                else:
                    order = 3.0 if stiff else 4.0
                    h = _initial_step(t, y, k1, p, u, rtol, atol, order, b - t, w, k2, held, n_held)
                restart = False
                have_jac = False
            if t >= b:
                break
            if steps >= max_steps:
                status = MAX_STEPS
                break
            if h < 1e-14 * max(1.0, abs(t)) or not math.isfinite(h):
                status = STEP_TOO_SMALL
                break
            # Step onto the segment end; a stiff step of a patient whose interpolants disagreed also
            # stops on the next output time.
            target = b
            if land and stiff and gi < ng and grid[gi] < b:
                target = grid[gi]
            hit_end = t + h >= target - 1e-12 * max(1.0, abs(target))
            h_free = h
            if hit_end:
                h = target - t
            steps += 1
            seg_steps += 1
            step_stiff = stiff
            if step_stiff:
                # Rodas4P2: (I/(h gamma) - J) k_s = f(t + c_s h, y + sum a_sj k_j) + sum C_sj k_j / h + h d_s f_t.
                if not have_jac:  # a rejected step retries from the same (t, y): keep its Jacobian
                    jac(t, y, p, jm)
                    if USES_T:
                        dfdt(t, y, p, ft)
                    if n_held > 0:
                        for i in range(n):
                            if held[i]:
                                ft[i] = 0.0
                                for j in range(n):
                                    jm[i, j] = 0.0
                    have_jac = True
                fac = 1.0 / (h * RG)
                # W = I/(h gamma) - J: the model's unrolled sparse LU, or the generic pivoting one when
                # a pivot lost its digits (or the model is too large to unroll).
                pivoted = not (UNROLLED_LU and wlu(jm, fac, wm))
                if pivoted:
                    for i in range(n):
                        for j in range(n):
                            wm[i, j] = -jm[i, j]
                        wm[i, i] += fac
                    if not _lu(wm, piv):
                        h *= 0.25
                        continue
                # Stage s: W k_s = f(t + c_s h, y + sum_j a_sj k_j) + sum_j (C_sj / h) k_j + h d_s f_t.
                # One loop (one inlined copy of the model's rhs, which keeps compile time down).
                hi = 1.0 / h
                for st in range(6):
                    if st == 0:
                        for i in range(n):
                            k2[i] = k1[i]
                    else:
                        for i in range(n):
                            acc = y[i]
                            for j in range(st):
                                acc += RA[st, j] * kr[j, i]
                            w[i] = acc
                        _f(t + RCT[st] * h, w, p, u, k2, held, n_held)
                    for i in range(n):
                        acc = k2[i]
                        for j in range(st):
                            acc += (RCC[st, j] * hi) * kr[j, i]
                        if USES_T:
                            acc += h * RDD[st] * ft[i]
                        kr[st, i] = acc
                    _wsolve(pivoted, wm, piv, kr[st])
                for i in range(n):
                    y1[i] = w[i] + kr[5, i]
                    err[i] = kr[5, i]
                _f(t + h, y1, p, u, k7, held, n_held)
            else:
                for i in range(n):
                    w[i] = y[i] + h * A21 * k1[i]
                _f(t + C2 * h, w, p, u, k2, held, n_held)
                for i in range(n):
                    w[i] = y[i] + h * (A31 * k1[i] + A32 * k2[i])
                _f(t + C3 * h, w, p, u, k3, held, n_held)
                for i in range(n):
                    w[i] = y[i] + h * (A41 * k1[i] + A42 * k2[i] + A43 * k3[i])
                _f(t + C4 * h, w, p, u, k4, held, n_held)
                for i in range(n):
                    w[i] = y[i] + h * (A51 * k1[i] + A52 * k2[i] + A53 * k3[i] + A54 * k4[i])
                _f(t + C5 * h, w, p, u, k5, held, n_held)
                for i in range(n):
                    w[i] = y[i] + h * (A61 * k1[i] + A62 * k2[i] + A63 * k3[i] + A64 * k4[i] + A65 * k5[i])
                _f(t + h, w, p, u, k6, held, n_held)
                for i in range(n):
                    y1[i] = y[i] + h * (A71 * k1[i] + A73 * k3[i] + A74 * k4[i] + A75 * k5[i] + A76 * k6[i])
                _f(t + h, y1, p, u, k7, held, n_held)
                for i in range(n):
                    err[i] = h * (E1 * k1[i] + E3 * k3[i] + E4 * k4[i] + E5 * k5[i] + E6 * k6[i] + E7 * k7[i])
            e = _norm(err, y, y1, rtol, atol)
            if not math.isfinite(e):
                h *= 0.2
                continue
            if e > 1.0:
                h *= max(0.2, 0.9 * _inv_root(e, step_stiff))
                continue
            # Accepted: dense-output coefficients of this step.
            tn = target if hit_end else t + h
            inside = gi < ng and grid[gi] < tn and (grid[gi] < b or last)  # an output time within the step
            crossing = False
            for i in range(n):
                if armed[i] and y1[i] < thr[i]:
                    crossing = True
            if step_stiff and not (inside or crossing):
                dmode = DENSE_RODAS  # nothing to interpolate in this step
            elif step_stiff:
                # Rodas4P2's own dense output, checked at mid-step against the cubic Hermite one: each
                # has its weakness on stiff components (Rodas' on stiff non-autonomous problems, where
                # its error does not shrink with the tolerance; Hermite's end slope f(y1) amplifies the
                # error of y1 by h L), so where they agree within the tolerance the step is trusted.
                # Where they do not, the step is retried stopping on the output time inside it, and so
                # are the patient's later stiff steps (exact values there, Hermite between).
                chk = 0.0
                if not land:
                    for i in range(n):
                        acc1 = 0.0
                        acc2 = 0.0
                        for j in range(5):
                            acc1 += RH1[j] * kr[j, i]
                            acc2 += RH2[j] * kr[j, i]
                        r1[i] = acc1
                        r2[i] = acc2
                        mid_r = 0.5 * y[i] + 0.5 * (y1[i] + 0.5 * (acc1 + 0.5 * acc2))
                        mid_h = 0.5 * (y[i] + y1[i]) + 0.125 * h * (k1[i] - k7[i])
                        chk += ((mid_r - mid_h) / (atol + rtol * max(abs(y[i]), abs(y1[i])))) ** 2
                dmode = DENSE_RODAS
                if land or chk > DENSE_CHECK * n:
                    if not land and inside:
                        land = True
                        continue
                    for i in range(n):
                        r1[i] = k1[i]
                        r2[i] = k7[i]
                    dmode = DENSE_HERMITE
            else:
                for i in range(n):
                    dy = y1[i] - y[i]
                    bs = h * k1[i] - dy
                    r4[i] = h * (D1 * k1[i] + D3 * k3[i] + D4 * k4[i] + D5 * k5[i] + D6 * k6[i] + D7 * k7[i])
                    r1[i] = dy
                    r2[i] = bs
                    r3[i] = dy - h * k7[i] - bs
                dmode = DENSE_DOPRI
                if method == AUTO:
                    # Hairer's stiffness test: h times the local Lipschitz estimate near the stability limit.
                    num = 0.0
                    den = 0.0
                    for i in range(n):
                        # Weighted like the error norm: with states of very different scales (cells
                        # next to concentrations) the unweighted ratio only sees the largest state.
                        sk = 1.0 / (atol + rtol * abs(y1[i]))
                        num += ((k7[i] - k6[i]) * sk) ** 2
                        den += ((y1[i] - w[i]) * sk) ** 2
                    if den > 0.0 and h * math.sqrt(num / den) > 3.25:
                        n_nonstiff = 0
                        n_stiff += 1
                        # Switch only when the explicit method is stuck at its stability limit for a
                        # long stretch: for mildly stiff patients Dormand–Prince is still the cheaper one.
                        if n_stiff >= 15 and seg_steps >= AUTO_SWITCH_STEPS:
                            stiff = True
                    else:
                        n_nonstiff += 1
                        if n_nonstiff >= 6:
                            n_stiff = 0
            # Extinction: the earliest armed population crossing its threshold in this step.
            th_cross = 2.0
            i_cross = -1
            for i in range(n):
                if crossing and armed[i] and y1[i] < thr[i]:
                    lo = 0.0
                    hi = 1.0
                    glo = y[i] - thr[i]
                    ghi = y1[i] - thr[i]
                    for it in range(100):
                        # Secant steps, with a bisection every third try so the bracket always shrinks.
                        mid = hi - ghi * (hi - lo) / (ghi - glo) if ghi != glo else 0.5 * (lo + hi)
                        if not (lo < mid < hi) or it % 3 == 2:
                            mid = 0.5 * (lo + hi)
                        gm = _dense(dmode, mid, y, y1, h, r1, r2, r3, r4, i) - thr[i]
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
                    for i in range(n):
                        out[gi, i] = y1[i]
                elif grid[gi] == t_stop and i_cross >= 0:
                    break
                else:
                    th = (grid[gi] - t) / h
                    for i in range(n):
                        out[gi, i] = _dense(dmode, th, y, y1, h, r1, r2, r3, r4, i)
                gi += 1
            if i_cross >= 0:
                for i in range(n):
                    w[i] = _dense(dmode, th_cross, y, y1, h, r1, r2, r3, r4, i)
                for i in range(n):
                    y[i] = w[i]
                y[i_cross] = 0.0
                # Only the population that just died is (re)considered, as in the reference engine.
                rhs(t_stop, y, p, u, w)
                held[i_cross] = w[i_cross] <= 0.0
                n_held = 0
                for i in range(n):
                    if held[i]:
                        n_held += 1
                t = t_stop
                restart = True
                continue
            have_jac = False
            ok = True
            for i in range(n):
                if not math.isfinite(y1[i]):
                    ok = False
                y[i] = y1[i]
                k1[i] = k7[i]
            if not ok:
                status = NOT_FINITE
                break
            t = tn
            fac = 0.9 * _inv_root(e, step_stiff) if e > 0.0 else 10.0
            h *= min(6.0 if step_stiff else 10.0, max(0.2, fac))
            if hit_end:
                h = max(h, h_free)  # a step cut short to land on a time says nothing against the free one
            if t >= b:
                while gi < ng and grid[gi] == b and last:
                    for i in range(n):
                        out[gi, i] = y[i]
                    gi += 1
                break
        if status != OK:
            break
    return status, steps, stiff


@njit(cache=True, nogil=True, error_model="numpy", fastmath={"contract", "arcp", "nsz"})
def solve_batch(
    P, Y0, scale, seg_t, jump_lo, jump_hi, jump_kind, jump_state, jump_value, seg_u, grid, thr,
    method, rtol, atol, max_steps, out, status, steps, stiff,
):  # fmt: skip
    """Every patient of a chunk, one after the other (threads call this on disjoint chunks)."""
    for i in range(P.shape[0]):
        st, ns, sf = solve_one(
            P[i], Y0[i], scale[i], seg_t, jump_lo, jump_hi, jump_kind, jump_state, jump_value, seg_u, grid, thr,
            method, rtol, atol, max_steps, out[i],
        )  # fmt: skip
        status[i] = st
        steps[i] = ns
        stiff[i] = sf
