"""A therapy's start_day in a trial spec shifts its first dose to that day."""

import pandas as pd
import pytest

from iosim.dosing import Bolus, SetState
from iosim.scenario import build_scenario
from iosim.trials import ResultStore, parse_trial_spec, run_trial
from iosim.trials.arms import plan_arm
from iosim.trials.spec import TherapySpec


def _bolus_days(regimen, state=None):
    return [e.time for e in regimen if isinstance(e, Bolus) and (state is None or e.state == state)]


def test_a_regimen_starting_on_day_28_has_its_first_dose_on_day_28():
    now = plan_arm("melanoma", [TherapySpec(drug="nivolumab", regimen="3mg/kg-q2w")], 180)
    later = plan_arm("melanoma", [TherapySpec(drug="nivolumab", regimen="3mg/kg-q2w", start_day=28)], 180)
    assert _bolus_days(now.regimen)[:3] == [0.0, 14.0, 28.0]
    assert _bolus_days(later.regimen)[:3] == [28.0, 42.0, 56.0]
    # the same doses, two weeks fewer of them within the 180 days
    assert len(_bolus_days(later.regimen)) == len(_bolus_days(now.regimen)) - 2
    assert max(_bolus_days(later.regimen)) <= 180


def test_each_therapy_keeps_its_own_start_day():
    plan = plan_arm(
        "melanoma",
        [TherapySpec(drug="nivolumab", regimen="1mg/kg-q3w-x4"), TherapySpec(drug="ipilimumab", regimen="3mg/kg-q3w-x4",
                                                                            start_day=21)],
        365,
    )  # fmt: skip
    states = {e.state for e in plan.regimen}
    first = {s: min(_bolus_days(plan.regimen, s)) for s in states}
    assert sorted(first.values()) == [0.0, 21.0]


def test_a_cell_therapy_start_day_moves_lymphodepletion_infusion_and_companion():
    sc = build_scenario(cancer="melanoma", therapies=["lifileucel"], start_days=[10])
    resets = [e.time for e in sc.regimen if isinstance(e, SetState)]
    assert resets and set(resets) == {10.0}  # lymphodepletion on the start day
    days = sorted(_bolus_days(sc.regimen))
    assert days[0] == 17.0  # cells 7 days after lymphodepletion (catalogue: lymphodepletion_days=7)
    assert days[1] == pytest.approx(17.5)  # IL-2 from half a day after the cells
    assert any("lymphodepletion on day 10" in n for n in sc.notes)


def test_start_days_must_match_the_therapies():
    from iosim.errors import InputError

    with pytest.raises(InputError, match="one day per therapy"):
        build_scenario(cancer="melanoma", therapies=["nivolumab"], start_days=[0, 28])


def test_a_therapy_starting_after_follow_up_treats_no_one(tmp_path):
    # Common random numbers: every arm treats the same virtual patients, so an arm whose only
    # therapy starts after follow-up ends must match the untreated arm patient for patient.
    spec = parse_trial_spec({
        "name": "late", "cancer": "melanoma", "seed": 7, "patients_per_arm": 100, "follow_up_months": 6,
        "assessment_every_weeks": 8,
        "arms": [
            {"name": "control", "therapies": []},
            {"name": "now", "therapies": [{"drug": "nivolumab", "regimen": "3mg/kg-q2w"}]},
            {"name": "after", "therapies": [{"drug": "nivolumab", "regimen": "3mg/kg-q2w", "start_day": 365}]},
        ],
    })  # fmt: skip
    run_trial(spec, tmp_path / "t", chunk_size=100)
    summary = pd.read_csv(tmp_path / "t" / "summary.csv").set_index("arm")
    assert summary.loc["now", "orr"] > 0.1  # nivolumab is active in this population
    assert summary.loc["after", "orr"] == 0.0
    with ResultStore(tmp_path / "t" / "results.duckdb", read_only=True) as store:
        outcomes = store.table("outcomes").set_index(["arm", "patient"])["best_response"]
    assert outcomes.loc["after"].equals(outcomes.loc["control"])
