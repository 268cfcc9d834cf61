"""The expression tree: folding, rendering, differentiation and generated code agree."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iosim.errors import ExpressionError
from iosim.expr import (
    Num,
    Op,
    Sym,
    build_function,
    diff,
    evaluate,
    exp,
    free_symbols,
    hill,
    log,
    maximum,
    piecewise,
    substitute,
    to_source,
    to_text,
)
from iosim.expr.nodes import gt

x, y = Sym("x"), Sym("y")


def test_constants_fold_and_neutral_elements_vanish():
    assert (x * 1 + 0) == x
    assert (x * 0) == Num(0.0)
    assert Num(2.0) * 3 == Num(6.0)
    assert (x**1) == x


def test_render_reads_like_the_paper():
    r, b, a, g = Sym("r"), Sym("b"), Sym("a"), Sym("g")
    e = r * y * (1 - b * y) - a * x * y / (g + y)
    assert to_text(e) == "r*y*(1 - b*y) - a*x*y/(g + y)"


def test_unknown_operator_and_bad_names_are_rejected():
    with pytest.raises(ExpressionError):
        Op("system", (x,))
    with pytest.raises(ExpressionError):
        Sym("__import__('os')")
    with pytest.raises(ExpressionError):
        Num(math.inf)


EXPRS = [
    x * y + 3 * x**2,
    x / (1 + y),
    exp(-x * y) + log(1 + x),
    hill(x, 2.0, 3.0),
    maximum(x, y) * x,
    piecewise((x * x, gt(x, 1.0)), otherwise=2 * x),
    (x + y) ** 0.5,
]


@pytest.mark.parametrize("e", EXPRS, ids=to_text)
def test_derivative_matches_finite_difference(e):
    env = {"x": 1.7, "y": 0.6}
    h = 1e-6
    for var in ("x", "y"):
        up, down = dict(env), dict(env)
        up[var] += h
        down[var] -= h
        numeric = (evaluate(e, up) - evaluate(e, down)) / (2 * h)
        assert evaluate(diff(e, var), env) == pytest.approx(numeric, rel=1e-6, abs=1e-8)


@settings(max_examples=60, deadline=None)
@given(st.floats(0.01, 50), st.floats(0.01, 50))
def test_generated_code_equals_tree_evaluation(xv, yv):
    names = {"x": "v[0]", "y": "v[1]"}
    for dialect in ("math", "numpy"):
        body = [f"return [{', '.join(to_source(e, names, dialect) for e in EXPRS)}]"]
        fn = build_function("f", ["v"], body)
        got = fn(np.array([xv, yv]))
        want = [evaluate(e, {"x": xv, "y": yv}) for e in EXPRS]
        np.testing.assert_allclose(np.asarray(got, float), want, rtol=1e-12)


def test_substitute_and_free_symbols():
    e = substitute(x * y, {"y": x + 1})
    assert free_symbols(e) == {"x"}
    assert evaluate(e, {"x": 2.0}) == 6.0


def test_codegen_refuses_undefined_symbols():
    with pytest.raises(ExpressionError):
        to_source(x + y, {"x": "v[0]"})
