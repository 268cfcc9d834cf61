"""Engine contracts: seeds reproduce replicates whatever the batching, typed errors, tables."""

from __future__ import annotations

import numpy as np
import pytest
from stoch_networks import birth_death

from iosim.errors import ModelError
from iosim.model import ModelBuilder, Reference
from iosim.stochastic import NotEventReadableError, simulate_stochastic


@pytest.mark.parametrize("method", ["ssa", "tau", "hybrid"])
def test_replicate_is_the_same_alone_in_a_batch_in_chunks_and_on_threads(method):
    model = birth_death(1.0, 0.5, 5)
    kw = dict(method=method, seed=2024, output_every=0.5, hybrid_threshold=50.0)
    big = simulate_stochastic(model, 5.0, replicates=12, **kw)
    small = simulate_stochastic(model, 5.0, replicates=5, **kw)
    chunked = simulate_stochastic(model, 5.0, replicates=12, chunk_size=5, workers=3, **kw)
    np.testing.assert_array_equal(big.trajectories[:5], small.trajectories)
    np.testing.assert_array_equal(big.trajectories, chunked.trajectories)
    np.testing.assert_array_equal(big.extinction_times, chunked.extinction_times)
    other = simulate_stochastic(model, 5.0, replicates=12, **{**kw, "seed": 2025})
    assert not np.array_equal(big.trajectories, other.trajectories)
    # Replicates differ from one another (independent streams).
    assert len({tuple(x) for x in big["X"]}) > 6


def test_model_without_reactions_is_not_event_readable():
    b = ModelBuilder("ode_only", "an ODE", reference=Reference("test"))
    x = b.state("x", "cells", "x", initial=10)
    b.equation(x, -0.1 * x)
    with pytest.raises(NotEventReadableError, match="declares no reactions") as err:
        simulate_stochastic(b.build(), 1.0, replicates=2, seed=1)
    assert isinstance(err.value, ModelError)


def test_equation_states_need_the_hybrid_method():
    with pytest.raises(NotEventReadableError, match="hybrid"):
        simulate_stochastic("kimmel2021", 1.0, replicates=2, method="ssa", seed=1)


def test_fractional_changes_are_rejected():
    b = ModelBuilder("half", "half cells", reference=Reference("test"))
    x = b.state("x", "cells", "x", initial=10)
    b.reaction("split", 0.1 * x, {x: 0.5})
    with pytest.raises(NotEventReadableError, match="whole units"):
        simulate_stochastic(b.build(), 1.0, replicates=2, seed=1)


def test_tables_and_summary():
    res = simulate_stochastic(birth_death(1.0, 0.5, 3), 4.0, replicates=50, seed=5)
    df = res.to_dataframe()
    assert list(df.columns) == ["replicate", "time", "X"] and len(df) == 50 * 5
    s = res.summary()
    assert {"time", "state", "mean", "sd", "q05", "median", "q95", "p_zero"} <= set(s.columns)
    last = s[s.time == 4.0].iloc[0]
    assert last["mean"] == pytest.approx(res.final("X").mean())
    assert last["p_zero"] == pytest.approx(res.p_extinct("X").p)
    ext = res.extinction_table()
    assert list(ext.columns[:4]) == ["replicate", "status", "events", "extinction_time_X"]


def test_runaway_replicate_stops_with_a_status_not_an_exception():
    res = simulate_stochastic(birth_death(1.0, 0.0, 10), 30.0, replicates=3, seed=1, max_steps=1000)
    assert list(res.status) == ["max_steps"] * 3
    assert np.isnan(res["X"][:, -1]).all()
    with pytest.raises(Exception, match="max_steps"):
        res.raise_for_status()
