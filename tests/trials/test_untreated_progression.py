"""Plausible trial patients have progressing disease: a population with ``untreated_progression_months``
admits only patients whose untreated tumour grows and does not regress on its own."""

import tempfile
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from iosim.errors import InputError
from iosim.trials import plausibility, run_trial
from iosim.trials.plausibility import progresses_untreated
from iosim.trials.population import MAX_ATTEMPTS, _population_from, load_population
from iosim.trials.spec import ArmSpec, load_trial_spec

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture(scope="module")
def melanoma():
    return load_population(EXAMPLES / "populations" / "melanoma.yaml")


def _untreated_course(pop, people) -> np.ndarray:
    draws = {v.name: people[v.name].to_numpy() for v in pop.variations}
    return progresses_untreated(pop.cancer, pop.overrides, draws, people["tumour_cells"].to_numpy(), 60.0)


def test_the_shipped_melanoma_population_admits_only_progressing_disease(melanoma):
    assert melanoma.untreated_progression_months == 60.0
    people = melanoma.sample(3, np.arange(300))
    kept_anyway = people["draw_attempt"] == MAX_ATTEMPTS - 1  # the last draw is kept whatever it does
    assert _untreated_course(melanoma, people)[~kept_anyway.to_numpy()].all()
    # Without the rule the same calibrated centres give patients whose disease regresses untreated
    # (measured: ~11% of draws), so the rule is what removes them.
    free = replace(melanoma, untreated_progression_months=None).sample(3, np.arange(300))
    assert (~_untreated_course(melanoma, free)).mean() > 0.03
    assert (people["draw_attempt"] > 0).mean() > (free["draw_attempt"] > 0).mean() + 0.03  # the rule's redraws


def test_an_untreated_arm_of_the_melanoma_population_has_no_spontaneous_responses(melanoma):
    spec = load_trial_spec(EXAMPLES / "checkmate067.yaml").with_patients(200)
    spec = spec.model_copy(update={"arms": [ArmSpec(name="untreated")], "follow_up_months": 60})
    with tempfile.TemporaryDirectory() as d:
        summary = run_trial(spec, d, population=melanoma).summary
    # Spontaneous regression of metastatic melanoma is rare (~0.2-0.3%, Kalialis 2009); before the rule this
    # population had ~5.5% responders over 60 months untreated. Reader error may still fake a rare one.
    assert summary["orr"].iloc[0] <= 0.01
    assert summary["median_pfs_months"].iloc[0] < 4  # untreated disease progresses at the first scans


def test_redraws_keep_each_patient_the_same_whatever_the_batch(melanoma):
    whole = melanoma.sample(8, np.arange(120))
    pieces = pd.concat([melanoma.sample(8, np.arange(lo, lo + 40)) for lo in (0, 40, 80)], ignore_index=True)
    assert whole.equals(pieces)


def test_population_files_check_the_rule_and_keep_it(tmp_path, melanoma):
    good = melanoma.to_dict()
    assert good["untreated_progression_months"] == 60.0
    for bad in (0, -3, "soon", 1000):
        with pytest.raises(InputError, match="untreated_progression_months"):
            _population_from({**good, "untreated_progression_months": bad}, "'test'")
    with pytest.raises(InputError, match="untreated_progression_months"):
        _population_from({**good, "pool": "p.parquet", "anatomy_seed": 1}, "'test'")
    melanoma.save(tmp_path / "p.yaml")
    assert load_population(tmp_path / "p.yaml").untreated_progression_months == 60.0
    assert "untreated_progression_months" not in replace(melanoma, untreated_progression_months=None).to_dict()


def _whole_horizon_rule(pop, people, months: float) -> np.ndarray:
    """The rule as stated, without stages: each candidate simulated untreated over the whole horizon; plausible
    if the sum of diameters reaches +20% of baseline and never falls to -30%."""
    from iosim.cohort import simulate_cohort
    from iosim.model.compiled import output_function
    from iosim.trials.arms import plan_arm
    from iosim.trials.spec import DAYS_PER_MONTH

    n = len(people)
    days = months * DAYS_PER_MONTH
    plan = plan_arm(pop.cancer, [], days)
    values = {**plan.params, **pop.overrides}
    params = {k: np.full(n, v) for k, v in values.items()}
    params.update({v.name: people[v.name].to_numpy() for v in pop.variations})
    frac = values.get("target_fraction", plan.model.parameter("target_fraction").value)
    burden = people["tumour_cells"].to_numpy()
    times = np.unique(np.append(np.arange(0.0, days, 7.0), days))
    res = simulate_cohort(plan.model, days, params=params, initial={"Tp": burden * frac, "Tn": burden * (1 - frac)},
                          times=times, method=plausibility.METHOD, rtol=plausibility.RTOL,
                          atol=plausibility.ATOL)  # fmt: skip
    sld = output_function(plan.model, "tumour_diameter_mm")(
        times, np.moveaxis(res.y, 2, 0), res.parameters.T[:, :, None]
    )
    relative = sld / sld[:, :1]
    return res.ok & (relative >= 1.2).any(axis=1) & ~(relative <= 0.7).any(axis=1)


def test_the_staged_check_admits_exactly_the_patients_of_the_whole_horizon_rule(melanoma):
    # Candidates drawn without the rule, so that some regress untreated and must be refused; the staged check
    # decides most of them within months, the rest over the whole 60 months.
    free = replace(melanoma, untreated_progression_months=None).sample(11, np.arange(400))
    staged = _untreated_course(melanoma, free)
    assert 0.03 < (~staged).mean() < 0.5
    assert np.array_equal(staged, _whole_horizon_rule(melanoma, free, 60.0))


def test_a_horizon_shorter_than_the_stages_is_judged_over_its_whole_length(melanoma):
    # 4 months: the first stage (to day 137) would pass the horizon, so every patient is simulated to month 4
    # and one that only progresses later is refused.
    free = replace(melanoma, untreated_progression_months=None).sample(12, np.arange(200))
    draws = {v.name: free[v.name].to_numpy() for v in melanoma.variations}
    short = progresses_untreated(melanoma.cancer, melanoma.overrides, draws, free["tumour_cells"].to_numpy(), 4.0)
    assert np.array_equal(short, _whole_horizon_rule(melanoma, free, 4.0))
    assert short.sum() < _untreated_course(melanoma, free).sum()
