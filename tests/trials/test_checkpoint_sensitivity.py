"""Each patient's own sensitivity to each checkpoint mechanism (issue 16): drawn in the population,
partly correlated through an explicit parameter, bounded, and with a share of tumours that no
checkpoint drug can rescue."""

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import spearmanr

from iosim.errors import InputError
from iosim.models import get_model
from iosim.trials.arms import plan_arm
from iosim.trials.population import (
    CHECKPOINT_CORRELATION,
    CHECKPOINT_VARIATION,
    PARAMETER_VARIATION,
    Population,
    _population_from,
    load_population,
)
from iosim.trials.runner import simulate_chunk
from iosim.trials.spec import load_trial_spec

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
NEW = ("ctla4_sensitivity", "pd1_rescue", "antigen_presentation_loss")


def _population(rho: float = 0.3, loss: float = 0.1) -> Population:
    variations = PARAMETER_VARIATION + tuple(
        replace(v, spread=loss) if v.kind == "bernoulli" else v for v in CHECKPOINT_VARIATION
    )
    return Population("melanoma", variations=variations, overrides={"ctla4_sensitivity": 0.5, "pd1_rescue": 0.6},
                      correlations=(replace(CHECKPOINT_CORRELATION, rho=rho),))  # fmt: skip


# ----------------------------------------------------------------------------- bounds
def test_the_new_parameters_are_shares_bounded_to_zero_and_one_with_defaults_that_change_nothing():
    model = get_model("core")
    for name in NEW:
        assert model.parameter(name).bounds == (0.0, 1.0)
    # full effect of both drugs and intact antigen presentation unless a population says otherwise
    assert [model.parameter(n).value for n in NEW] == [1.0, 1.0, 0.0]
    for name, bad in (("pd1_rescue", 1.2), ("ctla4_sensitivity", -0.1), ("antigen_presentation_loss", 2.0)):
        with pytest.raises(InputError, match=name):
            model.parameter_values({name: bad})


def test_drawn_sensitivities_stay_inside_their_bounds():
    df = _population().sample(11, np.arange(2000))
    for name in NEW:
        assert df[name].between(0.0, 1.0).all()
    assert set(np.unique(df["antigen_presentation_loss"])) == {0.0, 1.0}


def test_population_files_refuse_impossible_shares_and_correlations():
    good = _population().to_dict()
    for change, field in (
        ({"variations": [*good["variations"][:-1], {**good["variations"][-1], "spread": 1.5}]}, "spread"),
        ({"correlations": [{**good["correlations"][0], "rho": 2.0}]}, "rho"),
        ({"correlations": [{**good["correlations"][0], "between": ["ctla4_sensitivity", "kill_max"]}]}, "kill_max"),
        ({"correlations": [{**good["correlations"][0], "between": ["pd1_rescue", "pd1_rescue"]}]}, "pd1_rescue"),
    ):
        with pytest.raises(InputError, match=field):
            _population_from({**good, **change}, "'test'")


# ----------------------------------------------------------------------------- the draws
def test_the_share_of_tumours_with_pathway_loss_is_the_population_parameter():
    df = _population(loss=0.1).sample(2, np.arange(4000))
    # binomial SE at n=4000, p=0.1 is 0.0047: four SE either side
    assert abs(df["antigen_presentation_loss"].mean() - 0.1) < 0.019
    assert _population(loss=0.0).sample(2, np.arange(500))["antigen_presentation_loss"].max() == 0.0


def test_the_correlation_parameter_sets_the_rank_correlation_of_the_two_sensitivities():
    ids = np.arange(3000)
    for rho in (0.0, 0.3, 0.8):
        df = _population(rho=rho).sample(4, ids)
        # a Gaussian copula: Spearman's rho = (6/pi) asin(rho/2); SE ~ 1/sqrt(n) = 0.018, tolerance 3 SE
        expected = 6 / np.pi * np.arcsin(rho / 2)
        assert abs(spearmanr(df["ctla4_sensitivity"], df["pd1_rescue"]).statistic - expected) < 0.055
    one = _population(rho=1.0).sample(4, ids)
    assert spearmanr(one["ctla4_sensitivity"], one["pd1_rescue"]).statistic > 0.999


def test_correlations_round_trip_through_a_population_file(tmp_path):
    pop = _population(rho=0.55)
    pop.save(tmp_path / "p.yaml")
    back = load_population(tmp_path / "p.yaml")
    assert back.correlations == pop.correlations
    assert back.sample(9, np.arange(100)).equals(pop.sample(9, np.arange(100)))
