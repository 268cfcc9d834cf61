"""Fuzzing the YAML inputs: trial specifications, populations and scenarios.

Valid files from ``examples/`` are mutated as data (a field replaced by any YAML value,
deleted, duplicated, scaled to an extreme) and as text (truncated, invalid UTF-8, deep
nesting, extreme numbers). Each mutant must load or raise a typed one-line error; what
loads must also be usable: a spec's assessment schedule and arm doses, a population's
patients, a scenario's doses.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from iosim.scenario import build_scenario, load_scenario
from iosim.trials import load_trial_spec, parse_trial_spec
from iosim.trials.arms import plan_arm
from iosim.trials.population import load_population

from ._contract import REPO, FileGuard, outcome
from ._strategies import mutated_text, mutated_tree

EXAMPLES = REPO / "examples"
SPECS = {p.name: p.read_text() for p in sorted(EXAMPLES.glob("*.yaml"))}
POPULATIONS = {p.name: p.read_text() for p in sorted((EXAMPLES / "populations").glob("*.yaml"))}
SCENARIO = """\
cancer: melanoma
patient: {weight_kg: 80, height_cm: 180}
tumour_cells: 2.0e+10
horizon_days: 365
therapies:
  - nivolumab:1mg/kg-q3w-x4,480mg-q4w@84d
  - drug: ipilimumab
    regimen: 3mg/kg-q3w-x4
"""


def _write(folder: Path, name: str, data: bytes | str) -> Path:
    path = folder / "in" / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return path


def _check_spec(spec) -> None:
    weeks = spec.assessment_weeks()
    assert all(math.isfinite(w) for w in weeks)
    assert all(b > a for a, b in zip(weeks, weeks[1:]))
    assert not weeks or weeks[-1] <= spec.follow_up_days / 7 + 1e-6
    for arm in spec.arms[:2]:  # the doses of each arm, as the trial runner builds them
        plan, _ = outcome(plan_arm, spec.cancer, [t.text for t in arm.therapies], spec.follow_up_days)
        if plan is not None:
            assert all(math.isfinite(e.time) and e.time <= spec.follow_up_days + 1e-6 for e in plan.regimen)


@settings(max_examples=60)
@given(st.data())
def test_mutated_trial_specs_load_or_fail_with_one_line(workdir, data):
    guard = FileGuard(workdir)
    base = yaml.safe_load(SPECS[data.draw(st.sampled_from(sorted(SPECS)))])
    spec, _ = outcome(parse_trial_spec, data.draw(mutated_tree(base)))
    if spec is not None:
        _check_spec(spec)
    guard.check()


@settings(max_examples=40)
@given(st.data())
def test_mutated_trial_files_load_or_fail_with_one_line(workdir, data):
    guard = FileGuard(workdir)
    text = data.draw(mutated_text(SPECS[data.draw(st.sampled_from(sorted(SPECS)))]))
    spec, _ = outcome(load_trial_spec, _write(workdir, "spec.yaml", text))
    if spec is not None:
        _check_spec(spec)
    guard.check()


def _check_population(path: Path) -> None:
    pop, _ = outcome(load_population, path)
    if pop is None:
        return
    people, _ = outcome(pop.sample, 7, np.arange(4))
    if people is not None:  # an unknown cancer or parameter name fails when sampling, typed
        numbers = people.select_dtypes("number").to_numpy(float)
        assert np.isfinite(numbers).all(), "a population that loads must give finite patients"


@settings(max_examples=50)
@given(st.data())
def test_mutated_populations_load_or_fail_with_one_line(workdir, data):
    guard = FileGuard(workdir)
    base = yaml.safe_load(POPULATIONS[data.draw(st.sampled_from(sorted(POPULATIONS)))])
    mutant = data.draw(mutated_tree(base))
    _check_population(_write(workdir, "pop.yaml", yaml.safe_dump(mutant, allow_unicode=True)))
    guard.check()


@settings(max_examples=30)
@given(st.data())
def test_mutated_population_files_load_or_fail_with_one_line(workdir, data):
    guard = FileGuard(workdir)
    text = data.draw(mutated_text(POPULATIONS[data.draw(st.sampled_from(sorted(POPULATIONS)))]))
    _check_population(_write(workdir, "pop.yaml", text))
    guard.check()


def _check_scenario(sc) -> None:
    for e in sc.regimen:
        assert math.isfinite(e.time) and e.time >= 0


@settings(max_examples=50)
@given(mutated_tree(yaml.safe_load(SCENARIO)))
def test_mutated_scenarios_load_or_fail_with_one_line(workdir, mutant):
    guard = FileGuard(workdir)
    sc, _ = outcome(load_scenario, _write(workdir, "sc.yaml", yaml.safe_dump(mutant, allow_unicode=True)))
    if sc is not None:
        _check_scenario(sc)
    guard.check()


@settings(max_examples=30)
@given(mutated_text(SCENARIO))
def test_mutated_scenario_files_load_or_fail_with_one_line(workdir, text):
    guard = FileGuard(workdir)
    sc, _ = outcome(load_scenario, _write(workdir, "sc.yaml", text))
    if sc is not None:
        _check_scenario(sc)
    guard.check()


@settings(max_examples=40)
@given(mutated_tree({"cancer": "melanoma", "therapies": ["nivolumab", "ipilimumab:3mg/kg-q3w-x4"],
                     "patient": {"weight_kg": 70.0, "height_cm": 170.0}, "tumour_cells": 1e10,
                     "horizon_days": 365.0}))  # fmt: skip
def test_build_scenario_arguments(kwargs):
    """The library entry point, called with whatever a web form or script might pass."""
    keys = {"cancer", "therapies", "patient", "tumour_cells", "horizon_days"}
    if isinstance(kwargs, dict) and "cancer" in kwargs and set(kwargs) <= keys:
        sc, _ = outcome(build_scenario, **kwargs)
        if sc is not None:
            _check_scenario(sc)
