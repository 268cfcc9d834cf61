"""A dose outside the simulated span is refused, not dropped without a word: in the reference
engine, the cohort engine and `iosim simulate`. A treatment plan (a scenario's therapies, a
model file's events) goes on after the span, and only its later doses are left out."""

import subprocess
import sys

import numpy as np
import pytest

import iosim
from iosim.cohort import simulate_cohort
from iosim.dosing import Infusion, Regimen
from iosim.errors import DosingError
from iosim.scenario import build_scenario


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "iosim", *args], capture_output=True, text=True, timeout=120)


def test_reference_engine_refuses_a_dose_after_the_end():
    with pytest.raises(DosingError) as err:
        iosim.simulate("kuznetsov1994", 30, regimen=iosim.bolus("E", 1e7, at=50))
    message = str(err.value)
    assert "t=50" in message and "[0, 30]" in message and "\n" not in message


def test_reference_engine_refuses_a_dose_before_a_later_start():
    with pytest.raises(DosingError, match="before the start"):
        iosim.simulate("kuznetsov1994", 30, t_start=10, regimen=iosim.bolus("E", 1e7, at=5))


def test_doses_inside_the_span_and_at_its_end_are_accepted():
    r = iosim.simulate("kuznetsov1994", 30, regimen=iosim.bolus("E", 1e7, at=10) + iosim.bolus("E", 1e7, at=30))
    assert r.ok
    before = r["E"][r.t == 9][0]
    assert r["E"][r.t == 10][0] > before + 0.9e7  # the dose on day 10 acted


def test_an_infusion_running_into_a_later_span_is_accepted():
    # it starts before t_start but still delivers during the span
    drip = Regimen((Infusion("E", 1e6, time=5.0, duration=10.0),))
    r = iosim.simulate("kuznetsov1994", 30, t_start=10, regimen=drip)
    plain = iosim.simulate("kuznetsov1994", 30, t_start=10)
    assert r.ok and r["E"][r.t == 15][0] > plain["E"][plain.t == 15][0]


def test_cohort_engine_refuses_a_dose_after_the_end():
    # refused while the inputs are checked, before any kernel is compiled
    with pytest.raises(DosingError, match=r"t=50 is after the end of the simulated span \[0, 30\]"):
        simulate_cohort("kuznetsov1994", 30, params={"s": [1.3e4, 1.4e4]}, regimen=iosim.bolus("E", 1e7, at=50))


def test_cli_refuses_a_dose_after_the_end_in_one_line():
    r = _cli("simulate", "kuznetsov1994", "--days", "30", "--dose", "E:1e7@50")
    assert r.returncode == 2, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "t=50" in lines[0] and "[0, 30]" in lines[0]
    assert "Traceback" not in r.stderr and r.stdout == ""


def test_a_scenario_plan_goes_on_after_a_shorter_run():
    # nivolumab q2w is planned for two years; a 100-day run gives the doses within 100 days
    sc = build_scenario(cancer="melanoma", therapies=["nivolumab"])
    assert max(e.time for e in sc.regimen) > 100
    short = sc.simulate(100, output_every=10)
    assert short.ok
    long = sc.simulate(200, output_every=10)
    assert np.allclose(short["anti_pd1_mg_per_L"], long["anti_pd1_mg_per_L"][long.t <= 100], rtol=1e-5)


def test_cli_notes_a_therapy_whose_doses_all_fall_after_the_run():
    r = _cli("simulate", "core", "--cancer", "melanoma", "--therapy", "nivolumab:3mg/kg-once@50d", "--days", "30",
             "--every", "10")  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "nivolumab: no dose of 3mg/kg-once@50d falls within the 30-day horizon" in r.stderr
