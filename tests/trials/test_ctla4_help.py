"""Anti-CTLA-4's CD4 help (``ctla4_help``): it lifts part of the co-inhibitory signal on CD8 effectors only
while anti-CTLA-4 is on board, and shares PD-1 blockade's limit rather than adding a second one."""

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from iosim.errors import InputError
from iosim.models import get_model
from iosim.trials.arms import plan_arm
from iosim.trials.population import load_population
from iosim.trials.runner import simulate_chunk
from iosim.trials.spec import load_trial_spec

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture(scope="module")
def trial():
    spec = load_trial_spec(EXAMPLES / "checkmate067.yaml")
    return spec, load_population(EXAMPLES / "populations" / "melanoma.yaml")


def _arm(spec, population, name: str, help_share: float, n: int = 150):
    arm = next(a for a in spec.arms if a.name == name)
    pop = replace(population, overrides={**population.overrides, "ctla4_help": help_share})
    out = simulate_chunk(spec, plan_arm(spec.cancer, arm.therapies, spec.follow_up_days), pop, name, np.arange(n))
    return out["outcomes"]


def test_the_help_share_is_a_bounded_share_that_is_off_by_default():
    model = get_model("core")
    assert model.parameter("ctla4_help").bounds == (0.0, 1.0)
    assert model.parameter("ctla4_help").value == 0.0  # the melanoma population sets its calibrated share
    with pytest.raises(InputError, match="ctla4_help"):
        model.parameter_values({"ctla4_help": 1.5})


def test_help_acts_only_with_anti_ctla4_and_raises_its_responses(trial):
    spec, pop = trial
    # Without anti-CTLA-4 the help term is zero: nivolumab's patients are exactly the same.
    a, b = _arm(spec, pop, "nivolumab", 0.0), _arm(spec, pop, "nivolumab", 0.9)
    assert a["best_response"].equals(b["best_response"]) and np.allclose(a["pfs_months"], b["pfs_months"])
    # With ipilimumab, lifting co-inhibition in more of each patient's effectors gives more responders
    # (measured at 1,000 patients: 3% without help, 25% at 0.9).
    none, full = (_arm(spec, pop, "ipilimumab", h)["best_response"].isin(["CR", "PR"]).mean() for h in (0.0, 0.9))
    assert full > none + 0.08, (none, full)
