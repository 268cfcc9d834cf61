"""Expressions survive iosim -> libSBML AST -> iosim unchanged in value."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iosim.expr import Num, Sym, call, evaluate
from iosim.sbml.math import TIME, to_expr
from iosim.sbml.writer import to_ast

ENV = {"a": 0.7, "b": 2.5, TIME: 1.3}
LEAVES = st.one_of(
    st.sampled_from([Sym("a"), Sym("b"), Sym("t")]),
    st.floats(min_value=-3, max_value=3, allow_nan=False).map(Num),
)
UNARY = ["exp", "sin", "cos", "tanh", "abs", "floor", "ceil"]
BINARY = ["add", "mul", "min", "max", "lt", "le", "gt", "ge", "eq", "ne", "and", "or"]


def trees(depth: int):
    if depth == 0:
        return LEAVES
    sub = trees(depth - 1)
    return st.one_of(
        LEAVES,
        st.tuples(st.sampled_from(UNARY), sub).map(lambda p: call(p[0], p[1])),
        st.tuples(st.sampled_from(BINARY), sub, sub).map(lambda p: call(p[0], p[1], p[2])),
        st.tuples(sub, sub, sub).map(lambda p: call("piecewise", p[0], p[1], p[2])),
        st.tuples(sub).map(lambda p: call("not", p[0])),
    )


def value(e, env):
    try:
        return evaluate(e, env)
    except (OverflowError, ValueError):
        return None


@settings(max_examples=150, deadline=None)
@given(trees(3))
def test_written_then_read_expression_has_the_same_value(e):
    # iosim's time symbol t is written as SBML's time csymbol and read back as TIME.
    back = to_expr(to_ast(e), {}, where="test")
    want = value(e, {**ENV, "t": ENV[TIME]})
    if want is None or not math.isfinite(want):
        return  # overflow in exp or a domain error: nothing to compare
    # Numbers in boolean positions come back as `x != 0`, with the same truth value.
    assert value(back, ENV) == pytest.approx(want, rel=1e-12, abs=1e-12)
