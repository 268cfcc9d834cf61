import pytest
from hypothesis import HealthCheck, settings

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


# Property tests are deterministic: the same examples on every run (derandomize), no
# per-example deadline (the first call of a numba kernel includes loading it).

settings.register_profile(
    "iosim", derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True
)
settings.load_profile("iosim")
