"""Regimens (``iosim.dosing``): combining keeps every dose, and times one rounding apart become one instant.

The engines restart integration at every event time; two times a few 1e-17 days apart (``0.3`` and
``0.1 * 3``) made a segment on which no integrator can step, so a regimen moves an event time onto an
earlier time, an infusion end or day 0 when it is within ``SAME_INSTANT * max(1, t)`` of it.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iosim.dosing import Bolus, Infusion, Regimen, SetState, bolus
from iosim.dosing.regimen import SAME_INSTANT
from iosim.errors import DosingError

STATES = ("A", "B")
times = st.one_of(
    st.floats(0.0, 400.0),
    st.sampled_from([0.0, 0.3, 0.1 * 3, 7.0, 7.0 * (1 + 1e-15), 21.0, 1e-250, 5e-13]),  # ties and near-ties
)


@st.composite
def events(draw):
    kind = draw(st.sampled_from(["bolus", "bolus", "infusion", "set"]))
    state, t = draw(st.sampled_from(STATES)), draw(times)
    if kind == "bolus":
        return Bolus(state, draw(st.floats(0.0, 1e9)), t)
    if kind == "set":
        return SetState(state, draw(st.floats(0.0, 1e9)), t)
    # durations that end on or next to another time: 0.1 + 0.2 is 0.30000000000000004
    return Infusion(state, draw(st.floats(0.0, 1e6)), t, draw(st.sampled_from([0.2, 1.0, 0.1 * 3, 2.5])))


event_lists = st.lists(events(), max_size=8)


def _key(e):
    """What a dose is apart from its time: kind, state, amount or value or rate."""
    if isinstance(e, Infusion):
        return ("infusion", e.state, e.rate)
    return (type(e).__name__, e.state, e.amount if isinstance(e, Bolus) else e.value)


@settings(max_examples=150)
@given(event_lists)
def test_a_regimen_keeps_every_event_and_moves_times_by_at_most_one_instant(evs):
    reg = Regimen(tuple(evs))
    assert Counter(map(_key, reg)) == Counter(map(_key, evs))
    assert [e.time for e in reg] == sorted(e.time for e in reg)
    # match each event to its original by identity of everything but time, in time order
    for before, after in zip(sorted(evs, key=lambda e: e.time), reg):
        assert _key(after) == _key(before)
        assert abs(after.time - before.time) <= SAME_INSTANT * max(1.0, before.time)
    for e in reg:
        if isinstance(e, Infusion):
            assert e.duration > 0
    # distinct event times are more than one instant apart, and day 0 counts as a time
    starts = sorted({0.0, *(e.time for e in reg)})
    for a, b in zip(starts, starts[1:]):
        assert b - a > SAME_INSTANT * max(1.0, a)
    # idempotent: a regimen built from a regimen's events is the same regimen
    assert Regimen(reg.events).events == reg.events


@settings(max_examples=100)
@given(a=event_lists, b=event_lists, c=event_lists)
def test_combining_is_associative_and_loses_nothing(a, b, c):
    ra, rb, rc = Regimen(tuple(a)), Regimen(tuple(b)), Regimen(tuple(c))
    left, right = (ra + rb) + rc, ra + (rb + rc)

    # The same doses at the same times. Times agree to within the snapping (a chain of near-ties may
    # snap onto a different member), and events of one instant may come in another order (exact ties
    # keep regimen order; a near-tie snapped in one grouping is ordered by its time in the other).
    def doses(r):
        return sorted((round(e.time, 6), _key(e)) for e in r)

    assert doses(left) == doses(right)
    for x, y in zip(left, right):
        assert abs(x.time - y.time) <= 2 * SAME_INSTANT * max(1.0, x.time)
    assert len(left) == len(a) + len(b) + len(c)
    for state in STATES:
        # totals: an infusion's duration may move by one instant to end on another time
        assert left.total(state) == pytest.approx(ra.total(state) + rb.total(state) + rc.total(state), rel=1e-9)


@settings(max_examples=100)
@given(evs=event_lists, days=st.floats(0.0, 100.0))
def test_a_shifted_regimen_is_the_same_regimen_later(evs, days):
    reg = Regimen(tuple(evs))
    moved = reg.shifted(days)
    assert Counter(map(_key, moved)) == Counter(map(_key, reg))
    for before, after in zip(reg, moved):
        assert _key(after) == _key(before)
        assert after.time == pytest.approx(before.time + days, rel=1e-11, abs=1e-11)


@settings(max_examples=30)
@given(count=st.integers(1, 50), every=st.floats(0.1, 30.0), at=st.floats(0.0, 100.0))
def test_a_numpy_count_is_a_whole_number(count, every, at):
    # counts often come from numpy (np.arange, a DataFrame column); they used to raise DosingError
    expected = bolus("A", 1.0, at=at, every=every, count=count)
    assert bolus("A", 1.0, at=at, every=every, count=np.int64(count)) == expected
    with pytest.raises(DosingError):
        bolus("A", 1.0, every=every, count=float(count))
