"""The extinction rule: a population below its threshold becomes exactly 0, or not, on request."""

import math

import numpy as np
import pytest

import iosim
from iosim.model import ModelBuilder, Reference


@pytest.fixture(scope="module")
def relapse_model():
    # Tumour killed by a decaying effector population: without the rule the tumour falls
    # to ~1e-30 cells and then "relapses" once the effectors are gone.
    b = ModelBuilder("relapse", "kill then regrow", reference=Reference("test model"))
    T = b.state("T", "cells", "tumour", initial=1e4)
    E = b.state("E", "cells", "effectors", initial=1e6, extinction_threshold=None)
    a = b.parameter("a", 0.2, "1/day", "growth", source="chosen")
    k = b.parameter("k", 1e-6, "1/(cell*day)", "kill", source="chosen")
    d = b.parameter("d", 0.02, "1/day", "effector decay", source="chosen")
    b.reaction("growth", a * T, {T: 1})
    b.reaction("kill", k * E * T, {T: -1})
    b.reaction("decay", d * E, {E: -1})
    return b.build()


def test_extinct_population_stays_exactly_zero(relapse_model):
    r = iosim.simulate(relapse_model, 400)
    assert r.final("T") == 0.0
    ((state, t),) = r.extinctions
    assert state == "T" and 0 < t < 400
    assert np.all(r["T"][r.t > t] == 0.0)


def test_without_the_rule_the_tumour_relapses_from_a_fraction_of_a_cell(relapse_model):
    r = iosim.simulate(relapse_model, 400, extinction=False)
    assert r["T"].min() < 1e-6  # far below one cell
    assert r.final("T") > 1.0  # and yet it grows back
    assert r.extinctions == ()


def test_threshold_crossing_time_is_exact():
    b = ModelBuilder("decay", "pure decay", reference=Reference("test model"))
    T = b.state("T", "cells", "cells", initial=100.0)
    b.equation(T, -0.5 * T)
    r = iosim.simulate(b.build(), 20)
    assert r.extinctions[0][1] == pytest.approx(math.log(100) / 0.5, rel=1e-6)
