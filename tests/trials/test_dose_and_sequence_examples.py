"""The shipped dose-comparison (CA184-169) and sequencing (CheckMate 064) specs run, and their arms
differ the way their regimens say."""

from pathlib import Path

import pytest

from iosim.trials import load_trial_spec, run_trial
from iosim.trials.arms import plan_arm

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _first_dose_day(plan, state):
    return min(e.time for e in plan.regimen if e.state == state)


def test_sequence_arms_give_the_drugs_in_opposite_order():
    spec = load_trial_spec(EXAMPLES / "checkmate064.yaml")
    plans = {a.name: plan_arm(spec.cancer, a.therapies, spec.follow_up_days) for a in spec.arms}
    nivo_first, ipi_first = plans["nivolumab_then_ipilimumab"], plans["ipilimumab_then_nivolumab"]
    assert (_first_dose_day(nivo_first, "pd1_c"), _first_dose_day(nivo_first, "ctla4_c")) == (0.0, 84.0)
    assert (_first_dose_day(ipi_first, "ctla4_c"), _first_dose_day(ipi_first, "pd1_c")) == (0.0, 84.0)
    # four ipilimumab doses in each arm, whatever the order
    for plan in plans.values():
        assert sum(e.state == "ctla4_c" for e in plan.regimen) == 4


@pytest.fixture(scope="module")
def dose_comparison(tmp_path_factory):
    spec = load_trial_spec(EXAMPLES / "ca184169.yaml").with_patients(300)
    return run_trial(spec, tmp_path_factory.mktemp("ca184169"), spec_dir=EXAMPLES).summary.set_index("arm")


def test_the_higher_dose_helps_the_same_patients_at_least_as_much(dose_comparison):
    # The arms share their virtual patients, so exposure alone separates them: more CTLA-4
    # blockade cannot make a patient's response worse in the model.
    high, low = dose_comparison.loc["ipilimumab_10mg_kg"], dose_comparison.loc["ipilimumab_3mg_kg"]
    assert high["orr"] >= low["orr"]
    assert high["median_os_months"] >= low["median_os_months"] - 0.5  # one month's rounding of KM steps
