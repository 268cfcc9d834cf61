"""Numba source generated from a model declaration: right-hand side, Jacobian, time derivative.

The Jacobian is exact and derived from the expression tree with :func:`iosim.expr.diff`,
in forward mode through the intermediates and reaction rates (each named expression gets
its partial derivatives once), so it does not blow up the way fully inlined expressions
do; constant partials (d(Ts + Tr)/dTs = 1) are folded in rather than stored. Within each
generated function a subexpression that occurs more than once is computed once into a
local (``_c<k>``), outside conditionals only. Every name in the generated code comes from
the model's own identifiers behind a fixed prefix (``_v_`` values, ``_d<j>_`` derivatives,
``_c<k>`` shared subexpressions), so user names cannot clash with the kernel's variables,
and no user text is executed.

For the Rosenbrock solver it also writes ``wlu``/``wsolve``: the LU factorisation of
``I/(h gamma) - J`` and its triangular solves, unrolled for the Jacobian's nonzero pattern
(with the fill-in worked out here), so a step touches only entries that can be nonzero.
"""

from __future__ import annotations

from importlib import resources

from iosim.expr import ZERO, Expr, Num, Sym, add, diff, free_symbols, mul, to_source
from iosim.expr.nodes import Op
from iosim.model.declaration import Model
from iosim.numerics import SHARED

_FLAGS = 'cache=True, nogil=True, error_model="numpy", fastmath={"contract", "arcp", "nsz"}'
_DECORATOR = f"@njit({_FLAGS})"
_INLINE = f'@njit({_FLAGS}, inline="always")'
#: The right-hand side: one compiled function that the driver's six rarely run call sites share (inlined
#: at numba IR level, each copy would be typed and lowered again), without reference counting;
#: ``rhs_inline``, the same code inlined at numba IR level, serves the explicit pair's one stage loop.
_RHS = f"@njit({_FLAGS}, _nrt=False)"
_STUB_START = "# STUBS: "
_STUB_END = "# STUBS END"
#: Package modules the generated kernel imports compiled functions from (part of its cache key).
SHARED_NUMERICS = SHARED


def _symbol_targets(model: Model) -> dict[str, str]:
    names = {"t": "t"}
    names.update({s: f"y[{i}]" for i, s in enumerate(model.state_names)})
    names.update({p: f"p[{i}]" for i, p in enumerate(model.parameter_names)})
    for name, _ in model.named_expressions():
        names[name] = f"_v_{name}"
    return names


def _derivatives(
    model: Model, variables: list[str], tag: list[str]
) -> tuple[list[tuple[str, Expr]], dict[str, dict[int, Expr]]]:
    """Assignments computing d(named expression)/d(variable) for every named expression.

    Returns the assignments and, per named expression, each nonzero partial: a constant, or
    the local that holds it. ``tag[j]`` is the suffix used in local names for ``variables[j]``.
    """
    lines: list[tuple[str, Expr]] = []
    partials: dict[str, dict[int, Expr]] = {}
    for name, e in model.named_expressions():
        partials[name] = {}
        used = free_symbols(e)
        for j, v in enumerate(variables):
            d = _chain(e, v, j, used, partials)
            if isinstance(d, Num):
                if d != ZERO:
                    partials[name][j] = d  # a constant (T = Ts + Tr: 1) folds into the chain rule
            else:
                local = f"_d{tag[j]}_{name}"
                lines.append((local, d))
                partials[name][j] = Sym(local)
    return lines, partials


def _chain(e: Expr, v: str, j: int, used: set[str], partials: dict[str, dict[int, Expr]]) -> Expr:
    """d e / d v, with the chain rule through named expressions whose partials are known."""
    terms = [diff(e, v)]
    for m in sorted(used):  # sorted: the generated text (and its cache key) must not depend on set order
        if m in partials and j in partials[m]:
            de = diff(e, m)
            if de != ZERO:
                terms.append(mul(de, partials[m][j]))
    return add(*terms)


#: Operators whose arguments are evaluated only on some branches: nothing is hoisted out of them.
_LAZY = {"piecewise", "and", "or"}


def _cse(
    assignments: list[tuple[str, Expr]], targets: dict[str, str], suffix: dict[str, str] | None = None
) -> list[str]:
    """Source lines for ``target = expr`` assignments, each repeated subexpression computed once.

    A subexpression that occurs twice or more in the function (``E^n`` in a Hill term and in
    its denominator, ``(g + T)^2`` across Jacobian entries) goes into a local ``_c<k>`` at its
    first use. Numba's optimiser merges repeats only where it can prove them identical, and
    it does not across calls like ``pow``; hoisting here also keeps the source short. Nothing
    is hoisted out of a conditional (``piecewise``): its branches must not run unconditionally.
    ``suffix[target]`` is appended to that assignment's right-hand side.
    """
    counts: dict[Expr, int] = {}

    def count(e: Expr) -> None:
        if isinstance(e, Op):
            counts[e] = counts.get(e, 0) + 1
            if counts[e] == 1 and e.op not in _LAZY:  # a repeat's insides are computed with it
                for a in e.args:
                    count(a)

    for _, e in assignments:
        count(e)
    names: dict[Expr, Sym] = {}
    lines: list[str] = []
    targets = dict(targets)

    def reuse(e: Expr) -> Expr:
        # Inside a conditional only what is already computed is reused.
        if not isinstance(e, Op):
            return e
        if e in names:
            return names[e]
        return Op(e.op, tuple(reuse(a) for a in e.args))

    def hoist(e: Expr) -> Expr:
        if not isinstance(e, Op):
            return e
        if e in names:
            return names[e]
        new = reuse(e) if e.op in _LAZY else Op(e.op, tuple(hoist(a) for a in e.args))
        trivial = e.op == "neg" and not isinstance(e.args[0], Op)
        if counts.get(e, 0) < 2 or trivial:
            return new
        local = f"_c{len(names)}"
        while local in targets:  # a model symbol of that name (names may start with "_")
            local += "_"
        targets[local] = local
        lines.append(f"{local} = {to_source(new, targets)}")
        names[e] = Sym(local)
        return names[e]

    for target, e in assignments:
        lines.append(f"{target} = {to_source(hoist(e), targets)}{(suffix or {}).get(target, '')}")
        targets.setdefault(target, target)
    return lines


def _lift_constants(e: Expr, params: frozenset[str], consts: dict[Expr, Sym], taken: set[str]) -> Expr:
    """``e`` with each largest subexpression of parameters only replaced by a per-patient constant.

    Such a subexpression (``p83 / p82``, ``1 - p7``, ``p23 ** p24``) has the same value at every
    step, so the kernel computes it once per patient (:func:`constants_source`) instead of in every
    right-hand side: divisions and ``pow`` calls are the slow operations of a right-hand side.
    Nothing is lifted out of a conditional (its branches are evaluated only when taken).
    """
    if not isinstance(e, Op):
        return e
    if e.op in _LAZY:
        return e
    if not (e.op == "neg" and not isinstance(e.args[0], Op)) and free_symbols(e) <= params:
        if e not in consts:
            name = f"_k{len(consts)}"
            while name in taken:  # a model symbol of that name (names may start with "_")
                name += "_"
            consts[e] = Sym(name)
        return consts[e]
    return Op(e.op, tuple(_lift_constants(a, params, consts, taken) for a in e.args))


def _fast_pow(line: str) -> str:
    """``(a ** b)`` with an exponent that is not a number written as ``_pow(a, b)`` (see ``_template.py``).

    Hill exponents are parameters, so LLVM cannot turn ``pow`` into multiplications; ``_pow``
    checks the exponent at run time (2 and 1 are common) before calling ``pow``.
    """
    while True:
        done = True
        for m in reversed([i for i in range(len(line)) if line.startswith(" ** ", i)]):
            lo, hi = _operand_left(line, m), _operand_right(line, m + 4)
            exponent = line[m + 4 : hi]
            if lo < 1 or line[lo - 1] != "(" or line[hi : hi + 1] != ")" or _is_number(exponent):
                continue
            line = f"{line[: lo - 1]}_pow({line[lo:m]}, {exponent}){line[hi + 1 :]}"
            done = False
            break
        if done:
            return line


def _is_number(text: str) -> bool:
    try:
        float(text.strip("()"))
    except ValueError:
        return False
    return True


def _operand_left(line: str, end: int) -> int:
    """Start of the operand that ends just before ``end``: a parenthesised group (or call), or a name."""
    i = end - 1
    if line[i] in ")]":
        depth = 0
        while i >= 0:
            depth += line[i] in ")]"
            depth -= line[i] in "(["
            if depth == 0:
                break
            i -= 1
    while i > 0 and (line[i - 1].isalnum() or line[i - 1] in "_."):
        i -= 1
    return i


def _operand_right(line: str, start: int) -> int:
    """End (exclusive) of the operand that starts at ``start``."""
    i = start
    while i < len(line) and (line[i].isalnum() or line[i] in "_.-"):
        i += 1
    if i < len(line) and line[i] in "([":
        depth = 0
        while i < len(line):
            depth += line[i] in "(["
            depth -= line[i] in ")]"
            i += 1
            if depth == 0:
                break
    return i


def model_source(model: Model) -> str:
    """The model-specific functions ``rhs`` (and ``rhs_inline``), ``jac``, ``dfdt``, ``constants``, ``wlu``, ``wsolve``.

    ``p`` of ``rhs``/``jac``/``dfdt`` holds the model's parameters followed by ``N_CONSTANTS``
    per-patient constants (its parameter-only subexpressions) that ``constants(p)`` fills in.
    """
    n = len(model.states)
    n_params = len(model.parameters)
    targets = _symbol_targets(model)
    params = frozenset(model.parameter_names)
    consts: dict[Expr, Sym] = {}
    taken = set(targets)

    def lift(assignments: list[tuple[str, Expr]]) -> list[tuple[str, Expr]]:
        return [(target, _lift_constants(e, params, consts, taken)) for target, e in assignments]

    values = [(targets[name], e) for name, e in model.named_expressions()]
    rhs_exprs = [model.rhs(s) for s in model.state_names]
    uses_t = any("t" in free_symbols(e) for _, e in model.named_expressions()) or any(
        "t" in free_symbols(e) for e in rhs_exprs
    )

    def block(body: list[str]) -> str:
        return "".join(f"    {_fast_pow(line)}\n" for line in body)

    outs = [(f"out[{i}]", e) for i, e in enumerate(rhs_exprs)]
    rhs_assign = lift(values + outs)

    # Jacobian: partials of every named expression with respect to every state, then of each rhs.
    states = list(model.state_names)
    dlines, partials = _derivatives(model, states, [str(j) for j in range(n)])
    # Only the structurally nonzero entries are written: the caller zeroes J once, and the
    # unrolled factorisation below reads exactly these entries.
    entries: list[tuple[str, Expr]] = []
    pattern: set[tuple[int, int]] = set()
    for i, e in enumerate(rhs_exprs):
        used = free_symbols(e)
        for j, s in enumerate(states):
            d = _chain(e, s, j, used, partials)
            if d != ZERO:
                entries.append((f"J[{i}, {j}]", d))
                pattern.add((i, j))
    jac_assign = lift(values + dlines + entries) if entries else []

    dt_assign: list[tuple[str, Expr]] = []
    if uses_t:
        tlines, tpartials = _derivatives(model, ["t"], ["t"])
        dt_entries = []
        for i, e in enumerate(rhs_exprs):
            d = _chain(e, "t", 0, free_symbols(e), tpartials)
            if d != ZERO:
                dt_entries.append((f"out[{i}]", d))
        dt_assign = lift(values + tlines + dt_entries)

    const_assign = [(f"p[{n_params + k}]", e) for k, e in enumerate(consts)]
    targets.update({sym.name: f"p[{n_params + k}]" for k, sym in enumerate(consts.values())})
    rhs_body = _cse(rhs_assign, targets, {f"out[{i}]": f" + u[{i}]" for i in range(n)})
    jac_body = _cse(jac_assign, targets) if jac_assign else ["pass"]
    dt_body = ["out[:] = 0.0", *(_cse(dt_assign, targets) if dt_assign else [])]
    const_body = _cse(const_assign, targets) if const_assign else ["pass"]

    lu = lu_source(n, pattern)
    return (
        f"USES_T = {uses_t}\nUNROLLED_LU = {lu is not None}\n"
        f"N_PARAMS = {n_params}\nN_CONSTANTS = {len(consts)}\n\n\n"
        f"{_DECORATOR}\ndef constants(p):\n{block(const_body)}\n\n"
        f"{_RHS}\ndef rhs(t, y, p, u, out):\n{block(rhs_body)}\n\n"
        f"{_INLINE}\ndef rhs_inline(t, y, p, u, out):\n{block(rhs_body)}\n\n"
        f"{_DECORATOR}\ndef jac(t, y, p, J):\n{block(jac_body)}\n\n"
        f"{_DECORATOR}\ndef dfdt(t, y, p, out):\n{block(dt_body)}" + (lu or _LU_STUBS)
    )


#: Largest unrolled factorisation (multiply-adds, fill-in included); beyond it the generic
#: pivoting LU is used, so a large imported model does not produce a huge kernel to compile.
MAX_LU_OPS = 400
#: A pivot smaller than this fraction of ``fac + |J_kk|`` lost its digits to cancellation:
#: the step then falls back to the generic LU with partial pivoting.
PIVOT_FLOOR = 1e-4
_LU_STUBS = f"\n\n\n{_INLINE}\ndef wlu(J, fac, W):\n    return False\n\n\n{_DECORATOR}\ndef wsolve(W, b):\n    pass\n"


def lu_source(n: int, pattern: set[tuple[int, int]]) -> str | None:
    """Unrolled sparse LU of ``W = fac*I - J`` without pivoting, and its triangular solve.

    The nonzero pattern of J (plus the diagonal) is known from the expression tree, so the
    fill-in is computed here once and the generated code touches only entries that can be
    nonzero. ``wlu`` stores the reciprocal of each pivot on the diagonal and returns False
    when a pivot is not finite or lost its digits to cancellation (the caller then uses
    the generic LU with partial pivoting). None when the factorisation would be too big.
    """
    nz = set(pattern) | {(i, i) for i in range(n)}
    ops: list[tuple[int, int, int]] = []  # (i, j, k): W[i, j] -= W[i, k] * W[k, j]
    for k in range(n):
        rows = [i for i in range(k + 1, n) if (i, k) in nz]
        cols = [j for j in range(k + 1, n) if (k, j) in nz]
        for i in rows:
            for j in cols:
                ops.append((i, j, k))
                nz.add((i, j))
        if len(ops) > MAX_LU_OPS:
            return None
    lu = ["# W = fac*I - J on the pattern (fill-in starts at 0)"]
    for i, j in sorted(nz):
        if (i, j) in pattern:
            lu.append(f"W[{i}, {j}] = {'fac - ' if i == j else '-'}J[{i}, {j}]")
        else:
            lu.append(f"W[{i}, {j}] = {'fac' if i == j else '0.0'}")
    by_k: dict[int, list[tuple[int, int]]] = {k: [] for k in range(n)}
    for i, j, k in ops:
        by_k[k].append((i, j))
    for k in range(n):
        jkk = f"abs(J[{k}, {k}])" if (k, k) in pattern else "0.0"
        lu.append(f"if not abs(W[{k}, {k}]) >= {PIVOT_FLOOR!r} * (fac + {jkk}):")
        lu.append("    return False")
        lu.append(f"W[{k}, {k}] = 1.0 / W[{k}, {k}]")
        for i in range(k + 1, n):
            if (i, k) in nz:
                lu.append(f"W[{i}, {k}] *= W[{k}, {k}]")
        lu.extend(f"W[{i}, {j}] -= W[{i}, {k}] * W[{k}, {j}]" for i, j in by_k[k])
    lu.append("return True")
    sv = []
    for i in range(n):
        terms = [f" - W[{i}, {j}] * b[{j}]" for j in range(i) if (i, j) in nz]
        if terms:
            sv.append(f"b[{i}] = b[{i}]{''.join(terms)}")
    for i in range(n - 1, -1, -1):
        tail = "".join(f" - W[{i}, {j}] * b[{j}]" for j in range(i + 1, n) if (i, j) in nz)
        sv.append(f"b[{i}] = (b[{i}]{tail}) * W[{i}, {i}]")

    def block(body: list[str]) -> str:
        return "".join(f"    {line}\n" for line in body)

    return f"\n\n\n{_DECORATOR}\ndef wlu(J, fac, W):\n{block(lu)}\n\n{_DECORATOR}\ndef wsolve(W, b):\n{block(sv)}"


def solver_template() -> tuple[str, str]:
    """The solver kernels (``_template.py``) before and after their stubs."""
    text = resources.files("iosim.cohort").joinpath("_template.py").read_text(encoding="utf-8")
    head, rest = text.split(_STUB_START, 1)
    _, tail = rest.split(_STUB_END, 1)
    return head, tail.split("\n", 1)[1]


def kernel_source(model: Model) -> str:
    """The complete module text: imports, model functions, solver kernels."""
    head, tail = solver_template()
    # No model id in the text: models with the same equations share one compiled kernel.
    banner = "# Generated by iosim.cohort from a model declaration. Do not edit: regenerated from it.\n"
    return (
        banner
        + head
        + "# Model functions ------------------------------------------------------------\n"
        + (model_source(model) + "\n\n" + tail)
    )
