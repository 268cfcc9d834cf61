"""A small test model whose states each have a closed-form solution, compiled once per session.

Four uncoupled states, each exercising one part of the engine:

* ``A`` (amount): first-order elimination ``A' = -k A`` — doses (bolus, infusion, set);
* ``C`` (cells): exponential decay ``C' = -r C`` — the extinction rule (below 1 cell -> 0);
* ``S`` (other): ``S' = -lam (S - cos t)`` — explicit time, stiff when ``lam`` is large;
* ``B`` (other): ``B' = q B^2`` — blows up at ``t = 1/(q B0)`` when ``q > 0`` (a failing patient).
"""

from __future__ import annotations

import pytest

from iosim import Reference
from iosim.expr import TIME, call
from iosim.model import ModelBuilder

_SRC = "test value (closed-form solutions in tests/cohort/conftest.py)"


def toy_model():
    b = ModelBuilder("cohort_toy", "closed-form test model", reference=Reference("iosim tests"))
    A = b.state("A", "mg", "drug amount", initial=0.0)
    C = b.state("C", "cells", "decaying population", initial=1e3)
    S = b.state("S", "1", "relaxes to cos(t)", initial=1.0)
    B = b.state("B", "1", "quadratic growth", initial=1.0)
    k = b.parameter("k", 0.5, "1/day", "elimination rate", source=_SRC)
    r = b.parameter("r", 0.7, "1/day", "decay rate", source=_SRC)
    lam = b.parameter("lam", 2.0, "1/day", "relaxation rate", source=_SRC)
    q = b.parameter("q", 0.0, "1/day", "growth coefficient", source=_SRC)
    b.equation(A, -k * A)
    b.equation(C, -r * C)
    b.equation(S, -lam * (S - call("cos", TIME)))
    b.equation(B, q * B * B)
    return b.build()


@pytest.fixture(scope="session")
def toy():
    from iosim.cohort import compile_kernel

    model = toy_model()
    compile_kernel(model)  # once per session; later runs load numba's on-disk cache
    return model
