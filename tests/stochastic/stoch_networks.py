"""Small reaction networks shared by the stochastic tests.

Reaction and parameter names follow the SBML Test Suite's DSMTS models, so that the
analytic tests and the suite's cases compile to the same kernels.
"""

from __future__ import annotations

from iosim.model import ModelBuilder, Reference

_REF = Reference(
    "Evans TW, Gillespie CS, Wilkinson DJ (2008). The SBML discrete stochastic models test suite. "
    "Bioinformatics 24:285-286"
)


def birth_death(lam: float = 0.1, mu: float = 0.11, x0: float = 100, *, sink: bool = False):
    """Linear birth–death X -> 2X (Lambda*X), X -> 0 or Sink (Mu*X) (DSMTS-001)."""
    b = ModelBuilder("birth_death", "Linear birth-death process", reference=_REF)
    X = b.state("X", "cells", "population", initial=x0)
    Lambda = b.parameter("Lambda", lam, "1/day", "per-capita birth rate", source="test input")
    Mu = b.parameter("Mu", mu, "1/day", "per-capita death rate", source="test input")
    changes = {X: -1}
    if sink:
        changes[b.state("Sink", "cells", "deaths counted", initial=0)] = +1
    b.reaction("Birth", Lambda * X, {X: +1})
    b.reaction("Death", Mu * X, changes)
    return b.build()


def immigration_death(alpha: float = 1.0, mu: float = 0.1, *, batch: int = 1, sink: bool = False):
    """Immigration (in batches of ``batch``) at rate Alpha and death Mu*X (DSMTS-002 and -004)."""
    b = ModelBuilder("immigration_death", "Immigration-death process", reference=_REF)
    X = b.state("X", "molecules", "population", initial=0)
    Alpha = b.parameter("Alpha", alpha, "1/day", "immigration rate", source="test input")
    Mu = b.parameter("Mu", mu, "1/day", "per-capita death rate", source="test input")
    b.reaction("Immigration", Alpha, {X: batch})
    changes = {X: -1}
    if sink:
        changes[b.state("Sink", "molecules", "deaths counted", initial=0)] = +1
    b.reaction("Death", Mu * X, changes)
    return b.build()
