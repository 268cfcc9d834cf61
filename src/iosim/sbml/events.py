"""SBML events that fire at fixed times, read as doses.

iosim applies doses as exact discontinuities but has no general event engine. An SBML
event is a dose when

- its trigger is ``time >= c`` (or ``time > c``, ``c <= time``, ``c < time``) with ``c``
  built from constants only, no priority, and a constant delay or none;
- each assignment targets a state and is either a constant (a :class:`~iosim.SetState`)
  or ``x + c`` for the target ``x`` and a constant ``c >= 0`` (a :class:`~iosim.Bolus`).

It fires once, at ``c`` plus the delay (a delayed ``x + c`` must use values from the time
of execution, ``useValuesFromTriggerTime="false"``). When ``c`` is at or before the start
it fires at the start only if the trigger's ``initialValue`` is false (SBML fires on a
false-to-true transition). Values of concentration species are converted to amounts with
their compartment's size; parameters and compartments that events assign become states
with a zero rate. Any other event raises :class:`UnsupportedSBMLError` naming what is missing.
"""

from __future__ import annotations

from collections.abc import Callable

from iosim.dosing import Bolus, SetState
from iosim.errors import DosingError, ExpressionError
from iosim.expr import ONE, ZERO, Expr, Op, Sym, diff, substitute
from iosim.sbml.errors import UnsupportedSBMLError
from iosim.sbml.math import TIME

#: Returns the value of an expression made of constants only, or None.
ConstantValue = Callable[[Expr], "float | None"]

_AFTER = {"ge": True, "gt": True, "le": False, "lt": False}  # True: time is on the left


def trigger_time(trigger: Expr, value: ConstantValue) -> tuple[float, bool] | None:
    """``(c, strict)`` for a trigger ``time >= c`` (strict for ``time > c``) or an equivalent
    form, else None."""
    if not (isinstance(trigger, Op) and trigger.op in _AFTER):
        return None
    left, right = trigger.args
    time_left = _AFTER[trigger.op]
    t, c = (left, right) if time_left else (right, left)
    if t != Sym(TIME):
        return None
    at = value(c)
    return None if at is None else (at, trigger.op in ("gt", "lt"))


def dose(
    state: str, target: str, assigned: Expr, at: float, scale: float, value: ConstantValue, where: str
) -> Bolus | SetState:
    """The dose for the SBML assignment ``target := assigned`` at time ``at``; ``state`` is the
    target's model name and ``scale`` converts its SBML value to the state's (a volume)."""
    try:
        fixed = value(assigned)
        if fixed is not None:
            return SetState(state, fixed * scale, at)
        if diff(assigned, target) == ONE:  # x + c
            amount = value(substitute(assigned, {target: ZERO}))
            if amount is not None:
                return Bolus(state, amount * scale, at)
    except DosingError as e:  # negative amounts or values
        raise UnsupportedSBMLError("event assignment", f"{where}: {e}") from None
    except ExpressionError:
        pass
    raise UnsupportedSBMLError("event assignment", f"{where}: only constants and '{target} + constant' are doses")
