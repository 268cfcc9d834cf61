"""Doses as exact discontinuities: boluses, zero-order infusions and set-events.

A :class:`Regimen` is an immutable, time-sorted collection of dose events in model units
(the amount is added to a state as it is). Conversion from clinical units (mg/kg, mg/m²)
into model units happens before a regimen is built.

Event times closer than :data:`SAME_INSTANT` (relative to ``max(1, t)`` days) to an earlier
event time, an infusion end or day 0 are the same instant: the regimen moves them onto it.
Times that differ only by rounding (``0.3`` and ``0.1 * 3``) would otherwise make a segment
a few 1e-17 days long, on which no integrator can take a step.
"""

from __future__ import annotations

import math
import operator
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Union

from iosim.errors import DosingError


def _check(label: str, value: float, *, positive: bool = False, nonnegative: bool = True) -> float:
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise DosingError(f"{label} must be a number, got {value!r}") from None
    if not math.isfinite(value):
        raise DosingError(f"{label} must be finite, got {value}")
    if positive and value <= 0:
        raise DosingError(f"{label} must be positive, got {value}")
    if nonnegative and value < 0:
        raise DosingError(f"{label} must not be negative, got {value}")
    return value


@dataclass(frozen=True)
class Bolus:
    """Adds ``amount`` to ``state`` instantly at ``time``."""

    state: str
    amount: float
    time: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "amount", _check("bolus amount", self.amount))
        object.__setattr__(self, "time", _check("bolus time", self.time))


@dataclass(frozen=True)
class Infusion:
    """Adds ``rate`` (state units per time unit) to d(state)/dt during [time, time + duration)."""

    state: str
    rate: float
    time: float
    duration: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "rate", _check("infusion rate", self.rate))
        object.__setattr__(self, "time", _check("infusion start", self.time))
        object.__setattr__(self, "duration", _check("infusion duration", self.duration, positive=True))

    @property
    def end(self) -> float:
        return self.time + self.duration

    @property
    def amount(self) -> float:
        return self.rate * self.duration


@dataclass(frozen=True)
class SetState:
    """Sets ``state`` to ``value`` at ``time`` (a re-challenge, a lymphodepletion reset)."""

    state: str
    value: float
    time: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "value", _check("set value", self.value))
        object.__setattr__(self, "time", _check("set time", self.time))


DoseEvent = Union[Bolus, Infusion, SetState]

#: Relative width (days, times max(1, t)) under which two event times are one instant: 1e-12 days
#: is 86 ns, far below any dosing time scale, and 100 times the ~1e-14 relative segment width
#: under which the integrators fail (two doses one rounding apart stopped the cohort engine with
#: "step_too_small" and LSODA with "illegal input"; a dose at t = 1e-250 hung LSODA).
SAME_INSTANT = 1e-12


def _near(anchors: list[float], t: float) -> float | None:
    """The anchor closest to ``t`` if it is within SAME_INSTANT of it."""
    i = bisect_left(anchors, t)
    best = None
    for a in anchors[max(i - 1, 0) : i + 1]:
        if abs(t - a) <= SAME_INSTANT * max(1.0, abs(a)) and (best is None or abs(t - a) < abs(t - best)):
            best = a
    return best


def _add(anchors: list[float], t: float) -> None:
    i = bisect_left(anchors, t)  # times come mostly in order: this is mostly an append
    if i == len(anchors) or anchors[i] != t:
        anchors.insert(i, t)


def _one_instant(events: Iterable[DoseEvent]) -> list[DoseEvent]:
    """Events in time order, each time within SAME_INSTANT of an earlier time, an infusion end or 0
    moved onto it (an infusion's end too, where its duration can be made to land on it exactly)."""
    anchors = [0.0]
    out = []
    for e in sorted(events, key=lambda e: e.time):
        t = _near(anchors, e.time)
        if t is not None and t != e.time:
            e = replace(e, time=t)
        _add(anchors, e.time)
        if isinstance(e, Infusion):
            end = _near(anchors, e.end)
            if end is not None and end != e.end and end > e.time and e.time + (end - e.time) == end:
                e = replace(e, duration=end - e.time)
            _add(anchors, e.end)
        out.append(e)
    return out


@dataclass(frozen=True)
class Regimen:
    """A sorted tuple of dose events. Combine regimens with ``+``."""

    events: tuple[DoseEvent, ...] = ()
    label: str = ""

    def __post_init__(self) -> None:
        for e in self.events:
            if not isinstance(e, (Bolus, Infusion, SetState)):
                raise DosingError(f"a regimen holds Bolus, Infusion or SetState events, not {type(e).__name__}")
        object.__setattr__(self, "events", tuple(sorted(_one_instant(self.events), key=lambda e: e.time)))

    def __add__(self, other: Regimen) -> Regimen:
        if not isinstance(other, Regimen):
            return NotImplemented
        label = " + ".join(x for x in (self.label, other.label) if x)
        return Regimen(self.events + other.events, label)

    def __iter__(self) -> Iterator[DoseEvent]:
        return iter(self.events)

    def __len__(self) -> int:
        return len(self.events)

    def shifted(self, days: float) -> Regimen:
        """The same regimen starting ``days`` later."""
        return Regimen(tuple(replace(e, time=e.time + days) for e in self.events), self.label)

    def states(self) -> set[str]:
        return {e.state for e in self.events}

    def breakpoints(self) -> list[float]:
        """Every time at which the right-hand side or the state jumps."""
        times: set[float] = set()
        for e in self.events:
            times.add(e.time)
            if isinstance(e, Infusion):
                times.add(e.end)
        return sorted(times)

    def segment_starts(self, t_start: float, t_end: float) -> list[float]:
        """Where integration segments start in [t_start, t_end): ``t_start`` and every breakpoint
        before ``t_end``. A breakpoint within SAME_INSTANT of ``t_end`` is ``t_end`` itself (its
        doses fall at the end, which is not simulated) rather than a segment no solver can cross."""
        last = t_end - SAME_INSTANT * max(1.0, abs(t_end))
        return sorted({t_start, *(b for b in self.breakpoints() if t_start <= b < last)})

    def total(self, state: str) -> float:
        """Total amount delivered into ``state`` by boluses and infusions."""
        return sum(e.amount for e in self.events if e.state == state and isinstance(e, (Bolus, Infusion)))


NO_DOSING = Regimen()


def _times(start: float, every: float | None, count: int) -> list[float]:
    start = _check("start", start)
    try:
        whole = operator.index(count)  # an int or a numpy integer (np.arange, a DataFrame), not 2.0
    except TypeError:
        whole = 0
    if isinstance(count, bool) or whole < 1:
        raise DosingError(f"count must be a whole number of at least 1, got {count!r}")
    count = whole
    if count > 1 and every is None:
        raise DosingError("several doses need an interval: give every=DAYS")
    step = _check("interval (every)", every, positive=True) if every is not None else 0.0
    return [start + i * step for i in range(count)]


def bolus(
    state: str, amount: float, *, at: float = 0.0, every: float | None = None, count: int = 1, label: str = ""
) -> Regimen:
    """``count`` boluses of ``amount`` into ``state``, the first at ``at``, then every ``every`` days."""
    return Regimen(tuple(Bolus(state, amount, t) for t in _times(at, every, count)), label)


def infusion(
    state: str,
    *,
    duration: float,
    rate: float | None = None,
    amount: float | None = None,
    at: float = 0.0,
    every: float | None = None,
    count: int = 1,
    label: str = "",
) -> Regimen:
    """Zero-order infusions given by ``rate`` or by total ``amount`` over ``duration``."""
    duration = _check("infusion duration", duration, positive=True)
    if rate is not None and amount is None:
        r = rate
    elif amount is not None and rate is None:
        r = _check("infusion amount", amount) / duration
    else:
        raise DosingError("give exactly one of rate= or amount= for an infusion")
    times = _times(at, every, count)
    if every is not None and count > 1 and duration > every:
        raise DosingError(f"infusion duration {duration} is longer than the interval {every}: doses would overlap")
    return Regimen(tuple(Infusion(state, r, t, duration) for t in times), label)


def set_state(state: str, value: float, *, at: float, label: str = "") -> Regimen:
    return Regimen((SetState(state, value, at),), label)


def combine(regimens: Iterable[Regimen]) -> Regimen:
    out = NO_DOSING
    for r in regimens:
        out = out + r
    return out
