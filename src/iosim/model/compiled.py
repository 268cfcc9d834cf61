"""Numerical functions generated from a model declaration (for the reference engine).

What was generated is remembered here, in a module-level registry keyed by the model object
(held alive while it is registered), not on the frozen :class:`Model`: a model changed by
``with_parameters`` or ``dataclasses.replace`` is a new object and gets its own functions.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from iosim.expr import ZERO, build_function, diff, free_symbols, to_source
from iosim.expr.codegen import Dialect
from iosim.model.declaration import Model


@dataclass(frozen=True)
class CompiledModel:
    """``rhs(t, y, p)``, ``jacobian(t, y, p)`` and ``outputs(t, Y, p)`` for one model."""

    model: Model
    rhs: Callable[[float, np.ndarray, np.ndarray], np.ndarray]
    jacobian: Callable[[float, np.ndarray, np.ndarray], np.ndarray]
    outputs: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]


#: (id(model), what) -> (model, generated): the functions of a model object seen before. The model is kept,
#: so its id is not reused while the entry stands; the registry is emptied when it grows past _MAX.
_GENERATED: dict[tuple[int, str], tuple[Model, Any]] = {}
_MAX = 512
_LOCK = threading.Lock()


def _remembered(model: Model, what: str, make: Callable[[], Any]) -> Any:
    """``make()``, generated once per model object and ``what``."""
    seen = _GENERATED.get((id(model), what))
    if seen is not None and seen[0] is model:
        return seen[1]
    value = make()
    with _LOCK:
        if len(_GENERATED) >= _MAX:
            _GENERATED.clear()
        _GENERATED[(id(model), what)] = (model, value)
    return value


def _names(model: Model) -> dict[str, str]:
    names = {"t": "t"}
    names.update({s: f"y[{i}]" for i, s in enumerate(model.state_names)})
    names.update({p: f"p[{i}]" for i, p in enumerate(model.parameter_names)})
    return names


def _locals(model: Model, names: dict[str, str], dialect: Dialect) -> list[str]:
    body = []
    for name, e in model.named_expressions():
        body.append(f"_{name} = {to_source(e, names, dialect)}")
        names[name] = f"_{name}"
    return body


def compile_model(model: Model) -> CompiledModel:
    """Generate and compile the model's functions (once per model object)."""
    return _remembered(model, "compiled", lambda: _compile(model))


def _compile(model: Model) -> CompiledModel:
    n = len(model.states)

    names = _names(model)
    body = _locals(model, names, "math")
    body.append(f"out = np.empty({n})")
    for i, s in enumerate(model.state_names):
        body.append(f"out[{i}] = {to_source(model.rhs(s), names, 'math')}")
    body.append("return out")
    rhs = build_function("rhs", ["t", "y", "p"], body)

    names = _names(model)
    body = [f"jac = np.zeros(({n}, {n}))"]
    for i, f in enumerate(model.expanded_rhs()):
        for j, s in enumerate(model.state_names):
            d = diff(f, s)
            if d != ZERO:
                body.append(f"jac[{i}, {j}] = {to_source(d, names, 'math')}")
    body.append("return jac")
    jac = build_function("jacobian", ["t", "y", "p"], body)

    # Outputs vectorised over time: y has shape (n_states, n_times).
    names = _names(model)
    body = _locals(model, names, "numpy")
    body.append(f"out = np.empty(({len(model.outputs)}, np.shape(t)[0]))")
    for i, o in enumerate(model.outputs):
        body.append(f"out[{i}] = {to_source(o.expr, names, 'numpy')}")
    body.append("return out")
    outputs = build_function("outputs", ["t", "y", "p"], body)

    return CompiledModel(model, rhs, jac, outputs)


def output_function(model: Model, name: str) -> Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]:
    """``f(t, y, p)`` for one output, computing only the intermediates it needs.

    Elementwise and broadcasting: ``y[i]`` and ``p[j]`` may be arrays of any shapes that
    broadcast with ``t`` (e.g. states ``(n_states, patients, times)`` and parameters
    ``(n_params, patients, 1)``), so a cohort needs no tiled copy of its parameters.
    """
    return _remembered(model, f"output:{name}", lambda: _output_function(model, name))


def _output_function(model: Model, name: str) -> Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]:
    expr = next((o.expr for o in model.outputs if o.name == name), None)
    if expr is None:
        from iosim.errors import UnknownNameError

        raise UnknownNameError("output", name, model.output_names)
    named = model.named_expressions()
    needed = free_symbols(expr)
    for n, e in reversed(named):  # evaluation order: a name only uses earlier names
        if n in needed:
            needed |= free_symbols(e)
    names = _names(model)
    body = []
    for n, e in named:
        if n in needed:
            body.append(f"_{n} = {to_source(e, names, 'numpy')}")
            names[n] = f"_{n}"
    body.append(f"return {to_source(expr, names, 'numpy')} + 0.0 * t")
    return build_function("output", ["t", "y", "p"], body)
