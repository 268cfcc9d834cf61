import pytest

from iosim.trials import parse_trial_spec


@pytest.fixture
def small_spec():
    return parse_trial_spec({
        "name": "small",
        "cancer": "melanoma",
        "seed": 11,
        "patients_per_arm": 60,
        "follow_up_months": 18,
        "assessment_every_weeks": 8,
        "arms": [
            {"name": "control", "therapies": []},
            {"name": "nivolumab", "therapies": [{"drug": "nivolumab", "regimen": "3mg/kg-q2w"}]},
        ],
    })  # fmt: skip
