"""Python source generated from expression trees.

The generated code is built only from iosim's own node types: operators come from the
whitelist in :mod:`iosim.expr.nodes`, numbers are written with ``repr(float)`` and every
symbol is replaced by a target chosen by the caller (``y[0]``, ``p[3]``...). No text
supplied by a user is ever executed, so compiling the result is safe.

Two dialects: ``"math"`` for scalar code (plain Python or numba ``njit``) and
``"numpy"`` for code vectorised over arrays.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any, Literal

import numpy as np

from iosim.errors import ExpressionError
from iosim.expr.nodes import Expr, Num, Op, Sym

Dialect = Literal["math", "numpy"]

_CMP = {"lt": "<", "le": "<=", "gt": ">", "ge": ">=", "eq": "==", "ne": "!="}
_FUNCS = {"exp", "log", "log10", "sqrt", "tanh", "sin", "cos", "tan", "floor", "ceil"}


def to_source(e: Expr, names: Mapping[str, str], dialect: Dialect = "math") -> str:
    """Python expression text for ``e``; ``names`` maps each symbol to its target."""
    if isinstance(e, Num):
        return f"({e.value!r})" if e.value < 0 else repr(e.value)
    if isinstance(e, Sym):
        try:
            return names[e.name]
        except KeyError:
            raise ExpressionError(f"symbol {e.name!r} is not defined") from None
    assert isinstance(e, Op)
    a = [to_source(x, names, dialect) for x in e.args]
    np_ = dialect == "numpy"
    match e.op:
        case "add":
            return "(" + " + ".join(a) + ")"
        case "mul":
            return "(" + " * ".join(a) + ")"
        case "div":
            return f"({a[0]} / {a[1]})"
        case "pow":
            return f"({a[0]} ** {a[1]})"
        case "neg":
            return f"(-{a[0]})"
        case "abs":
            return f"np.abs({a[0]})" if np_ else f"abs({a[0]})"
        case "min" | "max":
            if len(a) == 1:
                return a[0]
            if np_:
                out = a[0]
                for x in a[1:]:
                    out = f"np.{e.op}imum({out}, {x})"
                return out
            return f"{e.op}({', '.join(a)})"
        case "piecewise":
            out = a[-1]
            for i in range(len(a) - 3, -1, -2):
                value, cond = a[i], a[i + 1]
                out = f"np.where({cond}, {value}, {out})" if np_ else f"({value} if {cond} else {out})"
            return out
        case "and" | "or":
            if np_:
                return f"np.logical_{e.op}.reduce([{', '.join(a)}])"
            return f"(1.0 if ({f' {e.op} '.join(f'({x} != 0)' for x in a)}) else 0.0)"
        case "not":
            return f"np.logical_not({a[0]})" if np_ else f"(1.0 if {a[0]} == 0 else 0.0)"
    if e.op in _CMP:
        text = f"({a[0]} {_CMP[e.op]} {a[1]})"
        return text if np_ else f"(1.0 if {text} else 0.0)"
    if e.op in _FUNCS:
        return f"{'np' if np_ else 'math'}.{e.op}({a[0]})"
    raise ExpressionError(f"no code generation for operator {e.op!r}")


def build_function(name: str, args: list[str], body: list[str], extra: Mapping[str, Any] | None = None) -> Callable:
    """Compile generated source lines into a Python function."""
    if not name.isidentifier() or not all(x.isidentifier() for x in args):
        raise ExpressionError("generated function names must be identifiers")
    src = f"def {name}({', '.join(args)}):\n" + "".join(f"    {line}\n" for line in body)
    namespace: dict[str, Any] = {"math": math, "np": np, **(extra or {})}
    exec(compile(src, f"<iosim:{name}>", "exec"), namespace)  # generated from our own trees only
    fn = namespace[name]
    fn.__iosim_source__ = src
    return fn
