"""The generated model functions compute parameter-only subexpressions once per patient, and
Hill terms with a run-time exponent without ``pow`` where the exponent is 2 or 1.

Checked on the generated text run as plain Python (``njit`` replaced by the identity), against
the reference engine's right-hand side (:func:`iosim.model.compiled.compile_model`), which is
generated independently of these rewrites; the compiled path is covered by the engines'
agreement tests.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from iosim import Reference
from iosim.cohort.codegen import _fast_pow, model_source
from iosim.model import ModelBuilder
from iosim.model.compiled import compile_model

_SRC = "test value (tests/cohort/test_constants.py)"


def _hill_model():
    b = ModelBuilder("hill_toy", "Hill activation with a parameter exponent", reference=Reference("iosim tests"))
    X = b.state("X", "cells", "activated population", initial=1e3)
    Y = b.state("Y", "mg", "drug amount", initial=10.0)
    k1 = b.parameter("k1", 2.0, "1/day", "activation rate", source=_SRC)
    k2 = b.parameter("k2", 4.0, "1", "activation divisor", source=_SRC)
    K = b.parameter("K", 500.0, "cells", "half activation", source=_SRC)
    n = b.parameter("n", 2.0, "1", "Hill exponent", source=_SRC)
    c = b.parameter("c", 0.3, "1", "resistant share", source=_SRC)
    kel = b.parameter("kel", 0.1, "1/day", "elimination", source=_SRC)
    act = b.intermediate("act", X**n / (K**n + X**n))
    b.equation(X, (k1 / k2) * act * X - (1 - c) * X * Y / (Y + K))
    b.equation(Y, -(kel / k2) * Y)
    return b.build()


def _pow(x, n):  # the template's helper, as plain Python
    if n == 2.0:
        return x * x
    if n == 1.0:
        return x
    return x**n


def _generated(model):
    ns = {"njit": lambda *a, **k: lambda f: f, "math": math, "np": np, "_pow": _pow}
    exec(model_source(model), ns)  # generated from the model's trees only
    return ns


def test_run_time_exponents_call_the_helper_and_numbers_stay_pow():
    assert _fast_pow("a = (x ** p[9])") == "a = _pow(x, p[9])"
    assert _fast_pow("a = (y[2] ** 2.0)") == "a = (y[2] ** 2.0)"  # LLVM turns a constant square into x*x itself
    assert _fast_pow("a = (x ** (-1.0))") == "a = (x ** (-1.0))"
    assert _fast_pow("a = (max(x, 0.0) ** (p[1] + (-1.0)))") == "a = _pow(max(x, 0.0), (p[1] + (-1.0)))"
    assert _fast_pow("a = ((x ** p[1]) ** p[2])") == "a = _pow(_pow(x, p[1]), p[2])"
    assert _fast_pow("a = (1.0 + (x ** p[1]))") == "a = (1.0 + _pow(x, p[1]))"


def test_parameter_only_subexpressions_move_out_of_the_right_hand_side():
    model = _hill_model()
    ns = _generated(model)
    names = model.parameter_names
    src = model_source(model)
    rhs_src = src[src.index("def rhs") : src.index("def jac")]
    const_src = src[src.index("def constants") : src.index("def rhs")]
    k1, k2, kel = (f"p[{names.index(x)}]" for x in ("k1", "k2", "kel"))
    # k1/k2 and kel/k2 (and K^n) are the same at every step: computed once per patient, not in rhs.
    assert f"({k1} / {k2})" in const_src and f"({kel} / {k2})" in const_src
    assert f"/ {k2}" not in rhs_src
    assert "_pow(y[0], " in rhs_src  # X^n: the exponent is a parameter
    assert ns["N_PARAMS"] == len(names) and ns["N_CONSTANTS"] >= 3


@pytest.mark.parametrize("n", [1.0, 2.0, 2.5, 3.0])
def test_generated_rhs_with_its_constants_equals_the_reference_rhs(n):
    # Each branch of the run-time exponent (1, 2, pow) and the per-patient constants.
    model = _hill_model()
    ns = _generated(model)
    ref = compile_model(model)
    rng = np.random.default_rng(int(n * 10))
    for _ in range(20):
        p = model.parameter_values({"n": n, "k1": rng.uniform(0.5, 3), "K": rng.uniform(10, 1e3)})
        pc = np.empty(ns["N_PARAMS"] + ns["N_CONSTANTS"])
        pc[: len(p)] = p
        ns["constants"](pc)
        y = rng.uniform(0.0, 2e3, size=2)
        out = np.empty(2)
        ns["rhs"](0.0, y, pc, np.zeros(2), out)
        np.testing.assert_allclose(out, ref.rhs(0.0, y, p), rtol=1e-14, atol=0)
        J = np.zeros((2, 2))
        ns["jac"](0.0, y, pc, J)
        np.testing.assert_allclose(J, ref.jacobian(0.0, y, p), rtol=1e-12, atol=1e-300)
