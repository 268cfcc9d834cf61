"""A regimen as arrays, for compiled engines: segments, the jumps at their starts, infusion rates.

Segment rules are those of the reference engine: integration restarts at every dose time
and at every infusion start and end; boluses and set-events apply at a segment's start
(in regimen order); infusions add a constant rate inside the segments they cover.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from iosim.dosing.regimen import Bolus, Infusion, Regimen, SetState
from iosim.model.declaration import Model

BOLUS, SET = 0, 1


@dataclass(frozen=True)
class Schedule:
    #: Segment bounds: segment k is [seg_t[k], seg_t[k + 1]).
    seg_t: np.ndarray
    #: Jumps at the start of segment k are jump_lo[k]:jump_hi[k] of the jump arrays.
    jump_lo: np.ndarray
    jump_hi: np.ndarray
    jump_kind: np.ndarray
    jump_state: np.ndarray
    jump_value: np.ndarray
    #: Infusion rate into each state during each segment, shape (n_segments, n_states).
    seg_u: np.ndarray

    def arrays(self) -> tuple[np.ndarray, ...]:
        return (self.seg_t, self.jump_lo, self.jump_hi, self.jump_kind, self.jump_state, self.jump_value, self.seg_u)


def encode_schedule(model: Model, regimen: Regimen, t_start: float, t_end: float) -> Schedule:
    breaks = regimen.segment_starts(t_start, t_end)
    lo: list[int] = []
    hi: list[int] = []
    kind: list[int] = []
    state: list[int] = []
    value: list[float] = []
    u = np.zeros((len(breaks), len(model.states)))
    for k, a in enumerate(breaks):
        lo.append(len(kind))
        for e in regimen:
            if e.time == a and isinstance(e, (Bolus, SetState)):
                kind.append(BOLUS if isinstance(e, Bolus) else SET)
                state.append(model.state_index(e.state))
                value.append(e.amount if isinstance(e, Bolus) else e.value)
            elif isinstance(e, Infusion) and e.time <= a < e.end:
                u[k, model.state_index(e.state)] += e.rate
        hi.append(len(kind))
    i64 = np.int64
    return Schedule(
        np.array([*breaks, t_end], float),
        np.array(lo, i64),
        np.array(hi, i64),
        np.array(kind, i64),
        np.array(state, i64),
        np.array(value, float),
        np.ascontiguousarray(u),
    )
