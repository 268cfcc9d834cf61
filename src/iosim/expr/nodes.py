"""The expression tree that every iosim model is written in.

Three node types: :class:`Num` (a constant), :class:`Sym` (a named state, parameter,
intermediate or the time ``t``) and :class:`Op` (an operator from a fixed whitelist
applied to child expressions). Python operators build trees, so model equations read
like the paper: ``r * T * (1 - b * T) - a * E * T / (g + T)``.

Constructors fold constants and drop neutral elements, which keeps derivatives small.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Union

from iosim.errors import ExpressionError

# Operator whitelist: name -> arity (None = any number of arguments >= 1).
ARITY: dict[str, int | None] = {
    "add": None,
    "mul": None,
    "div": 2,
    "pow": 2,
    "neg": 1,
    "exp": 1,
    "log": 1,
    "log10": 1,
    "sqrt": 1,
    "abs": 1,
    "tanh": 1,
    "sin": 1,
    "cos": 1,
    "tan": 1,
    "floor": 1,
    "ceil": 1,
    "min": None,
    "max": None,
    "lt": 2,
    "le": 2,
    "gt": 2,
    "ge": 2,
    "eq": 2,
    "ne": 2,
    "and": None,
    "or": None,
    "not": 1,
    # piecewise(v1, c1, v2, c2, ..., otherwise): first value whose condition holds.
    "piecewise": None,
}

Operand = Union["Expr", float, int]


class Expr:
    """Base class of expression nodes. Nodes are immutable and hashable."""

    __slots__ = ()

    def __add__(self, other: Operand) -> Expr:
        return add(self, other)

    def __radd__(self, other: Operand) -> Expr:
        return add(other, self)

    def __sub__(self, other: Operand) -> Expr:
        return add(self, neg(other))

    def __rsub__(self, other: Operand) -> Expr:
        return add(other, neg(self))

    def __mul__(self, other: Operand) -> Expr:
        return mul(self, other)

    def __rmul__(self, other: Operand) -> Expr:
        return mul(other, self)

    def __truediv__(self, other: Operand) -> Expr:
        return div(self, other)

    def __rtruediv__(self, other: Operand) -> Expr:
        return div(other, self)

    def __pow__(self, other: Operand) -> Expr:
        return power(self, other)

    def __rpow__(self, other: Operand) -> Expr:
        return power(other, self)

    def __neg__(self) -> Expr:
        return neg(self)

    def __pos__(self) -> Expr:
        return self


@dataclass(frozen=True, slots=True)
class Num(Expr):
    value: float

    def __post_init__(self) -> None:
        if not math.isfinite(self.value):
            raise ExpressionError(f"constant {self.value} is not finite")


@dataclass(frozen=True, slots=True)
class Sym(Expr):
    name: str

    def __post_init__(self) -> None:
        if not self.name.isidentifier():
            raise ExpressionError(f"symbol name {self.name!r} is not a valid identifier")


@dataclass(frozen=True, slots=True)
class Op(Expr):
    op: str
    args: tuple[Expr, ...]

    def __post_init__(self) -> None:
        if self.op not in ARITY:
            raise ExpressionError(f"operator {self.op!r} is not supported")
        arity = ARITY[self.op]
        if (arity is None and not self.args) or (arity is not None and len(self.args) != arity):
            raise ExpressionError(f"operator {self.op!r} got {len(self.args)} arguments")


ZERO, ONE = Num(0.0), Num(1.0)
TIME = Sym("t")


def as_expr(x: Operand) -> Expr:
    if isinstance(x, Expr):
        return x
    if isinstance(x, bool):
        return Num(float(x))
    if isinstance(x, (int, float)):
        return Num(float(x))
    raise ExpressionError(f"cannot use {type(x).__name__} in an expression")


def _is_num(e: Expr, value: float | None = None) -> bool:
    return isinstance(e, Num) and (value is None or e.value == value)


def add(*terms: Operand) -> Expr:
    flat: list[Expr] = []
    const = 0.0
    for term in map(as_expr, terms):
        parts = term.args if isinstance(term, Op) and term.op == "add" else (term,)
        for p in parts:
            if isinstance(p, Num):
                const += p.value
            else:
                flat.append(p)
    if const != 0.0 or not flat:
        flat.insert(0, Num(const))
    return flat[0] if len(flat) == 1 else Op("add", tuple(flat))


def mul(*factors: Operand) -> Expr:
    flat: list[Expr] = []
    const = 1.0
    for f in map(as_expr, factors):
        parts = f.args if isinstance(f, Op) and f.op == "mul" else (f,)
        for p in parts:
            if isinstance(p, Num):
                const *= p.value
            else:
                flat.append(p)
    if const == 0.0:
        return ZERO
    if const != 1.0 or not flat:
        flat.insert(0, Num(const))
    return flat[0] if len(flat) == 1 else Op("mul", tuple(flat))


def neg(x: Operand) -> Expr:
    x = as_expr(x)
    if isinstance(x, Num):
        return Num(-x.value)
    if isinstance(x, Op) and x.op == "neg":
        return x.args[0]
    return Op("neg", (x,))


def div(a: Operand, b: Operand) -> Expr:
    a, b = as_expr(a), as_expr(b)
    if _is_num(b, 0.0):
        raise ExpressionError("division by the constant zero")
    if _is_num(a, 0.0):
        return ZERO
    if _is_num(b, 1.0):
        return a
    if isinstance(a, Num) and isinstance(b, Num):
        return Num(a.value / b.value)
    return Op("div", (a, b))


def power(a: Operand, b: Operand) -> Expr:
    a, b = as_expr(a), as_expr(b)
    if _is_num(b, 0.0):
        return ONE
    if _is_num(b, 1.0):
        return a
    if isinstance(a, Num) and isinstance(b, Num) and a.value > 0:
        return Num(a.value**b.value)
    return Op("pow", (a, b))


def call(name: str, *args: Operand) -> Expr:
    """Apply a whitelisted function by name (used by parsers and importers)."""
    special: dict[str, Callable[..., Expr]] = {"add": add, "mul": mul, "neg": neg, "div": div, "pow": power}
    if name in special:
        return special[name](*args)
    return Op(name, tuple(as_expr(a) for a in args))


def exp(x: Operand) -> Expr:
    return call("exp", x)


def log(x: Operand) -> Expr:
    return call("log", x)


def sqrt(x: Operand) -> Expr:
    return call("sqrt", x)


def minimum(*xs: Operand) -> Expr:
    return call("min", *xs)


def maximum(*xs: Operand) -> Expr:
    return call("max", *xs)


def piecewise(*pieces: tuple[Operand, Operand], otherwise: Operand = 0.0) -> Expr:
    """``piecewise((v1, cond1), (v2, cond2), otherwise=v)``: first value whose condition holds."""
    args: list[Expr] = []
    for value, cond in pieces:
        args += [as_expr(value), as_expr(cond)]
    args.append(as_expr(otherwise))
    return Op("piecewise", tuple(args))


def lt(a: Operand, b: Operand) -> Expr:
    return call("lt", a, b)


def gt(a: Operand, b: Operand) -> Expr:
    return call("gt", a, b)


def hill(x: Operand, half: Operand, n: Operand = 1.0) -> Expr:
    """Saturating response ``x^n / (half^n + x^n)`` (Michaelis–Menten when n = 1)."""
    xn, kn = power(x, n), power(half, n)
    return div(xn, add(kn, xn))
