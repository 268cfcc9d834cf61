"""Dose specifications written as text, as on the command line.

``STATE:AMOUNT@DAY[,every=DAYS][,count=N][,over=DAYS]`` — a bolus of AMOUNT into STATE at
DAY, repeated ``count`` times every ``every`` days; with ``over=`` each dose is a
zero-order infusion of that duration instead. ``STATE=VALUE@DAY`` sets a state.
"""

from __future__ import annotations

import math
import re

from iosim.dosing.regimen import Regimen, bolus, infusion, set_state
from iosim.errors import DosingError

_FORM = "STATE:AMOUNT@DAY[,every=DAYS,count=N,over=DAYS] or STATE=VALUE@DAY"
#: Most doses one text may expand to (``count=``): far above any clinical schedule (daily for
#: 100 years is 36,525), low enough that a typo such as ``count=1e9`` fails at once instead of
#: filling memory.
MAX_DOSES = 100_000
_HEAD = re.compile(r"^\s*([A-Za-z_]\w*)\s*([:=])\s*([^@,\s]+)\s*@\s*([^,\s]+)\s*$")


def _number(text: str, what: str, spec: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise DosingError(f"dose {spec!r}: {what} {text!r} is not a number (form: {_FORM})") from None


def parse_dose(spec: str) -> Regimen:
    if not isinstance(spec, str):
        raise DosingError(f"a dose is text ({_FORM}), got {type(spec).__name__}")
    head, *options = spec.split(",")
    m = _HEAD.match(head)
    if not m:
        raise DosingError(f"dose {spec!r} is malformed; write it as {_FORM}")
    state, sep, amount_text, day_text = m.groups()
    amount = _number(amount_text, "amount", spec)
    day = _number(day_text, "day", spec)
    opts: dict[str, str] = {}
    for opt in options:
        key, eq, value = opt.partition("=")
        key = key.strip()
        if not eq or key not in {"every", "count", "over"}:
            raise DosingError(f"dose {spec!r}: unknown option {opt.strip()!r}; use every=DAYS, count=N or over=DAYS")
        opts[key] = value.strip()
    if sep == "=":
        if opts:
            raise DosingError(f"dose {spec!r}: a set-event takes no options")
        return set_state(state, amount, at=day, label=spec)
    every = _number(opts["every"], "every", spec) if "every" in opts else None
    count_f = _number(opts.get("count", "1"), "count", spec)
    if not (math.isfinite(count_f) and count_f == int(count_f)):
        raise DosingError(f"dose {spec!r}: count must be a whole number")
    if count_f > MAX_DOSES:
        raise DosingError(f"dose {spec!r}: count={count_f:g} is more than {MAX_DOSES:,} doses")
    count = int(count_f)
    if "over" in opts:
        over = _number(opts["over"], "over", spec)
        return infusion(state, amount=amount, duration=over, at=day, every=every, count=count, label=spec)
    return bolus(state, amount, at=day, every=every, count=count, label=spec)
