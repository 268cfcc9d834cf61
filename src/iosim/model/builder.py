"""Declaring a model in Python.

    b = ModelBuilder("kuznetsov1994", "Immunogenic tumour dynamics", reference=Reference(...))
    E = b.state("E", "cells", "effector cells", initial=3.2e5, kind="cells")
    s = b.parameter("s", 1.3e4, "cells/day", "influx of effector cells", source="... Table 1")
    b.equation(E, s - d * E)
    model = b.build()

``state``, ``parameter``, ``intermediate`` and ``reaction`` return symbols, so equations are
written with ordinary Python operators and read like the paper.
"""

from __future__ import annotations

import math

from iosim.errors import ModelError
from iosim.expr import Expr, Sym, as_expr
from iosim.expr.nodes import Operand
from iosim.model.declaration import (
    DEFAULT_EXTINCTION_CELLS,
    Intermediate,
    Model,
    Output,
    Parameter,
    Reaction,
    Reference,
    State,
    StateKind,
)

_UNSET = object()


class ModelBuilder:
    def __init__(self, id: str, title: str, *, reference: Reference, time_unit: str = "day", description: str = ""):
        self.id, self.title, self.reference = id, title, reference
        self.time_unit, self.description = time_unit, description
        self._states: list[State] = []
        self._parameters: list[Parameter] = []
        self._intermediates: list[Intermediate] = []
        self._reactions: list[Reaction] = []
        self._equations: list[tuple[str, Expr]] = []
        self._outputs: list[Output] = []
        self._notes: list[str] = []

    def state(
        self,
        name: str,
        unit: str,
        description: str,
        *,
        initial: float = 0.0,
        kind: StateKind | None = None,
        extinction_threshold: float | None | object = _UNSET,
        nonnegative: bool = True,
    ) -> Sym:
        """Declare a state. ``kind`` defaults to "cells" when the unit is cells; cell
        states get the extinction rule (threshold 1 cell) unless told otherwise."""
        if kind is None:
            kind = "cells" if unit.strip().lower() in {"cell", "cells"} else "other"
        threshold: float | None
        if extinction_threshold is _UNSET:
            threshold = DEFAULT_EXTINCTION_CELLS if kind == "cells" else None
        elif extinction_threshold is None or isinstance(extinction_threshold, (int, float)):
            threshold = extinction_threshold
        else:
            raise ModelError(f"state {name!r}: extinction_threshold must be a number or None, "
                             f"got {extinction_threshold!r}")
        self._states.append(State(name, unit, description, float(initial), kind, threshold, nonnegative))
        return Sym(name)

    def parameter(
        self,
        name: str,
        value: float,
        unit: str,
        description: str,
        *,
        source: str,
        bounds: tuple[float, float] | None = None,
    ) -> Sym:
        """Declare a parameter with its literature source (or 'calibrated: <target>').

        Default bounds: [0, inf) for nonnegative values, (-inf, inf) otherwise."""
        if bounds is None:
            bounds = (0.0, math.inf) if value >= 0 else (-math.inf, math.inf)
        self._parameters.append(Parameter(name, float(value), unit, description, source, bounds))
        return Sym(name)

    def intermediate(self, name: str, expr: Operand, *, unit: str = "", description: str = "") -> Sym:
        self._intermediates.append(Intermediate(name, as_expr(expr), unit, description))
        return Sym(name)

    def reaction(self, name: str, rate: Operand, changes: dict[Sym | str, float], *, description: str = "") -> Sym:
        """Declare a process firing at ``rate`` that changes states by ``changes``."""
        items = tuple((k.name if isinstance(k, Sym) else k, float(v)) for k, v in changes.items())
        self._reactions.append(Reaction(name, as_expr(rate), items, description))
        return Sym(name)

    def equation(self, state: Sym | str, rhs: Operand) -> None:
        """Add explicit terms to d(state)/dt (on top of any reactions)."""
        name = state.name if isinstance(state, Sym) else state
        if any(s == name for s, _ in self._equations):
            raise ModelError(f"state {name} already has an equation; write all its terms in one expression")
        self._equations.append((name, as_expr(rhs)))

    def output(self, name: str, expr: Operand, unit: str, description: str = "") -> None:
        self._outputs.append(Output(name, as_expr(expr), unit, description))

    def note(self, text: str) -> None:
        """Record a modelling decision or a correction to a published deposit."""
        self._notes.append(text)

    def build(self) -> Model:
        return Model(
            id=self.id,
            title=self.title,
            reference=self.reference,
            states=tuple(self._states),
            parameters=tuple(self._parameters),
            intermediates=tuple(self._intermediates),
            reactions=tuple(self._reactions),
            equations=tuple(self._equations),
            outputs=tuple(self._outputs),
            notes=tuple(self._notes),
            time_unit=self.time_unit,
            description=self.description,
        )
