"""What every engine is asked for: which times to save (:class:`SaveAt`) and how to solve (:class:`SolverOptions`).

The four engines (:func:`iosim.simulate`, :func:`iosim.cohort.simulate_cohort`,
:func:`iosim.cohort.gpu.simulate_cohort_gpu`, :func:`iosim.stochastic.simulate_stochastic`)
take the same two value objects, in the spirit of diffrax's ``SaveAt``::

    from iosim import SaveAt, SolverOptions, simulate
    simulate("kuznetsov1994", 60, saveat=SaveAt(every=0.5), solver=SolverOptions(method="BDF", rtol=1e-6))
    simulate_cohort("kuznetsov1994", 60, params=..., saveat=SaveAt(t1=True))   # final values only

The engines' older keyword arguments (``output_every``, ``times``, ``final_only``, ``method``,
``rtol``, ``atol``, ``max_steps``, ``extinction``) still work: they build these objects. Giving
both an object and one of the keywords it replaces is an :class:`InputError`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from iosim.errors import InputError

#: Default interval of the regular output grid, in the model's time unit (days).
DEFAULT_EVERY = 1.0


@dataclass(frozen=True)
class SaveAt:
    """The output times of a run: a regular grid, given times, or the final time only.

    Give at most one of ``every`` (a regular grid from the start, the end appended when it does
    not fall on it), ``ts`` (explicit times within the simulated span) and ``t1=True`` (the state
    at the end only). ``SaveAt()`` is a grid every ``DEFAULT_EVERY`` (1 day). At a dose time the
    value reported is the one after the dose.
    """

    every: float | None = None
    ts: tuple[float, ...] | None = None
    t1: bool = False

    def __post_init__(self) -> None:
        given = [name for name, on in (("every", self.every is not None), ("ts", self.ts is not None),
                                        ("t1", bool(self.t1))) if on]  # fmt: skip
        if len(given) > 1:
            raise InputError(f"SaveAt takes one of every, ts and t1, got {' and '.join(given)}; keep one")
        if self.every is not None:
            every = _number(self.every, "SaveAt.every")
            if not (math.isfinite(every) and every > 0):
                raise InputError(f"SaveAt.every (the output interval) must be a positive number, got {self.every}")
            object.__setattr__(self, "every", every)
        if self.ts is not None:
            try:
                ts = tuple(float(x) for x in np.asarray(self.ts, dtype=float).reshape(-1))
            except (TypeError, ValueError):
                raise InputError("SaveAt.ts (the output times) must be numbers") from None
            if not ts or not all(math.isfinite(x) for x in ts):
                raise InputError("SaveAt.ts (the output times) must be at least one finite number")
            object.__setattr__(self, "ts", ts)
        if not given:
            object.__setattr__(self, "every", DEFAULT_EVERY)

    def times(self, t_end: float) -> Iterable[float] | None:
        """The explicit output times (``None`` for a regular grid), for :func:`resolve_grid`."""
        return [t_end] if self.t1 else self.ts

    @property
    def interval(self) -> float:
        """The regular grid's interval (``DEFAULT_EVERY`` when the times are explicit: unused then)."""
        return self.every if self.every is not None else DEFAULT_EVERY


@dataclass(frozen=True)
class SolverOptions:
    """How an engine integrates: method, tolerances, step budget, the extinction rule.

    ``None`` means the engine's own default (each engine documents it: ``"LSODA"`` with
    ``rtol=atol=1e-8`` for the reference engine, ``"auto"`` with ``1e-6`` for the cohort
    engines, ``"ssa"`` for the stochastic ones). ``method`` must be one of the engine's
    ``METHODS``. ``max_steps`` is the engine's step budget: right-hand-side evaluations
    (reference), accepted plus rejected steps per patient (cohort, GPU), events or steps per
    replicate (stochastic). ``extinction`` applies the extinction rule (a cell population below
    its threshold becomes 0). The stochastic engines fix their own tolerances and refuse
    ``rtol``/``atol``.
    """

    method: str | None = None
    rtol: float | None = None
    atol: float | None = None
    max_steps: int | None = None
    extinction: bool = True

    def __post_init__(self) -> None:
        if self.method is not None and not isinstance(self.method, str):
            raise InputError(f"SolverOptions.method must be a method name, got {self.method!r}")
        for label in ("rtol", "atol"):
            v = getattr(self, label)
            if v is not None:
                v = _number(v, f"SolverOptions.{label}")
                if not (math.isfinite(v) and v > 0):
                    raise InputError(f"{label} must be a positive number, got {getattr(self, label)}")
                object.__setattr__(self, label, v)
        m = self.max_steps
        if m is not None and (isinstance(m, bool) or not isinstance(m, (int, np.integer)) or m < 1):
            raise InputError(f"max_steps must be a whole number of at least 1, got {m!r}")
        if not isinstance(self.extinction, (bool, np.bool_)):
            raise InputError(f"SolverOptions.extinction must be True or False, got {self.extinction!r}")

    def with_defaults(self, **defaults: Any) -> SolverOptions:
        """These options with each field left ``None`` set to the engine's default."""
        return replace(self, **{k: v for k, v in defaults.items() if getattr(self, k) is None})


def _number(value: Any, label: str) -> float:
    if isinstance(value, bool):
        raise InputError(f"{label} must be a number, got {value!r}")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise InputError(f"{label} must be a number, got {value!r}") from None


def saveat_from(
    saveat: SaveAt | None, *, output_every: float | None, times: Iterable[float] | None, final_only: bool = False
) -> SaveAt:
    """The :class:`SaveAt` of a call: the object, or one built from the older keywords (not both)."""
    old = [k for k, on in (("output_every", output_every is not None), ("times", times is not None),
                           ("final_only", bool(final_only))) if on]  # fmt: skip
    if saveat is not None:
        if not isinstance(saveat, SaveAt):
            raise InputError(f"saveat must be a SaveAt, got {type(saveat).__name__}")
        if old:
            raise InputError(f"give the output times once: saveat or {', '.join(old)}, not both")
        return saveat
    if final_only:
        if times is not None:
            raise InputError("final_only and times both set the output times; keep one")
        return SaveAt(t1=True)
    if times is not None:
        # times wins over output_every, as it always did
        try:
            ts = [float(x) for x in times]
        except (TypeError, ValueError):
            raise InputError("output times must be numbers") from None
        return SaveAt(ts=tuple(ts)) if ts else SaveAt(ts=())
    return SaveAt(every=DEFAULT_EVERY if output_every is None else output_every)


def solver_from(solver: SolverOptions | None, **given: Any) -> SolverOptions:
    """The :class:`SolverOptions` of a call: the object, or one built from the older keywords
    (those not ``None``; ``extinction`` counts only when ``False``), not both."""
    extinction = given.pop("extinction", None)
    old = {k: v for k, v in given.items() if v is not None}
    if solver is not None:
        if not isinstance(solver, SolverOptions):
            raise InputError(f"solver must be a SolverOptions, got {type(solver).__name__}")
        named = [*old, *(["extinction"] if extinction is False else [])]
        if named:
            raise InputError(f"give the solver options once: solver or {', '.join(named)}, not both")
        return solver
    return SolverOptions(**old, extinction=True if extinction is None else extinction)
