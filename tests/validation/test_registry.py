"""The calibration registry: one file, every entry runnable, every interval right."""

import re

import pytest

from iosim.library import trial_path
from iosim.trials import load_trial_spec
from iosim.validation import ENDPOINTS, RegistryError, calibration_status, clopper_pearson, load_registry


def test_every_entry_names_a_shipped_trial_arm_and_a_known_endpoint():
    registry = load_registry()
    assert len(registry) >= 19
    for e in registry:
        spec = load_trial_spec(trial_path(e.spec))
        assert spec.name == e.trial, e.id
        assert e.arm in {a.name for a in spec.arms}, e.id
        assert e.endpoint in ENDPOINTS and e.role in ("calibrated", "predicted")
        assert e.source.strip() and e.n is not None
        if e.ci_low is not None:
            assert e.ci_low <= e.observed <= e.ci_high, e.id


def test_computed_intervals_are_the_exact_binomial_ones():
    # Each "computed: Clopper-Pearson from K/N" interval is recomputed here from its count.
    computed = [e for e in load_registry() if e.ci_source.startswith("computed: Clopper-Pearson")]
    assert len(computed) >= 8
    for e in computed:
        k, n = map(int, re.search(r"from (\d+)/(\d+)", e.ci_source).groups())
        assert n == e.n and abs(k / n - e.observed) < 0.006, e.id  # the count matches the rounded rate
        lo, hi = clopper_pearson(k, n)
        assert (round(lo, 4), round(hi, 4)) == (e.ci_low, e.ci_high), e.id


def test_checkmate067_reported_intervals_are_clopper_pearson_of_its_counts():
    # Larkin 2015 reports exact intervals: 138/316, 60/315 and 181/314 responders.
    registry = load_registry()
    for arm, k, n in (("nivolumab", 138, 316), ("ipilimumab", 60, 315), ("nivolumab+ipilimumab", 181, 314)):
        e = registry.find("checkmate067", arm, "orr")
        lo, hi = clopper_pearson(k, n)
        assert (round(lo, 3), round(hi, 3)) == (e.ci_low, e.ci_high)


def test_cancers_without_a_calibrated_trial_are_uncalibrated():
    # 066: dacarbazine potency; schwartzentruber2011: the IL-2 capillary-leak constant
    assert calibration_status("melanoma") == "calibrated (checkmate067, checkmate066, schwartzentruber2011, c144_01)"
    assert calibration_status("dlbcl") == "calibrated (zuma1)"
    assert calibration_status("nsclc") == "calibrated (oak, poplar)"  # OAK lesions; POPLAR: docetaxel potency
    # prostate ships a population file, but IMPACT is predicted only
    for cancer in ("pancreatic", "prostate", "b_all"):
        assert calibration_status(cancer) == "uncalibrated"


@pytest.mark.parametrize(
    "change, fragment",
    [
        ({"role": "tuned"}, "role must be 'calibrated' or 'predicted'"),
        ({"endpoint": "orr_typo"}, "unknown endpoint 'orr_typo'"),
        ({"observed": 0.9}, "outside its CI"),
        ({"ci_high": None}, "give both ci_low and ci_high"),
        ({"colour": "red"}, "unknown field 'colour'"),
        ({"spec": "../../etc/passwd"}, "relative to examples/"),
    ],
)
def test_malformed_entries_are_refused_with_the_field_named(tmp_path, change, fragment):
    import yaml

    entry = {"id": "t/a/orr", "trial": "t", "spec": "t.yaml", "arm": "a", "endpoint": "orr", "observed": 0.3,
             "ci_low": 0.2, "ci_high": 0.4, "n": 100, "role": "calibrated", "source": "paper"}  # fmt: skip
    path = tmp_path / "registry.yaml"
    path.write_text(yaml.safe_dump({"entries": [{**entry, **change}]}))
    with pytest.raises(RegistryError, match=re.escape(fragment)):
        load_registry(path)


def test_duplicate_observations_are_refused(tmp_path):
    import yaml

    entry = {"id": "t/a/orr", "trial": "t", "spec": "t.yaml", "arm": "a", "endpoint": "orr", "observed": 0.3,
             "role": "predicted", "source": "paper"}  # fmt: skip
    path = tmp_path / "registry.yaml"
    path.write_text(yaml.safe_dump({"entries": [entry, {**entry, "id": "other"}]}))
    with pytest.raises(RegistryError, match="trial/arm/endpoint"):
        load_registry(path)


def test_each_cancer_takes_its_population_from_its_registry_trials():
    from iosim.cancers import cancer_ids
    from iosim.trials.population import load_population
    from iosim.validation.populations import calibrated_trials, population_path

    for cancer in cancer_ids():
        path = population_path(cancer)
        if calibrated_trials(cancer):  # a calibrated cancer always has its fitted population
            assert path is not None and load_population(path).cancer == cancer, cancer
            assert load_population(path).calibrated_to, f"{path.name} records no calibration target"
    assert population_path("pancreatic") is None  # no registry trial: the cancer type's default spread
