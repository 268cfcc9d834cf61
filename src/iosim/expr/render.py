"""Readable text for expressions: ``r2*T*(1 - b*T) - a*E*T/(g2 + T)``."""

from __future__ import annotations

from iosim.expr.nodes import Expr, Num, Op, Sym

_PREC = {"or": 1, "and": 2, "not": 3, "cmp": 4, "add": 5, "mul": 6, "div": 6, "neg": 7, "pow": 8}
_CMP = {"lt": "<", "le": "<=", "gt": ">", "ge": ">=", "eq": "==", "ne": "!="}


def format_number(x: float) -> str:
    if x == int(x) and abs(x) < 1e6:
        return str(int(x))
    return f"{x:.6g}"


def _prec(e: Expr) -> int:
    if isinstance(e, Num):
        return 9 if e.value >= 0 else _PREC["neg"]
    if isinstance(e, Op):
        if e.op in _CMP:
            return _PREC["cmp"]
        return _PREC.get(e.op, 9)
    return 9


def _wrap(e: Expr, min_prec: int) -> str:
    s = to_text(e)
    return f"({s})" if _prec(e) < min_prec else s


def to_text(e: Expr) -> str:
    """Render an expression in conventional infix notation with minimal parentheses."""
    if isinstance(e, Num):
        return format_number(e.value)
    if isinstance(e, Sym):
        return e.name
    assert isinstance(e, Op)
    a = e.args
    match e.op:
        case "add":
            out = to_text(a[0])
            for term in a[1:]:
                if isinstance(term, Op) and term.op == "neg":
                    out += " - " + _wrap(term.args[0], _PREC["mul"])
                elif isinstance(term, Num) and term.value < 0:
                    out += " - " + format_number(-term.value)
                elif (
                    isinstance(term, Op)
                    and term.op == "mul"
                    and isinstance(term.args[0], Num)
                    and term.args[0].value < 0
                ):
                    rest = term.args[1:] if term.args[0].value == -1.0 else (Num(-term.args[0].value), *term.args[1:])
                    out += " - " + (to_text(rest[0]) if len(rest) == 1 else to_text(Op("mul", tuple(rest))))
                else:
                    out += " + " + to_text(term)
            return out
        case "mul":
            if isinstance(a[0], Num) and a[0].value == -1.0:
                return "-" + _wrap(Op("mul", a[1:]) if len(a) > 2 else a[1], _PREC["mul"])
            return "*".join(_wrap(x, _PREC["mul"]) for x in a)
        case "div":
            return f"{_wrap(a[0], _PREC['mul'])}/{_wrap(a[1], _PREC['pow'])}"
        case "pow":
            return f"{_wrap(a[0], _PREC['pow'] + 1)}^{_wrap(a[1], _PREC['pow'] + 1)}"
        case "neg":
            return "-" + _wrap(a[0], _PREC["mul"])
        case "not":
            return "not " + _wrap(a[0], _PREC["not"])
        case "and" | "or":
            return f" {e.op} ".join(_wrap(x, _PREC[e.op] + 1) for x in a)
        case "piecewise":
            parts = [f"{to_text(a[i])} if {to_text(a[i + 1])}" for i in range(0, len(a) - 1, 2)]
            return "{" + "; ".join(parts + [f"{to_text(a[-1])} otherwise"]) + "}"
    if e.op in _CMP:
        return f"{_wrap(a[0], _PREC['add'])} {_CMP[e.op]} {_wrap(a[1], _PREC['add'])}"
    return f"{e.op}({', '.join(to_text(x) for x in a)})"
