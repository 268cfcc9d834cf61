"""The reference engine's budget: an extreme but finite input ends as a numerical failure in
seconds, never a run of minutes (issue 18: ``--set s=1e308`` ran for ever)."""

from __future__ import annotations

import time

import pytest

from iosim import simulate
from iosim.errors import InputError, SimulationError


@pytest.mark.parametrize("method", ["LSODA", "BDF", "Radau", "RK45", "DOP853"])
def test_an_extreme_parameter_fails_within_seconds(method):
    start = time.monotonic()
    result = simulate("kuznetsov1994", 100.0, params={"s": 1e308}, method=method)
    assert time.monotonic() - start < 30.0  # ran for minutes before
    assert result.status == "failed"
    assert "\n" not in result.message and result.message
    with pytest.raises(SimulationError):
        result.raise_for_status()


def test_the_stall_message_gives_advice():
    result = simulate("kuznetsov1994", 100.0, params={"s": 1e308}, method="LSODA")
    assert "step shrank to nothing" in result.message
    assert "extreme parameter" in result.message


def test_the_evaluation_budget_ends_a_run():
    ok = simulate("kuznetsov1994", 100.0)
    assert ok.status == "ok"  # the default budget leaves an ordinary run alone
    small = simulate("kuznetsov1994", 100.0, max_evaluations=50)
    assert small.status == "failed"
    assert "50 right-hand-side evaluations" in small.message


def test_the_time_limit_ends_a_run():
    start = time.monotonic()
    # A tiny tolerance and a tiny max_step make this run long; the time limit cuts it short.
    result = simulate("kuznetsov1994", 1e5, max_step=1e-3, time_limit_s=0.5, output_every=100.0)
    assert time.monotonic() - start < 10.0
    assert result.status == "failed"
    assert "time limit of 0.5 s" in result.message


@pytest.mark.parametrize("kwargs", [{"max_evaluations": 0}, {"max_evaluations": 1.5}, {"time_limit_s": -1.0},
                                    {"time_limit_s": float("nan")}])  # fmt: skip
def test_a_bad_budget_is_an_input_error(kwargs):
    with pytest.raises(InputError):
        simulate("kuznetsov1994", 10.0, **kwargs)
