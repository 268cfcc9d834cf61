"""Walking expression trees: free symbols, substitution, differentiation, evaluation."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

from iosim.errors import ExpressionError
from iosim.expr.nodes import (
    ONE,
    ZERO,
    Expr,
    Num,
    Op,
    Sym,
    add,
    call,
    div,
    mul,
    neg,
    power,
)


def free_symbols(e: Expr) -> set[str]:
    """Names of every symbol in ``e``."""
    out: set[str] = set()
    stack = [e]
    while stack:
        node = stack.pop()
        if isinstance(node, Sym):
            out.add(node.name)
        elif isinstance(node, Op):
            stack.extend(node.args)
    return out


def substitute(e: Expr, mapping: Mapping[str, Expr]) -> Expr:
    """Replace symbols by expressions (rebuilding through the folding constructors)."""
    if isinstance(e, Sym):
        return mapping.get(e.name, e)
    if isinstance(e, Op):
        return call(e.op, *(substitute(a, mapping) for a in e.args))
    return e


def depth(e: Expr) -> int:
    if isinstance(e, Op):
        return 1 + max(depth(a) for a in e.args)
    return 1


def count_nodes(e: Expr) -> int:
    n, stack = 0, [e]
    while stack:
        node = stack.pop()
        n += 1
        if isinstance(node, Op):
            stack.extend(node.args)
    return n


def diff(e: Expr, name: str) -> Expr:
    """Symbolic derivative of ``e`` with respect to the symbol ``name``."""
    if isinstance(e, Num):
        return ZERO
    if isinstance(e, Sym):
        return ONE if e.name == name else ZERO
    assert isinstance(e, Op)
    if name not in free_symbols(e):
        return ZERO
    a = e.args
    # Derivatives of the arguments, for the operators whose rule uses them (the others differentiate branches).
    d: list[Expr] = [diff(x, name) for x in a] if e.op in _SMOOTH else []
    match e.op:
        case "add":
            return add(*d)
        case "neg":
            return neg(d[0])
        case "mul":
            terms = []
            for i, di in enumerate(d):
                if di != ZERO:
                    terms.append(mul(*a[:i], di, *a[i + 1 :]))
            return add(*terms)
        case "div":
            u, v = a
            du, dv = d
            return div(add(mul(du, v), neg(mul(u, dv))), power(v, 2.0))
        case "pow":
            u, v = a
            du, dv = d
            if dv == ZERO:
                return mul(v, power(u, add(v, -1.0)), du)
            return mul(e, add(mul(dv, call("log", u)), div(mul(v, du), u)))
        case "exp":
            return mul(e, d[0])
        case "log":
            return div(d[0], a[0])
        case "log10":
            return div(d[0], mul(math.log(10.0), a[0]))
        case "sqrt":
            return div(d[0], mul(2.0, e))
        case "tanh":
            return mul(add(1.0, neg(power(e, 2.0))), d[0])
        case "sin":
            return mul(call("cos", a[0]), d[0])
        case "cos":
            return neg(mul(call("sin", a[0]), d[0]))
        case "tan":
            return div(d[0], power(call("cos", a[0]), 2.0))
        case "abs":
            return mul(call("piecewise", ONE, call("ge", a[0], ZERO), Num(-1.0)), d[0])
        case "piecewise":
            # Derivative of each branch, same conditions (conditions are piecewise constant).
            args = list(a)
            for i in range(0, len(args) - 1, 2):
                args[i] = diff(args[i], name)
            args[-1] = diff(args[-1], name)
            return call("piecewise", *args)
        case "min" | "max":
            if len(a) == 1:
                return diff(a[0], name)
            first, rest = a[0], call(e.op, *a[1:]) if len(a) > 2 else a[1]
            cmp = "le" if e.op == "min" else "ge"
            return call("piecewise", diff(first, name), call(cmp, first, rest), diff(rest, name))
        case "floor" | "ceil" | "lt" | "le" | "gt" | "ge" | "eq" | "ne" | "and" | "or" | "not":
            return ZERO
    raise ExpressionError(f"cannot differentiate operator {e.op!r}")


_SMOOTH = {"add", "neg", "mul", "div", "pow", "exp", "log", "log10", "sqrt", "tanh", "sin", "cos", "tan", "abs"}

_SCALAR: dict[str, Callable[..., float]] = {
    "exp": math.exp,
    "log": math.log,
    "log10": math.log10,
    "sqrt": math.sqrt,
    "abs": abs,
    "tanh": math.tanh,
    "sin": math.sin,
    "cos": math.cos,
    "tan": math.tan,
    "floor": math.floor,
    "ceil": math.ceil,
    "min": min,
    "max": max,
}


def evaluate(e: Expr, env: Mapping[str, float]) -> float:
    """Evaluate ``e`` with scalar values for its symbols (slow; for checks and tools)."""
    if isinstance(e, Num):
        return e.value
    if isinstance(e, Sym):
        try:
            return float(env[e.name])
        except KeyError:
            raise ExpressionError(f"no value for symbol {e.name!r}") from None
    assert isinstance(e, Op)
    if e.op == "piecewise":
        a = e.args
        for i in range(0, len(a) - 1, 2):
            if evaluate(a[i + 1], env):
                return evaluate(a[i], env)
        return evaluate(a[-1], env)
    v = [evaluate(x, env) for x in e.args]
    match e.op:
        case "add":
            return math.fsum(v)
        case "mul":
            return math.prod(v)
        case "div":
            return v[0] / v[1]
        case "pow":
            return v[0] ** v[1]
        case "neg":
            return -v[0]
        case "lt":
            return float(v[0] < v[1])
        case "le":
            return float(v[0] <= v[1])
        case "gt":
            return float(v[0] > v[1])
        case "ge":
            return float(v[0] >= v[1])
        case "eq":
            return float(v[0] == v[1])
        case "ne":
            return float(v[0] != v[1])
        case "and":
            return float(all(v))
        case "or":
            return float(any(v))
        case "not":
            return float(not v[0])
    return float(_SCALAR[e.op](*v))
