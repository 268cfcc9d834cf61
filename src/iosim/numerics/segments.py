"""Dose segments and the output grid: the bookkeeping every cohort kernel does between steps.

A schedule (:mod:`iosim.dosing.schedule`) cuts the time span into segments; at the start of
segment ``k`` its boluses and set-events are applied, and its infusion rates hold until the
next one. The extinction rule (a population below its threshold is 0) is applied after
the doses; output times are filled from the current state or the step's dense output.
"""

from iosim.numerics.dense import value
from iosim.numerics.flags import kernel


@kernel
def apply_doses(k, y, scale, jump_lo, jump_hi, jump_kind, jump_state, jump_value, seg_u, u):
    """Segment ``k``'s boluses (kind 0, scaled per patient) and set-events (kind 1); its infusion rates into ``u``."""
    for q in range(jump_lo[k], jump_hi[k]):
        s = jump_state[q]
        if jump_kind[q] == 0:
            y[s] += scale[s] * jump_value[q]
        else:
            y[s] = jump_value[q]
    for i in range(y.shape[0]):
        u[i] = scale[i] * seg_u[k, i]


@kernel
def extinguish(y, thr, held):
    """The extinction rule after doses: a population between 0 and its threshold becomes 0 and is held.

    A population a dose brought back (not 0) is no longer held; one that merely starts at 0 is
    not held here (the caller's hold test decides whether anything feeds it).
    """
    for i in range(y.shape[0]):
        if y[i] > 0.0 and y[i] < thr[i]:
            y[i] = 0.0
            held[i] = True
        elif y[i] != 0.0:
            held[i] = False


@kernel
def arm(y, thr, held, armed):
    """Watch every population above its threshold (and not held) for a crossing."""
    for i in range(y.shape[0]):
        armed[i] = (not held[i]) and y[i] >= thr[i]


@kernel
def any_crossing(y1, thr, armed):
    for i in range(y1.shape[0]):
        if armed[i] and y1[i] < thr[i]:
            return True
    return False


@kernel
def record_at(grid, gi, t, b, last, y, out):
    """Fill the output times equal to ``t`` (inside the segment ending at ``b``) with ``y``; the next index."""
    ng = grid.shape[0]
    while gi < ng and grid[gi] == t and (grid[gi] < b or last):
        for i in range(y.shape[0]):
            out[gi, i] = y[i]
        gi += 1
    return gi


@kernel
def count_held(held):
    n = 0
    for i in range(held.shape[0]):
        if held[i]:
            n += 1
    return n


@kernel
def record_step(grid, gi, t, h, tn, t_stop, crossed, b, last, mode, y, y1, r1, r2, r3, r4, out):
    """Fill the output times inside the accepted step from ``t`` to ``tn``, up to ``t_stop``; the next index.

    At ``tn`` the step's end value is exact; between, the step's dense output (``mode``). When a
    population ``crossed`` its threshold at ``t_stop``, an output time at ``t_stop`` is left for
    the restart there (it reports the state after the extinction).
    """
    ng = grid.shape[0]
    while gi < ng and (grid[gi] < b or last) and grid[gi] <= t_stop:
        if grid[gi] == tn and not crossed:
            for i in range(y1.shape[0]):
                out[gi, i] = y1[i]
        elif grid[gi] == t_stop and crossed:
            break
        else:
            th = (grid[gi] - t) / h
            for i in range(y.shape[0]):
                out[gi, i] = value(mode, th, y, y1, h, r1, r2, r3, r4, i)
        gi += 1
    return gi
