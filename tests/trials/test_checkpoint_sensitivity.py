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


# ----------------------------------------------------------------------------- in a virtual trial
@pytest.fixture(scope="module")
def checkmate067():
    spec = load_trial_spec(EXAMPLES / "checkmate067.yaml")
    return spec, load_population(EXAMPLES / "populations" / "melanoma.yaml")


def _responders(spec, population, arm_name: str, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(responded, sampled patients) for the first n patients of one arm."""
    arm = next(a for a in spec.arms if a.name == arm_name)
    tables = simulate_chunk(spec, plan_arm(spec.cancer, arm.therapies, spec.follow_up_days), population, arm_name,
                            np.arange(n))  # fmt: skip
    best = tables["outcomes"]["best_response"].to_numpy()
    return np.isin(best, ["CR", "PR"]), tables["patients"]


def test_correlated_sensitivities_make_the_responders_to_each_drug_overlap_more(checkmate067):
    spec, pop = checkmate067
    # Patients alike but for their two sensitivities (widely spread around 0.5), in a tumour type with
    # moderate PD-L1 where ipilimumab can work: what the correlation does is not hidden by the axes both
    # drugs share (PD-L1, infiltration, burden), which in the shipped population make ipilimumab's
    # responders nearly all nivolumab responders whatever the correlation.
    sens = ("ctla4_sensitivity", "pd1_rescue")
    alike = tuple(replace(v, spread=3.0 if v.name in sens else 0.0) for v in pop.variations)
    base = replace(pop, variations=alike, shifts={**pop.shifts, "pd1_rescue": 1.0, "pdl1_base": 0.6},
                   overrides={**pop.overrides, "pd1_rescue": 0.5, "ctla4_sensitivity": 0.5})  # fmt: skip
    share = {}
    for rho in (0.0, 1.0):
        p = replace(base, correlations=(replace(pop.correlations[0], rho=rho),))
        ipi, _ = _responders(spec, p, "ipilimumab", 200)
        nivo, _ = _responders(spec, p, "nivolumab", 200)
        assert 10 <= ipi.sum() <= 190 and 10 <= nivo.sum() <= 190, (ipi.sum(), nivo.sum())
        share[rho] = (ipi & nivo).sum() / ipi.sum()  # ipilimumab responders who also respond to nivolumab
    # Same patients in both (common random numbers); only the pairing of the sensitivities differs.
    # Measured 0.57 vs 0.93 with ~30 ipilimumab responders (SE of a share ~0.09); margin 0.15.
    assert share[1.0] > share[0.0] + 0.15, share


def test_tumours_that_lost_antigen_presentation_respond_to_no_checkpoint_drug(checkmate067):
    spec, pop = checkmate067
    half = replace(pop, variations=tuple(replace(v, spread=0.5) if v.kind == "bernoulli" else v
                                         for v in pop.variations))  # fmt: skip
    for arm in ("nivolumab", "ipilimumab", "nivolumab+ipilimumab"):
        responded, people = _responders(spec, half, arm, 200)
        lost = people["antigen_presentation_loss"].to_numpy() == 1.0
        assert 60 < lost.sum() < 140  # about half of 200
        assert not responded[lost].any(), arm
        # the intact half still responds (so the test can tell a broken mechanism from no drug effect)
        assert responded[~lost].mean() > 0.1, arm
