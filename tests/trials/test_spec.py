"""Trial specifications: valid files load, every mistake names its field."""

import pytest

from iosim.trials import TrialSpecError, load_trial_spec, parse_trial_spec

BASE = {
    "name": "t",
    "cancer": "melanoma",
    "seed": 1,
    "patients_per_arm": 10,
    "follow_up_months": 12,
    "arms": [{"name": "a", "therapies": [{"drug": "nivolumab", "regimen": "3mg/kg-q2w"}]}],
}


def test_example_specs_load():
    from pathlib import Path

    for path in (Path(__file__).resolve().parents[2] / "examples").glob("*.yaml"):
        spec = load_trial_spec(path)
        assert spec.arms and spec.patients_per_arm > 0


@pytest.mark.parametrize(
    "change, fragment",
    [
        ({"bogus": 1}, "unknown field 'bogus'"),
        ({"seed": None}, "field 'seed'"),
        ({"patients_per_arm": 0}, "field 'patients_per_arm'"),
        ({"patients_per_arm": -5}, "field 'patients_per_arm'"),
        ({"follow_up_months": 0}, "field 'follow_up_months'"),
        ({"arms": []}, "field 'arms'"),
        ({"arms": [{"name": "a", "therapies": [{"drug": "x", "dose": 3}]}]}, "unknown field 'arms.0.therapies.0.dose'"),
        ({"arms": [{"name": "a"}, {"name": "a"}]}, "arm names must be unique"),
        ({"assessment_every_weeks": -1}, "assessment_every_weeks"),
        ({"criteria": "who"}, "field 'criteria'"),
    ],
)
def test_invalid_specs_name_the_field(change, fragment):
    data = {**BASE, **change}
    data = {k: v for k, v in data.items() if v is not None}
    with pytest.raises(TrialSpecError) as err:
        parse_trial_spec(data)
    assert fragment in str(err.value)


def test_missing_field_is_named():
    data = dict(BASE)
    del data["cancer"]
    with pytest.raises(TrialSpecError, match="missing field 'cancer'"):
        parse_trial_spec(data)


def test_assessment_schedule_with_phases():
    spec = parse_trial_spec({**BASE, "follow_up_months": 12, "assessment_every_weeks": [[12, 12], [49, 6]]})
    weeks = spec.assessment_weeks()
    assert weeks[:4] == [12.0, 18.0, 24.0, 30.0]
    assert 48.0 in weeks and all(b > a for a, b in zip(weeks, weeks[1:]))
    assert weeks[-1] <= spec.follow_up_days / 7


def test_yaml_errors(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: [unclosed\n")
    with pytest.raises(TrialSpecError, match="not valid YAML"):
        load_trial_spec(bad)
    with pytest.raises(TrialSpecError, match="does not exist"):
        load_trial_spec(tmp_path / "missing.yaml")


@pytest.mark.parametrize("model", ["kuznetsov1994", "/etc/passwd", ""])
def test_a_model_other_than_the_flagship_is_refused(model):
    # trials run the flagship model only: any other value would be ignored, so it is refused
    with pytest.raises(TrialSpecError) as err:
        parse_trial_spec({**BASE, "model": model})
    assert str(err.value) == (
        "field 'model': trials run the flagship model 'core' only; remove the field or set it to core"
    )


def test_the_flagship_model_may_be_named():
    assert parse_trial_spec({**BASE, "model": "core"}).model == "core"
    assert parse_trial_spec(BASE).model == "core"


@pytest.mark.parametrize("day", [-1, float("nan"), float("inf"), 1e9])
def test_start_day_must_be_a_day_within_a_century(day):
    arms = [{"name": "a", "therapies": [{"drug": "nivolumab", "start_day": day}]}]
    with pytest.raises(TrialSpecError, match=r"field 'arms\.0\.therapies\.0\.start_day'"):
        parse_trial_spec({**BASE, "arms": arms})


def test_trial_cli_refuses_another_model_in_one_line(tmp_path):
    import subprocess
    import sys

    import yaml

    spec = tmp_path / "t.yaml"
    spec.write_text(yaml.safe_dump({**BASE, "model": "kuznetsov1994"}))
    r = subprocess.run([sys.executable, "-m", "iosim", "trial", str(spec), "--out", str(tmp_path / "out")],
                       capture_output=True, text=True, timeout=120)  # fmt: skip
    assert r.returncode == 2
    assert r.stderr.strip().splitlines() == [
        "iosim: error: field 'model': trials run the flagship model 'core' only; remove the field or set it to core"
    ]
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "cancer, expected",
    [("melanoma", "recist1.1"), ("nsclc", "recist1.1"), ("dlbcl", "lugano2014"),
     ("follicular_lymphoma", "lugano2014"), ("b_all", "b_all_remission")],
)  # fmt: skip
def test_criteria_default_to_the_cancer_types(cancer, expected):
    assert parse_trial_spec({**BASE, "cancer": cancer}).criteria == expected


def test_every_cancer_type_names_known_criteria():
    from iosim.cancers import CANCERS
    from iosim.endpoints.criteria import NAMES

    assert {c.response_criteria for c in CANCERS.values()} <= set(NAMES)


def test_recist_is_an_alias_of_recist_1_1_and_zuma1_states_iwg_2007():
    from pathlib import Path

    assert parse_trial_spec({**BASE, "criteria": "recist"}).criteria == "recist1.1"
    assert parse_trial_spec({**BASE, "criteria": "irecist"}).criteria == "irecist"
    assert parse_trial_spec({**BASE, "cancer": "dlbcl", "criteria": "iwg2007"}).criteria == "iwg2007"
    zuma1 = load_trial_spec(Path(__file__).resolve().parents[2] / "examples" / "zuma1.yaml")
    assert zuma1.criteria == "iwg2007"  # Neelapu 2017: response by the IWG 2007 criteria


@pytest.mark.parametrize(
    "change, message",
    [
        ({"criteria": "who"}, "field 'criteria': unknown response criteria 'who': use one of recist1.1, irecist, "
                              "lugano2014, iwg2007, b_all_remission"),
        ({"criteria": "b_all_remission"}, "field 'criteria': b_all_remission reads marrow blasts, which this "
                                          "cancer does not have; use recist1.1"),
        ({"criteria": "lugano2014"}, "field 'criteria': lugano2014 is for lymphoma; use recist1.1 for this cancer"),
        ({"cancer": "b_all", "criteria": "recist1.1"}, "field 'criteria': a leukaemia has no lesions to measure: "
                                                        "use b_all_remission"),
    ],
)  # fmt: skip
def test_wrong_criteria_are_refused_in_one_line_naming_the_field(change, message):
    with pytest.raises(TrialSpecError) as err:
        parse_trial_spec({**BASE, **change})
    assert str(err.value) == message
