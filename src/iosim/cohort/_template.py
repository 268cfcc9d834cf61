"""The solver driver joined to each model's generated functions (see :mod:`iosim.cohort.codegen`).

This file is read as text: everything between the two ``STUBS`` markers is dropped and the
rest is appended to the generated ``rhs``/``jac``/``dfdt`` of one model, written to the
kernel cache and compiled by numba. It stays valid Python so that it can be linted.

It holds only what calls the model's functions; the numerics are shared code in
:mod:`iosim.numerics` (the Tsitouras, Dormand–Prince and Rodas4P2 tableaus and stages' algebra, error
norm, step-size control, dense output, threshold crossings, dose segments). Two one-step
methods share one driver:

* an explicit 5(4) pair with its 4th-order continuous extension and Hairer's stiffness test:
  Tsitouras' (``auto``, ``tsit5``) or Dormand–Prince's (``dopri5``), the same seven FSAL stages;
* the L-stable, stiffly accurate Rosenbrock method Rodas4P2 (order 4(3), six stages, one LU
  factorisation per step) with the analytic Jacobian, for stiff patients. The model's code
  generator supplies ``wlu``/``wsolve``: a sparse LU of ``I/(h gamma) - J`` unrolled for the
  Jacobian's nonzero pattern, without pivoting; a step whose pivots lose their digits (or a
  model too large to unroll) uses the generic LU with partial pivoting instead.

Per patient (:func:`solve_one`): dose segments (doses applied between them, never stepped
across), each integrated in adaptive steps (:func:`_integrate`, :func:`_rodas_step`);
grid output by dense interpolation (each method's own; a stiff patient whose Rodas4P2
interpolant disagrees with the Hermite one steps onto the output times instead,
:func:`_dense_output`), the extinction rule located by root finding on the
interpolant (:func:`_extinct`), and a status code instead of an exception.
"""

import math

import numpy as np
from numba import njit

from iosim.numerics import dense, dopri, explicit, linalg, rodas, segments, stepsize


@njit(cache=True, nogil=True, error_model="numpy", fastmath={"contract", "arcp", "nsz"})
def _pow(x, n):
    """``x ** n`` for an exponent known only at run time: a Hill coefficient is usually 2 (or 1).

    A ``pow`` call costs ~10 ns, a right-hand side with four of them ~120 ns; the branch is
    predicted (the exponent is a parameter), and ``x * x`` is the correctly rounded square.
    Not inlined at numba level (LLVM inlines it): inlined there, the flagship's cold compile
    took 71-79 s of CPU time instead of 54-58 s.
    """
    if n == 2.0:
        return x * x
    if n == 1.0:
        return x
    return x**n


# STUBS: replaced by generated model functions --------------------------------------
USES_T = False
N_PARAMS = 0
N_CONSTANTS = 0


@njit(cache=True, nogil=True, error_model="numpy", fastmath={"contract", "arcp", "nsz"})
def constants(p):  # pragma: no cover - stub
    pass


@njit(cache=True, nogil=True, error_model="numpy", fastmath={"contract", "arcp", "nsz"})
def rhs(t, y, p, u, out):  # pragma: no cover - stub
    out[:] = u


@njit(cache=True, nogil=True, error_model="numpy", fastmath={"contract", "arcp", "nsz"}, inline="always")
def rhs_inline(t, y, p, u, out):  # pragma: no cover - stub
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
AUTO, DOPRI5, ROSENBROCK, TSIT5 = 0, 1, 2, 3
#: Largest mean square, in units of the tolerance, of the mid-step gap between Rodas4P2's and the
#: Hermite interpolant before a stiff patient's steps stop on output times: a gap of ~3 tolerances.
DENSE_CHECK = 10.0
#: Steps within one dosing segment before ``auto`` may hand a stiff patient to Rosenbrock.
AUTO_SWITCH_STEPS = 30
#: Hairer's stiffness test fires above this value of h times the Lipschitz estimate (dopri5.f).
STIFF_RATIO = 3.25
#: The test runs on every accepted explicit step once it has fired, else on every 10th: it
#: costs a division per state and a step, and a switch needs 15 firings anyway. (dopri5.f tests
#: every NSTIFF = 1000 steps by default; 10 delays a switch by at most 9 steps.)
STIFF_TEST_EVERY = 10
#: Largest growth of the step after an accepted step (Rodas4P2, the explicit pair).
GROW_STIFF, GROW_NONSTIFF = 6.0, 10.0

_jit = njit(cache=True, nogil=True, error_model="numpy", fastmath={"contract", "arcp", "nsz"})
#: The driver's pieces borrow the patient's work arrays and allocate nothing: compiled without
#: reference counting, whose atomic increments on every array argument of every call otherwise
#: cost more than a small model's right-hand side.
#: Not cached on their own: only ``solve_batch`` is loaded from numba's cache, and its code holds
#: its own copies of them; caching each too cost a cold compile machine code emitted once more per piece.
_piece = njit(cache=False, nogil=True, error_model="numpy", fastmath={"contract", "arcp", "nsz"}, _nrt=False)  # type: ignore[call-overload]
#: Pieces run at every step are inlined (numba IR) into the step loop, as if written out there.
_inline = njit(cache=True, nogil=True, error_model="numpy", fastmath={"contract", "arcp", "nsz"}, inline="always")


@njit(cache=True, nogil=True, error_model="numpy", fastmath={"contract", "arcp", "nsz"}, inline="always")
def _f(t, y, p, u, out, held, n_held):
    """The right-hand side with extinct populations held at 0 (their derivative forced to 0)."""
    rhs(t, y, p, u, out)
    if n_held > 0:
        for i in range(out.shape[0]):
            if held[i]:
                out[i] = 0.0


@njit(cache=True, nogil=True, error_model="numpy", fastmath={"contract", "arcp", "nsz"}, inline="always")
def _f_inline(t, y, p, u, out, held, n_held):
    """:func:`_f` with the right-hand side inlined: the explicit stages' one call site, run 7 times a step."""
    rhs_inline(t, y, p, u, out)
    if n_held > 0:
        for i in range(out.shape[0]):
            if held[i]:
                out[i] = 0.0


@_piece
def _hold(t, y, p, u, held, work):
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


@_piece
def _first_step(t, y, f0, p, u, rtol, atol, order, span, work, f1, held, n_held):
    """Hairer's starting step (:mod:`iosim.numerics.stepsize`), with one evaluation of f."""
    h0, d1 = stepsize.initial_step_probe(y, f0, rtol, atol, span, work)
    _f(t + h0, work, p, u, f1, held, n_held)
    return stepsize.initial_step_finish(y, f0, f1, h0, d1, rtol, atol, order, span)


@_piece
def _jacobian(t, y, p, jm, ft, held, n_held):
    """J and df/dt at (t, y); the rows of held populations are 0."""
    jac(t, y, p, jm)
    if USES_T:
        dfdt(t, y, p, ft)
    if n_held > 0:
        for i in range(y.shape[0]):
            if held[i]:
                ft[i] = 0.0
                for j in range(y.shape[0]):
                    jm[i, j] = 0.0


@njit(cache=True, nogil=True, error_model="numpy", fastmath={"contract", "arcp", "nsz"}, inline="always")
def _wsolve(pivoted, W, piv, b):
    if pivoted:
        linalg.solve(W, piv, b)
    else:
        wsolve(W, b)


@_piece
def _rodas_step(t, h, y, p, u, k1, k2, w, y1, err, k7, kr, jm, wm, piv, ft, held, n_held):
    """One Rodas4P2 attempt with the Jacobian ``jm`` (and ``ft``) at (t, y); False when W is singular.

    Stage s: W k_s = f(t + c_s h, y + sum_j a_sj k_j) + sum_j (C_sj / h) k_j + h d_s f_t, with
    W = I/(h gamma) - J factorised by the model's unrolled sparse LU, or the generic pivoting
    one when a pivot lost its digits (or the model is too large to unroll). One stage loop
    calling the compiled ``rhs`` (not an inlined copy: stiff steps are rare, the compile is not).
    """
    n = y.shape[0]
    fac = 1.0 / (h * rodas.GAMMA)
    pivoted = not (UNROLLED_LU and wlu(jm, fac, wm))
    if pivoted:
        for i in range(n):
            for j in range(n):
                wm[i, j] = -jm[i, j]
            wm[i, i] += fac
        if not linalg.lu(wm, piv):
            return False
    hi = 1.0 / h
    for st in range(6):
        if st == 0:
            for i in range(n):
                k2[i] = k1[i]
        else:
            for i in range(n):
                acc = y[i]
                for j in range(st):
                    acc += rodas.RA[st, j] * kr[j, i]
                w[i] = acc
            _f(t + rodas.RCT[st] * h, w, p, u, k2, held, n_held)
        for i in range(n):
            acc = k2[i]
            for j in range(st):
                acc += (rodas.RCC[st, j] * hi) * kr[j, i]
            if USES_T:
                acc += h * rodas.RDD[st] * ft[i]
            kr[st, i] = acc
        _wsolve(pivoted, wm, piv, kr[st])
    for i in range(n):
        y1[i] = w[i] + kr[5, i]
        err[i] = kr[5, i]
    _f(t + h, y1, p, u, k7, held, n_held)
    return True


@_inline
def _dense_output(
    step_stiff, tb, land, inside, crossing, y, y1, h, k1, k2, k3, k4, k5, k6, k7, kr, r1, r2, r3, r4, rtol, atol
):
    """The accepted step's interpolant: (mode, retry); its coefficients into ``r1..r4``.

    Explicit steps use their pair's own (Tsitouras' written in Dormand–Prince's form). A stiff
    step with nothing to interpolate needs none; one
    with an output time or a threshold crossing inside uses Rodas4P2's own where it agrees with
    the Hermite one at mid-step (:func:`iosim.numerics.rodas.dense_check`), else Hermite's. At the
    first disagreement with an output time inside, ``retry``: the step is redone stopping on that
    time, and so are the patient's later stiff steps (exact values there, Hermite between).
    """
    if not step_stiff:
        if inside or crossing:  # else nothing reads the interpolant (record_step takes y1 at the end)
            explicit.dense_coefficients(tb, y, y1, h, k1, k2, k3, k4, k5, k6, k7, r1, r2, r3, r4)
        return dense.DOPRI, False
    if not (inside or crossing):
        return dense.RODAS, False
    chk = 0.0
    if not land:
        chk = rodas.dense_check(y, y1, h, kr, k1, k7, r1, r2, rtol, atol)
    if land or chk > DENSE_CHECK * y.shape[0]:
        if not land and inside:
            return dense.RODAS, True
        for i in range(y.shape[0]):
            r1[i] = k1[i]
            r2[i] = k7[i]
        return dense.HERMITE, False
    return dense.RODAS, False


@_piece
def _extinct(t_stop, th, i_cross, mode, y, y1, h, r1, r2, r3, r4, w, p, u, held):
    """Restart state at the crossing: the interpolant at ``th``, population ``i_cross`` set to 0.

    Only the population that just died is (re)considered for holding, as in the reference
    engine. Returns how many populations are held.
    """
    for i in range(y.shape[0]):
        w[i] = dense.value(mode, th, y, y1, h, r1, r2, r3, r4, i)
    for i in range(y.shape[0]):
        y[i] = w[i]
    y[i_cross] = 0.0
    rhs(t_stop, y, p, u, w)
    held[i_cross] = w[i_cross] <= 0.0
    return segments.count_held(held)


@_inline
def _advance(y, y1, k1, k7):
    """Take the accepted step (y = y1; the next step's first slope is this one's last, FSAL); False if not finite."""
    ok = True
    for i in range(y.shape[0]):
        if not math.isfinite(y1[i]):
            ok = False
        y[i] = y1[i]
        k1[i] = k7[i]
    return ok


@_piece
def _integrate(
    p, y, u, scale, seg_t, jump_lo, jump_hi, jump_kind, jump_state, jump_value, seg_u, grid, thr,
    method, rtol, atol, max_steps, out,
    k1, k2, k3, k4, k5, k6, k7, w, y1, err, r1, r2, r3, r4, jm, wm, kr, ft, piv, armed, held,
):  # fmt: skip
    """Dose segments one after the other; inside each, adaptive steps from its start to its end.

    Returns (status, steps, stiff). Works in the arrays :func:`solve_one` allocated.
    """
    stiff = method == ROSENBROCK
    # The explicit pair: Tsitouras 5(4) for auto and tsit5, Dormand–Prince for dopri5.
    tb = explicit.DOPRI5 if method == DOPRI5 else explicit.TSIT5
    c2, c3, c4, c5 = explicit.nodes(tb)
    land = False  # stiff steps stop on output times (once the interpolants disagree, see _dense_output)
    steps = 0
    n_accepted = 0
    n_stiff = 0
    n_nonstiff = 0
    gi = 0
    ng = grid.shape[0]
    while gi < ng and grid[gi] < seg_t[0]:
        gi += 1
    n_seg = seg_t.shape[0] - 1
    status = OK
    h = 0.0
    e = 0.0
    h_dose = 0.0  # the step proposed after the first accepted step following the previous dose
    for k in range(n_seg):
        b = seg_t[k + 1]
        last = k == n_seg - 1
        segments.apply_doses(k, y, scale, jump_lo, jump_hi, jump_kind, jump_state, jump_value, seg_u, u)
        segments.extinguish(y, thr, held)  # extinct now: held below unless something feeds it
        t = seg_t[k]
        seg_steps = 0
        seg_accepted = 0
        have_jac = False
        n_held = _hold(t, y, p, u, held, w)
        restart = True
        while True:
            if restart:
                # Segment start or extinction restart: arm the threshold crossings, report y at t.
                segments.arm(y, thr, held, armed)
                gi = segments.record_at(grid, gi, t, b, last, y, out)
                if t >= b:
                    break
                _f(t, y, p, u, k1, held, n_held)
                if h > 0.0:
                    # Keep the step size across doses: the controller shrinks it if a jump needs it,
                    # which is far cheaper than ramping up from a cautious guess after every dose.
                    h = min(h, b - t)
                    if seg_steps == 0 and h_dose > 0.0:
                        # ... but not beyond the step that followed the last dose's first: a step
                        # carried over a dose from where the drug had washed out is rejected once the
                        # drug arrives (50 of the flagship's 63 rejections per patient); the last
                        # dose's transient is the better guess.
                        h = min(h, h_dose)
                else:
                    order = rodas.ORDER if stiff else dopri.ORDER  # 4 for both explicit pairs
                    h = _first_step(t, y, k1, p, u, rtol, atol, order, b - t, w, k2, held, n_held)
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
                if not have_jac:  # a rejected step retries from the same (t, y): keep its Jacobian
                    _jacobian(t, y, p, jm, ft, held, n_held)
                    have_jac = True
                if not _rodas_step(t, h, y, p, u, k1, k2, w, y1, err, k7, kr, jm, wm, piv, ft, held, n_held):
                    h *= 0.25
                    continue
            else:
                # One attempt of the explicit pair: stage states and error estimate (shared numerics),
                # f at each stage. One loop with one inlined evaluation of f: a copy per stage (seven
                # copies of the model's rhs typed, lowered and optimised) was most of the cold compile.
                for s in range(2, 8):
                    ws, ks, ts = w, k2, t + h
                    if s == 2:
                        explicit.stage2(tb, y, h, k1, w)
                        ts = t + c2 * h
                    elif s == 3:
                        explicit.stage3(tb, y, h, k1, k2, w)
                        ks, ts = k3, t + c3 * h
                    elif s == 4:
                        explicit.stage4(tb, y, h, k1, k2, k3, w)
                        ks, ts = k4, t + c4 * h
                    elif s == 5:
                        explicit.stage5(tb, y, h, k1, k2, k3, k4, w)
                        ks, ts = k5, t + c5 * h
                    elif s == 6:
                        explicit.stage6(tb, y, h, k1, k2, k3, k4, k5, w)
                        ks = k6
                    else:
                        explicit.solution(tb, y, h, k1, k2, k3, k4, k5, k6, y1)
                        ws, ks = y1, k7
                    _f_inline(ts, ws, p, u, ks, held, n_held)
                explicit.error_estimate(tb, h, k1, k2, k3, k4, k5, k6, k7, err)
            e = stepsize.error_norm(err, y, y1, rtol, atol)
            if not math.isfinite(e):
                h *= 0.2
                continue
            if e > 1.0:
                h = stepsize.shrink(h, e, step_stiff)
                continue
            # Accepted.
            tn = target if hit_end else t + h
            inside = gi < ng and grid[gi] < tn and (grid[gi] < b or last)  # an output time within the step
            crossing = segments.any_crossing(y1, thr, armed)
            dmode, retry = _dense_output(
                step_stiff, tb, land, inside, crossing, y, y1, h, k1, k2, k3, k4, k5, k6, k7, kr, r1, r2, r3, r4,
                rtol, atol,
            )  # fmt: skip
            if retry:
                land = True
                continue
            n_accepted += 1
            if method == AUTO and not step_stiff and (n_stiff > 0 or n_accepted % STIFF_TEST_EVERY == 0):
                if dopri.stiffness_ratio(h, y1, w, k6, k7, rtol, atol) > STIFF_RATIO:
                    n_nonstiff = 0
                    n_stiff += 1
                    # Switch only when the explicit method is stuck at its stability limit for a
                    # long stretch: for mildly stiff patients the explicit pair is still the cheaper one.
                    if n_stiff >= 15 and seg_steps >= AUTO_SWITCH_STEPS:
                        stiff = True
                        h_dose = 0.0  # an explicit step's transient says nothing about the stiff solver's
                else:
                    n_nonstiff += 1
                    if n_nonstiff >= 6:
                        n_stiff = 0
            # Extinction: the earliest armed population crossing its threshold in this step.
            th_cross, i_cross = 2.0, -1
            if crossing:
                th_cross, i_cross = dense.first_crossing(dmode, y, y1, h, r1, r2, r3, r4, thr, armed)
            t_stop = tn if i_cross < 0 else t + th_cross * h
            gi = segments.record_step(
                grid, gi, t, h, tn, t_stop, i_cross >= 0, b, last, dmode, y, y1, r1, r2, r3, r4, out
            )
            if i_cross >= 0:
                n_held = _extinct(t_stop, th_cross, i_cross, dmode, y, y1, h, r1, r2, r3, r4, w, p, u, held)
                t = t_stop
                restart = True
                continue
            have_jac = False
            if not _advance(y, y1, k1, k7):
                status = NOT_FINITE
                break
            t = tn
            h = stepsize.grow(h, e, step_stiff, GROW_STIFF if step_stiff else GROW_NONSTIFF)
            if hit_end:
                h = max(h, h_free)  # a step cut short to land on a time says nothing against the free one
            seg_accepted += 1
            if seg_accepted == 1 and k > 0:
                h_dose = h
            if t >= b:
                gi = segments.record_at(grid, gi, b, b, last, y, out)
                break
        if status != OK:
            break
    return status, steps, stiff


@_inline
def solve_one(
    p, y0, scale, seg_t, jump_lo, jump_hi, jump_kind, jump_state, jump_value, seg_u, grid, thr,
    method, rtol, atol, max_steps, out,
):  # fmt: skip
    """Integrate one patient; fills ``out`` (n_times, n_states); returns (status, steps, stiff).

    The model's functions get the parameters followed by the patient's constants (their
    parameter-only subexpressions, computed here once instead of at every step).
    """
    n = y0.shape[0]
    pc = np.empty(N_PARAMS + N_CONSTANTS)
    pc[:N_PARAMS] = p[:N_PARAMS]
    constants(pc)
    k1, k2, k3, k4, k5, k6, k7 = (
        np.empty(n),
        np.empty(n),
        np.empty(n),
        np.empty(n),
        np.empty(n),
        np.empty(n),
        np.empty(n),
    )
    w, y1, err, r1, r2, r3, r4 = (
        np.empty(n),
        np.empty(n),
        np.empty(n),
        np.empty(n),
        np.empty(n),
        np.empty(n),
        np.empty(n),
    )
    jm = np.zeros((n, n))  # the generated jac writes only the structural nonzeros
    return _integrate(
        pc, y0.copy(), np.empty(n), scale, seg_t, jump_lo, jump_hi, jump_kind, jump_state, jump_value, seg_u, grid, thr,
        method, rtol, atol, max_steps, out, k1, k2, k3, k4, k5, k6, k7, w, y1, err, r1, r2, r3, r4,
        jm, np.zeros((n, n)), np.empty((6, n)), np.zeros(n), np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.bool_),
        np.zeros(n, dtype=np.bool_),
    )  # fmt: skip


@_jit
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
