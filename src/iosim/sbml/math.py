"""libSBML abstract syntax trees to iosim expressions, through a whitelist of node types.

Every MathML element SBML allows in a continuous model maps onto iosim's operator set.
Functions outside that set are rewritten exactly in terms of it (``sinh`` through
``exp``, ``arcsinh`` through ``log`` and ``sqrt``); ``arctan`` and its relatives use a
halved argument and a Taylor series accurate to double precision; ``factorial`` uses the
Lanczos form of the gamma function (relative error below 1e-13). Anything else (``delay``,
``rateOf``, unknown node types) raises :class:`UnsupportedSBMLError`. Nothing is ever
evaluated as text.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

import libsbml

from iosim.errors import ExpressionError
from iosim.expr import ONE, ZERO, Expr, Num, Op, Sym, call, free_symbols, substitute
from iosim.sbml.errors import SBMLError, UnsupportedSBMLError

#: Deepest expression accepted (nesting of operators).
MAX_DEPTH = 200
#: Largest expression accepted, in nodes, per formula.
MAX_NODES = 100_000
#: Deepest expression accepted once user functions are inlined: calls nest function bodies,
#: and the algebra and code generation that follow recurse through the tree.
MAX_INLINED_DEPTH = MAX_DEPTH

#: Name used for SBML's time csymbol before symbols are mapped to model names.
TIME = "__sbml_time__"

# SBML Level 3 Version 1 value of the avogadro csymbol.
AVOGADRO = 6.02214179e23

#: iosim constants are finite: SBML's infinity is written ``HUGE * 10`` where the symbol HUGE
#: (a parameter equal to 1e308) overflows to +inf at run time, and NaN as ``inf / inf``.
HUGE = "__sbml_huge__"
HUGE_VALUE = 1e308
_HUGE = Sym(HUGE) * 10.0
_NAN = _HUGE / _HUGE


def check_size(node: libsbml.ASTNode, where: str) -> None:
    """Reject formulas deeper than MAX_DEPTH or larger than MAX_NODES (iteratively)."""
    stack, count = [(node, 1)], 0
    while stack:
        n, d = stack.pop()
        count += 1
        if d > MAX_DEPTH:
            raise SBMLError(f"formula in {where} is nested deeper than {MAX_DEPTH} levels")
        if count > MAX_NODES:
            raise SBMLError(f"formula in {where} has more than {MAX_NODES} nodes")
        stack.extend((n.getChild(i), d + 1) for i in range(n.getNumChildren()))


# -- exact rewrites of functions outside iosim's operator set ------------------------------
def _sinh(x: Expr) -> Expr:
    return (call("exp", x) - call("exp", -x)) / 2.0


def _cosh(x: Expr) -> Expr:
    return (call("exp", x) + call("exp", -x)) / 2.0


def _atan(x: Expr) -> Expr:
    """arctan through two argument halvings (|y| <= tan(pi/8)) and 20 Taylor terms.

    The first omitted term is below 0.415**41 / 41 < 1e-17 relative to the result."""
    y = x
    for _ in range(2):
        y = y / (1.0 + call("sqrt", 1.0 + y**2))
    series = call("add", *((-1.0) ** k / (2 * k + 1) * y ** float(2 * k + 1) for k in range(20)))
    return 4.0 * series


def _asin(x: Expr) -> Expr:
    return 2.0 * _atan(x / (1.0 + call("sqrt", 1.0 - x**2)))


def _acos(x: Expr) -> Expr:
    return math.pi / 2 - _asin(x)


# Lanczos approximation of the gamma function (g = 7, nine coefficients; the standard
# published table, e.g. Press et al., Numerical Recipes, section 6.1).
_LANCZOS = (
    0.99999999999980993,
    676.5203681218851,
    -1259.1392167224028,
    771.32342877765313,
    -176.61502916214059,
    12.507343278686905,
    -0.13857109526572012,
    9.9843695780195716e-6,
    1.5056327351493116e-7,
)


def _factorial(n: Expr) -> Expr:
    if isinstance(n, Num):
        try:
            return Num(float(math.gamma(n.value + 1.0)))
        except (ValueError, OverflowError):
            raise SBMLError(f"factorial({n.value}) is undefined") from None
    a: Expr = Num(_LANCZOS[0])
    for i, c in enumerate(_LANCZOS[1:], start=1):
        a = a + c / (n + float(i))
    tt = n + 7.5
    return math.sqrt(2 * math.pi) * tt ** (n + 0.5) * call("exp", -tt) * a


def _unary(fn: Callable[[Expr], Expr]) -> Callable[[list[Expr]], Expr]:
    def apply(args: list[Expr]) -> Expr:
        if len(args) != 1:
            raise SBMLError(f"function expects one argument, got {len(args)}")
        return fn(args[0])

    return apply


def _log(args: list[Expr]) -> Expr:
    if len(args) == 1:
        return call("log10", args[0])
    base, x = args
    if base == Num(10.0):
        return call("log10", x)
    return call("log", x) / call("log", base)


def _root(args: list[Expr]) -> Expr:
    if len(args) == 1:
        return call("sqrt", args[0])
    degree, x = args
    if degree == Num(2.0):
        return call("sqrt", x)
    return x ** (1.0 / degree)


def _minus(args: list[Expr]) -> Expr:
    return -args[0] if len(args) == 1 else args[0] - call("add", *args[1:])


def _chain(op: str) -> Callable[[list[Expr]], Expr]:
    """n-ary relations: lt(a, b, c) means a < b and b < c."""

    def apply(args: list[Expr]) -> Expr:
        if len(args) < 2:
            raise SBMLError(f"relation {op} needs two or more arguments")
        pairs = [call(op, args[i], args[i + 1]) for i in range(len(args) - 1)]
        return pairs[0] if len(pairs) == 1 else call("and", *pairs)

    return apply


def _truth(x: Expr) -> Expr:
    return call("ne", x, ZERO)


def _xor(args: list[Expr]) -> Expr:
    out = _truth(args[0]) if args else ZERO
    for a in args[1:]:
        out = call("ne", out, _truth(a))
    return out


def _quotient(args: list[Expr]) -> Expr:
    q = args[0] / args[1]
    return call("piecewise", call("floor", q), call("ge", q, ZERO), call("ceil", q))


def _piecewise(args: list[Expr]) -> Expr:
    if len(args) % 2 == 0:  # no <otherwise>: SBML leaves the value undefined
        args = [*args, _NAN]
    if len(args) == 1:
        return args[0]
    return call("piecewise", *args)


def _and(args: list[Expr]) -> Expr:
    return call("and", *args) if args else ONE


def _or(args: list[Expr]) -> Expr:
    return call("or", *args) if args else ZERO


_T = libsbml
_FUNCTIONS: dict[int, Callable[[list[Expr]], Expr]] = {
    _T.AST_PLUS: lambda a: call("add", *a) if a else ZERO,
    _T.AST_TIMES: lambda a: call("mul", *a) if a else ONE,
    _T.AST_MINUS: _minus,
    _T.AST_DIVIDE: lambda a: call("div", *a),
    _T.AST_POWER: lambda a: call("pow", *a),
    _T.AST_FUNCTION_POWER: lambda a: call("pow", *a),
    _T.AST_FUNCTION_ABS: _unary(lambda x: call("abs", x)),
    _T.AST_FUNCTION_EXP: _unary(lambda x: call("exp", x)),
    _T.AST_FUNCTION_LN: _unary(lambda x: call("log", x)),
    _T.AST_FUNCTION_LOG: _log,
    _T.AST_FUNCTION_ROOT: _root,
    _T.AST_FUNCTION_FLOOR: _unary(lambda x: call("floor", x)),
    _T.AST_FUNCTION_CEILING: _unary(lambda x: call("ceil", x)),
    _T.AST_FUNCTION_FACTORIAL: _unary(_factorial),
    _T.AST_FUNCTION_SIN: _unary(lambda x: call("sin", x)),
    _T.AST_FUNCTION_COS: _unary(lambda x: call("cos", x)),
    _T.AST_FUNCTION_TAN: _unary(lambda x: call("tan", x)),
    _T.AST_FUNCTION_SEC: _unary(lambda x: 1.0 / call("cos", x)),
    _T.AST_FUNCTION_CSC: _unary(lambda x: 1.0 / call("sin", x)),
    _T.AST_FUNCTION_COT: _unary(lambda x: call("cos", x) / call("sin", x)),
    _T.AST_FUNCTION_SINH: _unary(_sinh),
    _T.AST_FUNCTION_COSH: _unary(_cosh),
    _T.AST_FUNCTION_TANH: _unary(lambda x: call("tanh", x)),
    _T.AST_FUNCTION_SECH: _unary(lambda x: 1.0 / _cosh(x)),
    _T.AST_FUNCTION_CSCH: _unary(lambda x: 1.0 / _sinh(x)),
    _T.AST_FUNCTION_COTH: _unary(lambda x: _cosh(x) / _sinh(x)),
    _T.AST_FUNCTION_ARCSIN: _unary(_asin),
    _T.AST_FUNCTION_ARCCOS: _unary(_acos),
    _T.AST_FUNCTION_ARCTAN: _unary(_atan),
    _T.AST_FUNCTION_ARCSEC: _unary(lambda x: _acos(1.0 / x)),
    _T.AST_FUNCTION_ARCCSC: _unary(lambda x: _asin(1.0 / x)),
    _T.AST_FUNCTION_ARCCOT: _unary(lambda x: _atan(1.0 / x)),
    _T.AST_FUNCTION_ARCSINH: _unary(lambda x: call("log", x + call("sqrt", x**2 + 1.0))),
    _T.AST_FUNCTION_ARCCOSH: _unary(lambda x: call("log", x + call("sqrt", x**2 - 1.0))),
    _T.AST_FUNCTION_ARCTANH: _unary(lambda x: 0.5 * call("log", (1.0 + x) / (1.0 - x))),
    _T.AST_FUNCTION_ARCSECH: _unary(lambda x: call("log", 1.0 / x + call("sqrt", 1.0 / x**2 - 1.0))),
    _T.AST_FUNCTION_ARCCSCH: _unary(lambda x: call("log", 1.0 / x + call("sqrt", 1.0 / x**2 + 1.0))),
    _T.AST_FUNCTION_ARCCOTH: _unary(lambda x: 0.5 * call("log", (x + 1.0) / (x - 1.0))),
    _T.AST_FUNCTION_PIECEWISE: _piecewise,
    _T.AST_LOGICAL_AND: _and,
    _T.AST_LOGICAL_OR: _or,
    _T.AST_LOGICAL_XOR: _xor,
    _T.AST_LOGICAL_NOT: _unary(lambda x: call("not", x)),
    _T.AST_LOGICAL_IMPLIES: lambda a: call("or", call("not", a[0]), a[1]),
    _T.AST_RELATIONAL_EQ: _chain("eq"),
    _T.AST_RELATIONAL_NEQ: lambda a: call("ne", *a),
    _T.AST_RELATIONAL_LT: _chain("lt"),
    _T.AST_RELATIONAL_LEQ: _chain("le"),
    _T.AST_RELATIONAL_GT: _chain("gt"),
    _T.AST_RELATIONAL_GEQ: _chain("ge"),
    _T.AST_FUNCTION_MAX: lambda a: call("max", *a) if len(a) > 1 else a[0],
    _T.AST_FUNCTION_MIN: lambda a: call("min", *a) if len(a) > 1 else a[0],
    _T.AST_FUNCTION_QUOTIENT: _quotient,
    _T.AST_FUNCTION_REM: lambda a: a[0] - a[1] * _quotient(a),
}

#: Argument counts of the node types with a fixed arity: (fewest, most; None = any).
#: libSBML's validation catches most wrong counts, but not all (a <divide/> with one argument).
_ARITY: dict[int, tuple[str, int, int | None]] = {
    _T.AST_MINUS: ("minus", 1, None),
    _T.AST_DIVIDE: ("divide", 2, 2),
    _T.AST_POWER: ("power", 2, 2),
    _T.AST_FUNCTION_POWER: ("power", 2, 2),
    _T.AST_FUNCTION_LOG: ("log", 1, 2),
    _T.AST_FUNCTION_ROOT: ("root", 1, 2),
    _T.AST_LOGICAL_IMPLIES: ("implies", 2, 2),
    _T.AST_RELATIONAL_NEQ: ("neq", 2, 2),
    _T.AST_FUNCTION_MAX: ("max", 1, None),
    _T.AST_FUNCTION_MIN: ("min", 1, None),
    _T.AST_FUNCTION_QUOTIENT: ("quotient", 2, 2),
    _T.AST_FUNCTION_REM: ("rem", 2, 2),
}

_UNSUPPORTED = {
    _T.AST_FUNCTION_DELAY: "delay csymbol",
    _T.AST_FUNCTION_RATE_OF: "rateOf csymbol",
    _T.AST_LAMBDA: "lambda outside a function definition",
}

#: A user function: its argument names and its body (over those names only).
FunctionDef = tuple[tuple[str, ...], Expr]


def constant(value: float) -> Expr:
    """A number, including SBML's infinities and NaN."""
    if math.isnan(value):
        return _NAN
    if math.isinf(value):
        return _HUGE if value > 0 else -_HUGE
    return Num(float(value))


def _number(node: libsbml.ASTNode) -> Expr:
    t = node.getType()
    return constant(float(node.getInteger()) if t == _T.AST_INTEGER else float(node.getValue()))


def to_expr(
    node: libsbml.ASTNode | None,
    functions: Mapping[str, FunctionDef],
    *,
    where: str,
    names: Mapping[str, str] | None = None,
) -> Expr:
    """Translate a libSBML AST. Symbols keep their SBML ids (``names`` renames some, e.g.
    local parameters); the time csymbol becomes :data:`TIME`; user functions are inlined."""
    if node is None:
        raise SBMLError(f"{where} has no math")
    check_size(node, where)
    try:
        return _convert(node, functions, names or {}, where, [MAX_NODES])
    except ExpressionError as e:
        raise SBMLError(f"{where}: {e}") from None
    except RecursionError:  # inlining nested functions before _spend could measure the result
        raise SBMLError(f"formula in {where} is nested deeper than {MAX_INLINED_DEPTH} levels once inlined") from None


def _spend(e: Expr, budget: list[int], where: str) -> None:
    """Count ``e``'s nodes and depth against the formula's budget (iteratively, stopping at the
    limit): inlining functions that call functions can grow a formula exponentially."""
    stack, count = [(e, 1)], 0
    while stack:
        node, d = stack.pop()
        count += 1
        if count > budget[0]:
            raise SBMLError(f"formula in {where} has more than {MAX_NODES} nodes once its functions are inlined")
        if d > MAX_INLINED_DEPTH:
            raise SBMLError(f"formula in {where} is nested deeper than {MAX_INLINED_DEPTH} levels once inlined")
        if isinstance(node, Op):
            stack.extend((a, d + 1) for a in node.args)
    budget[0] -= count


def _convert(node, functions, names, where, budget) -> Expr:
    t = node.getType()
    if t in (_T.AST_INTEGER, _T.AST_REAL, _T.AST_REAL_E, _T.AST_RATIONAL):
        return _number(node)
    if t == _T.AST_NAME:
        name = node.getName()
        return Sym(names.get(name, name))
    if t == _T.AST_NAME_TIME:
        return Sym(TIME)
    if t == _T.AST_NAME_AVOGADRO:
        return Num(AVOGADRO)
    if t == _T.AST_CONSTANT_PI:
        return Num(math.pi)
    if t == _T.AST_CONSTANT_E:
        return Num(math.e)
    if t == _T.AST_CONSTANT_TRUE:
        return ONE
    if t == _T.AST_CONSTANT_FALSE:
        return ZERO
    if t in _UNSUPPORTED:
        raise UnsupportedSBMLError(_UNSUPPORTED[t], where)
    args = [_convert(node.getChild(i), functions, names, where, budget) for i in range(node.getNumChildren())]
    if t == _T.AST_FUNCTION:
        name = node.getName()
        if name not in functions:
            raise SBMLError(f"{where} calls undefined function {name!r}")
        params, body = functions[name]
        if len(params) != len(args):
            raise SBMLError(f"{where} calls {name} with {len(args)} arguments; it takes {len(params)}")
        out = substitute(body, dict(zip(params, args)))
        _spend(out, budget, where)
        return out
    fn = _FUNCTIONS.get(t)
    if fn is None:
        raise UnsupportedSBMLError(f"MathML element {node.getName() or f'of type {t}'}", where)
    op, lo, hi = _ARITY.get(t, ("", 0, None))
    if len(args) < lo or (hi is not None and len(args) > hi):
        wanted = f"{lo}" if lo == hi else f"{lo} or more" if hi is None else f"{lo} to {hi}"
        raise SBMLError(f"{where}: MathML <{op}> takes {wanted} arguments, got {len(args)}")
    return fn(args)


def function_definition(fd: libsbml.FunctionDefinition, functions: Mapping[str, FunctionDef]) -> FunctionDef:
    """Argument names and body of a ``<functionDefinition>`` (earlier functions inlined)."""
    where = f"function {fd.getId()}"
    lam = fd.getMath()
    if lam is None or lam.getType() != _T.AST_LAMBDA:
        raise SBMLError(f"{where} has no lambda")
    n = lam.getNumBvars()
    params = tuple(lam.getChild(i).getName() for i in range(n))
    # Argument names live in their own namespace: prefix them so they never meet model ids.
    rename = {p: f"__arg{i}_{p}" for i, p in enumerate(params)}
    body_node = lam.getChild(n) if lam.getNumChildren() > n else None
    body = to_expr(body_node, functions, where=where, names=rename)
    extra = free_symbols(body) - set(rename.values()) - {TIME}
    if extra:
        raise SBMLError(f"{where} uses names that are not its arguments: {sorted(extra)}")
    return tuple(rename.values()), body
