"""The model declaration: states, parameters, intermediates, reactions, equations, outputs.

A :class:`Model` is an immutable value. Every engine (reference ODE, compiled cohort,
stochastic, SBML export) reads the same declaration; nothing about a model lives in
opaque code.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Literal

import numpy as np

from iosim.errors import InputError, ModelError, UnknownNameError
from iosim.expr import ZERO, Expr, Sym, add, free_symbols, mul, substitute

StateKind = Literal["cells", "amount", "concentration", "other"]

#: Default extinction threshold for cell states: below one cell a population is gone.
DEFAULT_EXTINCTION_CELLS = 1.0


@dataclass(frozen=True)
class Reference:
    """Where a model comes from."""

    citation: str
    doi: str = ""
    biomodels: str = ""

    def __str__(self) -> str:
        extra = ", ".join(x for x in (f"doi:{self.doi}" if self.doi else "", self.biomodels) if x)
        return f"{self.citation} ({extra})" if extra else self.citation


@dataclass(frozen=True)
class State:
    name: str
    unit: str
    description: str
    initial: float = 0.0
    kind: StateKind = "other"
    #: A value below this becomes exactly 0 (None: never). Cell states default to 1 cell.
    extinction_threshold: float | None = None
    nonnegative: bool = True


@dataclass(frozen=True)
class Parameter:
    name: str
    value: float
    unit: str
    description: str
    source: str
    bounds: tuple[float, float] = (0.0, math.inf)

    def __post_init__(self) -> None:
        lo, hi = self.bounds
        if not math.isfinite(self.value):
            raise ModelError(f"parameter {self.name} has non-finite value {self.value}")
        if not (lo <= self.value <= hi):
            raise ModelError(f"parameter {self.name}={self.value} is outside its bounds [{lo}, {hi}]")
        if not self.source.strip():
            raise ModelError(f"parameter {self.name} needs a source (paper, table) or 'calibrated: ...'")


@dataclass(frozen=True)
class Intermediate:
    """A named sub-expression (a flux, a saturation term) used in equations."""

    name: str
    expr: Expr
    unit: str = ""
    description: str = ""


@dataclass(frozen=True)
class Reaction:
    """A process that changes states by whole units: a birth, death, kill or transition.

    The ODE reads it as ``d(state)/dt += coefficient * rate``; the stochastic engines read
    it as an event firing at ``rate`` that adds ``coefficient`` to each state.
    """

    name: str
    rate: Expr
    changes: tuple[tuple[str, float], ...]
    description: str = ""


@dataclass(frozen=True)
class Output:
    name: str
    expr: Expr
    unit: str
    description: str = ""


@dataclass(frozen=True)
class Model:
    id: str
    title: str
    reference: Reference
    states: tuple[State, ...]
    parameters: tuple[Parameter, ...]
    intermediates: tuple[Intermediate, ...] = ()
    reactions: tuple[Reaction, ...] = ()
    #: Explicit right-hand-side terms per state, added to the reactions' contributions.
    equations: tuple[tuple[str, Expr], ...] = ()
    outputs: tuple[Output, ...] = ()
    #: Modelling decisions and corrections to published deposits, in plain text.
    notes: tuple[str, ...] = ()
    #: Time unit of the model's equations.
    time_unit: str = "day"
    description: str = ""

    def __post_init__(self) -> None:
        self._validate()

    # -- names ---------------------------------------------------------------------------
    @cached_property
    def state_names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.states)

    @cached_property
    def parameter_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.parameters)

    @cached_property
    def output_names(self) -> tuple[str, ...]:
        return tuple(o.name for o in self.outputs)

    def state(self, name: str) -> State:
        for s in self.states:
            if s.name == name:
                return s
        raise UnknownNameError("state", name, self.state_names)

    def parameter(self, name: str) -> Parameter:
        for p in self.parameters:
            if p.name == name:
                return p
        raise UnknownNameError("parameter", name, self.parameter_names)

    def state_index(self, name: str) -> int:
        try:
            return self.state_names.index(name)
        except ValueError:
            raise UnknownNameError("state", name, self.state_names) from None

    def parameter_index(self, name: str) -> int:
        try:
            return self.parameter_names.index(name)
        except ValueError:
            raise UnknownNameError("parameter", name, self.parameter_names) from None

    # -- equations -----------------------------------------------------------------------
    def rhs(self, state: str) -> Expr:
        """d(state)/dt in terms of states, parameters, intermediates and ``t``."""
        self.state_index(state)
        terms = [e for s, e in self.equations if s == state]
        for r in self.reactions:
            for s, c in r.changes:
                if s == state:
                    terms.append(mul(c, Sym(r.name)))  # rates are named, like intermediates
        return add(*terms) if terms else ZERO

    def named_expressions(self) -> tuple[tuple[str, Expr], ...]:
        """Intermediates and reaction rates in evaluation order."""
        return tuple((i.name, i.expr) for i in self.intermediates) + tuple((r.name, r.rate) for r in self.reactions)

    def expanded_rhs(self) -> tuple[Expr, ...]:
        """Right-hand sides with every intermediate inlined (for Jacobians and export)."""
        return self._expanded_rhs

    @cached_property
    def _expanded_rhs(self) -> tuple[Expr, ...]:
        env: dict[str, Expr] = {}
        for name, e in self.named_expressions():
            env[name] = substitute(e, env)
        return tuple(substitute(self.rhs(s), env) for s in self.state_names)

    def expanded_output(self, name: str) -> Expr:
        env: dict[str, Expr] = {}
        for n, e in self.named_expressions():
            env[n] = substitute(e, env)
        for o in self.outputs:
            if o.name == name:
                return substitute(o.expr, env)
        raise UnknownNameError("output", name, self.output_names)

    # -- values --------------------------------------------------------------------------
    def parameter_values(self, overrides: dict[str, float] | None = None) -> np.ndarray:
        values = np.array([p.value for p in self.parameters], dtype=float)
        for name, v in (overrides or {}).items():
            p = self.parameter(name)
            v = _finite(f"parameter {name}", v)
            lo, hi = p.bounds
            if not lo <= v <= hi:
                raise InputError(f"parameter {name}={v} is outside its bounds [{lo}, {hi}]; pick a value inside")
            values[self.parameter_names.index(name)] = v
        return values

    def initial_values(self, overrides: dict[str, float] | None = None) -> np.ndarray:
        values = np.array([s.initial for s in self.states], dtype=float)
        for name, v in (overrides or {}).items():
            i = self.state_index(name)
            v = _finite(f"initial {name}", v)
            if v < 0 and self.states[i].nonnegative:
                raise InputError(f"initial {name}={v} is negative; {name} is a nonnegative quantity")
            values[i] = v
        return values

    def with_parameters(self, **values: float) -> Model:
        """A copy with new default parameter values."""
        params = list(self.parameters)
        for name, v in values.items():
            i = self.parameter_names.index(self.parameter(name).name)
            params[i] = replace(params[i], value=float(v))
        return replace(self, parameters=tuple(params))

    def with_initial(self, **values: float) -> Model:
        states = list(self.states)
        for name, v in values.items():
            i = self.state_index(name)
            states[i] = replace(states[i], initial=float(v))
        return replace(self, states=tuple(states))

    def extinction_thresholds(self) -> np.ndarray:
        """Per-state threshold (NaN where the rule does not apply)."""
        return np.array([np.nan if s.extinction_threshold is None else s.extinction_threshold for s in self.states])

    # -- checks --------------------------------------------------------------------------
    def _validate(self) -> None:
        seen: set[str] = {"t"}
        for kind, names in (
            ("state", [s.name for s in self.states]),
            ("parameter", [p.name for p in self.parameters]),
            ("intermediate", [i.name for i in self.intermediates]),
            ("reaction", [r.name for r in self.reactions]),
        ):
            for n in names:
                if not n.isidentifier():
                    raise ModelError(f"{kind} name {n!r} is not a valid identifier")
                if n in seen:
                    raise ModelError(f"{kind} name {n!r} is used twice (or clashes with 't')")
                seen.add(n)
        if not self.states:
            raise ModelError(f"model {self.id} declares no states")
        known = {"t", *self.state_names, *self.parameter_names}
        for name, e in self.named_expressions():
            missing = free_symbols(e) - known
            if missing:
                raise ModelError(f"{name} in model {self.id} uses undefined {sorted(missing)}")
            known.add(name)
        states = set(self.state_names)
        for s, e in self.equations:
            if s not in states:
                raise ModelError(f"equation for unknown state {s!r} in model {self.id}")
            missing = free_symbols(e) - known
            if missing:
                raise ModelError(f"equation for {s} in model {self.id} uses undefined {sorted(missing)}")
        for r in self.reactions:
            for s, _ in r.changes:
                if s not in states:
                    raise ModelError(f"reaction {r.name} changes unknown state {s!r}")
        for o in self.outputs:
            missing = free_symbols(o.expr) - known
            if missing:
                raise ModelError(f"output {o.name} uses undefined {sorted(missing)}")

    @property
    def is_reaction_network(self) -> bool:
        """True when every state changes only through declared reactions."""
        return bool(self.reactions) and not self.equations

    def __hash__(self) -> int:
        return hash((self.id, self.states, self.parameters, self.equations, self.reactions))


def _finite(label: str, v: float) -> float:
    try:
        v = float(v)
    except (TypeError, ValueError):
        raise InputError(f"{label} must be a number, got {v!r}") from None
    if not math.isfinite(v):
        raise InputError(f"{label} must be finite, got {v}")
    return v


__all__ = [
    "DEFAULT_EXTINCTION_CELLS",
    "Intermediate",
    "Model",
    "Output",
    "Parameter",
    "Reaction",
    "Reference",
    "State",
    "StateKind",
]
