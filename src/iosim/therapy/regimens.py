"""Clinical regimen strings: ``3mg/kg-q2w``, ``3mg/kg-q3w-x4``, ``375mg/m2-qw-x4``,
``600000IU/kg-q8h-x14-2cycles``, ``2e6cells/kg-once``, and sequences joined by commas
(``4mg/kg-once,2mg/kg-qw``: a loading dose, then weekly maintenance).

Grammar of one segment::

    AMOUNT UNIT - FREQUENCY [-xCOUNT] [-NcyclesN] [-cycleDAYSd] [@STARTd]

FREQUENCY is ``once``, ``qd``, ``tiw`` (three times a week, evenly: days 0, 2⅓, 4⅔), ``qw``, or
``qN{h,d,w}`` (every N hours, days or weeks). Without ``-xCOUNT`` a repeated dose continues
to the end of the treatment horizon. ``-2cycles`` repeats the block of doses (cycles start
every 14 days unless ``-cycle21d`` says otherwise). A later segment without ``@START`` starts
one of its own intervals after the previous segment's last dose.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from iosim.errors import DosingError
from iosim.therapy.units import Patient, normalise_unit, to_absolute

_FORM = "AMOUNT UNIT-FREQ[-xN][-Ncycles][@DAYd], e.g. 3mg/kg-q3w-x4 or 600000IU/kg-q8h-x14-2cycles"
_SEG = re.compile(
    r"^(?P<amount>\d+(?:\.\d*)?(?:[eE][+-]?\d+)?)\s*(?P<unit>[A-Za-z][A-Za-z/0-9²^]*?)"
    r"-(?P<freq>once|qd|tiw|qw|q\d+(?:\.\d+)?[hdw])"
    r"(?:-x(?P<count>\d+))?(?:-(?P<cycles>\d+)cycles)?(?:-cycle(?P<cycle_days>\d+(?:\.\d+)?)d)?"
    r"(?:@(?P<start>\d+(?:\.\d+)?)d?)?$"
)

#: How long a dose repeated without a count continues (days): two years, the usual maximum
#: duration of checkpoint-inhibitor treatment in trials (e.g. KEYNOTE-006, CheckMate 067 protocols).
DEFAULT_HORIZON_DAYS = 730.0

#: Most doses one regimen may expand to: far above any clinical schedule (q8h for 20 years is
#: about 22,000), low enough that ``q0.0001h`` or ``-x99999999999`` fails at once instead of
#: filling memory.
MAX_DOSES = 100_000


def _interval_days(freq: str) -> float | None:
    if freq == "once":
        return None
    if freq == "qd":
        return 1.0
    if freq == "qw":
        return 7.0
    if freq == "tiw":
        return 7.0 / 3.0
    n, unit = float(freq[1:-1]), freq[-1]
    if n <= 0:
        raise DosingError(f"frequency {freq!r} needs a positive interval")
    return n * {"h": 1.0 / 24.0, "d": 1.0, "w": 7.0}[unit]


def _fitting(span: float, step: float, count: int | None) -> int:
    """How many of ``count`` (or unlimited) repeats every ``step`` days to generate to cover ``span``
    days: one more than fit, so that the caller's tolerance on the horizon decides the last one."""
    fit = math.floor(min(span / step, MAX_DOSES + 1.0)) + 2
    return fit if count is None else min(count, fit)


@dataclass(frozen=True)
class Segment:
    """One block of identical doses."""

    amount: float
    unit: str
    freq: str
    count: int | None = None
    cycles: int = 1
    cycle_days: float = 14.0
    start: float | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "unit", normalise_unit(self.unit))
        if not (math.isfinite(self.amount) and self.amount > 0):
            raise DosingError(f"dose amount must be positive, got {self.amount}")
        if self.count is not None and self.count < 1:
            raise DosingError("a dose count (-xN) must be at least 1")
        if self.cycles < 1:
            raise DosingError("the number of cycles must be at least 1")
        if self.start is not None and self.start < 0:
            raise DosingError(f"a schedule cannot start before day 0 (got @{self.start})")
        interval = _interval_days(self.freq)
        if self.cycles > 1:
            n = self.count or 1
            span = (n - 1) * (interval or 0.0)
            if self.count is None and interval is not None:
                raise DosingError("a cycled schedule needs a dose count per cycle, e.g. -x14-2cycles")
            if span >= self.cycle_days:
                raise DosingError(
                    f"cycle of {n} doses spans {span:g} days, longer than the cycle length {self.cycle_days:g} days: "
                    "cycles would overlap; give -cycleNd with a longer cycle"
                )

    @property
    def interval(self) -> float | None:
        return _interval_days(self.freq)

    def times(self, start: float, horizon: float) -> list[float]:
        if not (math.isfinite(start) and math.isfinite(horizon)):
            raise DosingError(f"dose times need a finite start and horizon, got {start} and {horizon} days")
        if horizon + 1e-9 < start:  # the tolerance of the filter below
            return []
        iv = self.interval
        # Doses past the horizon are dropped, so never generate more than fit before it (the
        # ratios are capped before rounding: a tiny interval over a long horizon overflows).
        n_dose = 1 if iv is None else _fitting(horizon - start, iv, self.count)
        n_cycle = 1 if self.cycles == 1 else _fitting(horizon - start, self.cycle_days, self.cycles)
        if n_dose * n_cycle > MAX_DOSES:
            raise DosingError(
                f"{self.freq} over {horizon - start:g} days gives more than {MAX_DOSES:,} doses; "
                "give a longer interval or a count (-xN)"
            )
        iv = iv or 0.0
        out = [start + c * self.cycle_days + k * iv for c in range(n_cycle) for k in range(n_dose)]
        return [t for t in out if t <= horizon + 1e-9]


@dataclass(frozen=True)
class RegimenSpec:
    """A parsed regimen string: segments in order."""

    text: str
    segments: tuple[Segment, ...]

    def dose_times(self, horizon: float = DEFAULT_HORIZON_DAYS) -> list[tuple[float, Segment]]:
        out: list[tuple[float, Segment]] = []
        last: float | None = None
        for seg in self.segments:
            if seg.start is not None:
                start = seg.start
                if last is not None and start <= last:
                    raise DosingError(
                        f"regimen {self.text!r}: segment starting @{start:g}d overlaps the previous one "
                        f"(its last dose is on day {last:g})"
                    )
            elif last is None:
                start = 0.0
            else:
                start = last + (seg.interval or 7.0)
            times = seg.times(start, horizon)
            out += [(t, seg) for t in times]
            if times:
                last = times[-1]
        return out

    def absolute_doses(self, patient: Patient, horizon: float = DEFAULT_HORIZON_DAYS) -> list[tuple[float, float, str]]:
        """(day, amount, base unit) for every dose, in mg, IU or cells for this patient."""
        out = []
        for t, seg in self.dose_times(horizon):
            amount, base = to_absolute(seg.amount, seg.unit, patient)
            out.append((t, amount, base))
        return out

    @property
    def base_unit(self) -> str:
        from iosim.therapy.units import UNITS

        bases = {UNITS[s.unit][0] for s in self.segments}
        if len(bases) != 1:
            raise DosingError(f"regimen {self.text!r} mixes {' and '.join(sorted(bases))}; use one kind of unit")
        return bases.pop()


def parse_regimen(text: str) -> RegimenSpec:
    """Parse a regimen string; a malformed one raises :class:`DosingError` showing the form."""
    if not isinstance(text, str) or not text.strip():
        raise DosingError(f"empty regimen; write {_FORM}")
    segments = []
    for part in text.replace(" ", "").split(","):
        m = _SEG.match(part)
        if not m:
            raise DosingError(f"regimen {part!r} is malformed; write {_FORM}")
        g = m.groupdict()
        segments.append(
            Segment(
                amount=float(g["amount"]),
                unit=g["unit"],
                freq=g["freq"],
                count=int(g["count"]) if g["count"] else None,
                cycles=int(g["cycles"]) if g["cycles"] else 1,
                cycle_days=float(g["cycle_days"]) if g["cycle_days"] else 14.0,
                start=float(g["start"]) if g["start"] else None,
            )
        )
    spec = RegimenSpec(text.strip(), tuple(segments))
    spec.base_unit  # noqa: B018 - validates that the segments share a unit kind
    return spec
