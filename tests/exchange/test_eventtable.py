"""NONMEM / nlmixr2 event tables: doses in and out, a virtual trial's data set."""

import numpy as np
import pandas as pd
import pytest

import iosim
from iosim.dosing import Bolus, Infusion, SetState
from iosim.exchange import EventTableError, regimen_from_table, regimen_to_table, trial_to_table


@pytest.fixture
def model():
    return iosim.get_model("kuznetsov1994")  # states E (CMT 1), T (CMT 2)


def test_addl_ii_expand_to_the_same_doses_as_the_bolus_helper(model):
    # 1e7 effector cells on day 30 and 5 more every 14 days: iosim's own q14d x6 schedule.
    df = pd.DataFrame({"ID": [1, 1], "TIME": [0, 30], "AMT": [0, 1e7], "EVID": [0, 1], "CMT": ["E", 1],
                       "DV": [1e6, "."], "MDV": [0, 1], "ADDL": [0, 5], "II": [0, 14]})  # fmt: skip
    assert regimen_from_table(df, model).events == iosim.bolus("E", 1e7, at=30, every=14, count=6).events


def test_rate_and_dur_become_the_same_infusion(model):
    by_rate = pd.DataFrame({"time": [5.0], "amt": [100.0], "cmt": [2], "rate": [50.0]})  # lower case is accepted
    by_dur = pd.DataFrame({"TIME": [5.0], "AMT": [100.0], "CMT": ["T"], "DUR": [2.0]})
    expected = (Infusion("T", 50.0, 5.0, 2.0),)
    assert regimen_from_table(by_rate, model).events == expected
    assert regimen_from_table(by_dur, model).events == expected


def test_evid4_resets_every_state_then_doses(model):
    df = pd.DataFrame({"TIME": [10.0], "AMT": [1e5], "CMT": ["E"], "EVID": [4]})
    events = regimen_from_table(df, model).events
    assert SetState("E", 3.2e5, 10.0) in events and SetState("T", 1e6, 10.0) in events
    assert Bolus("E", 1e5, 10.0) in events


def test_round_trip_keeps_doses_and_simulation(model):
    reg = iosim.bolus("E", 1e7, at=30, every=14, count=3) + iosim.infusion("T", rate=1e4, duration=2, at=3)
    table = regimen_to_table(reg, model, id=7)
    assert list(table["CMT"]) == [2, 1, 1, 1] and set(table["ID"]) == {7} and set(table["EVID"]) == {1}
    back = regimen_from_table(table, model)
    assert back.events == reg.events
    a = iosim.simulate(model, 80, regimen=reg)["T"]
    b = iosim.simulate(model, 80, regimen=back)["T"]
    np.testing.assert_array_equal(a, b)


def test_several_subjects_need_an_id(model):
    df = pd.DataFrame({"ID": [1, 2], "TIME": [0, 0], "AMT": [1.0, 2.0], "CMT": [1, 1]})
    with pytest.raises(EventTableError, match="2 subjects"):
        regimen_from_table(df, model)
    assert regimen_from_table(df, model, id=2).events == (Bolus("E", 2.0, 0.0),)


@pytest.mark.parametrize(
    ("df", "message"),
    [
        (pd.DataFrame({"TIME": [0], "AMT": [1]}), "no CMT column"),
        (pd.DataFrame({"TIME": [0], "AMT": [1], "CMT": ["X"]}), "CMT 'X' is not a state"),
        (pd.DataFrame({"TIME": [0], "AMT": [1], "CMT": [3]}), "not a state index 1..2"),
        (pd.DataFrame({"TIME": [0], "AMT": [1], "CMT": [1], "EVID": [2]}), "EVID 2 is not supported"),
        (pd.DataFrame({"TIME": [0], "AMT": [1], "CMT": [1], "RATE": [-2]}), "RATE -2"),
        (pd.DataFrame({"TIME": [0], "AMT": [1], "CMT": [1], "ADDL": [3]}), "needs an interval II"),
        (pd.DataFrame({"TIME": ["x"], "AMT": [1], "CMT": [1]}), "not a number"),
        (pd.DataFrame({"TIME": [0], "AMT": [1], "CMT": [1], "ADDL": [5e6], "II": [1]}), "more than"),
    ],
)
def test_bad_tables_get_one_line_errors(model, df, message):
    with pytest.raises(EventTableError, match=message) as info:
        regimen_from_table(df, model)
    assert "\n" not in str(info.value)


def test_set_events_other_than_a_full_reset_are_refused(model):
    with pytest.raises(EventTableError, match="no event-table form"):
        regimen_to_table(iosim.set_state("T", 5e7, at=10), model)


def test_trial_data_set_has_observations_doses_and_covariates(small_spec, tmp_path):
    from iosim.trials import run_trial

    spec = small_spec.model_copy(update={"patients_per_arm": 8})
    run_trial(spec, tmp_path)
    table = trial_to_table(tmp_path)
    assert {"ID", "TIME", "AMT", "EVID", "CMT", "DV", "MDV", "ARM", "WT", "HT"} <= set(table.columns)
    assert table["ID"].nunique() == 16
    obs = table[table["EVID"] == 0]
    # one observation per patient per assessment (baseline + every 8 weeks over 18 months)
    assert len(obs) == 16 * len(spec.assessment_weeks()) + 16 and (obs["TIME"] % 7 == 0).all()
    assert (obs.loc[obs["MDV"] == 0, "DV"] >= 0).all()  # 0 mm: every target lesion has disappeared (CR)
    doses = table[table["EVID"] == 1]
    assert set(doses["ARM"]) == {"nivolumab"}  # the control arm gets no doses
    # nivolumab 3 mg/kg q2w: the dose (in model units) scales with body weight
    first = doses.groupby("ID").first()
    ratio = first["AMT"] / first["WT"]
    np.testing.assert_allclose(ratio, ratio.iloc[0], rtol=1e-12)
    # readable back: each patient's dose rows are a regimen of the arm's model
    assert (table.groupby("ID")["TIME"].apply(lambda t: t.is_monotonic_increasing)).all()


def test_events_command_exports_a_trial_and_reports_a_missing_folder(small_spec, tmp_path):
    import subprocess
    import sys

    from iosim.trials import run_trial

    run_trial(small_spec.model_copy(update={"patients_per_arm": 4}), tmp_path / "trial")

    def cli(*args):
        return subprocess.run([sys.executable, "-m", "iosim", *args], capture_output=True, text=True, timeout=120)

    ok = cli("events", str(tmp_path / "trial"), "--out", str(tmp_path / "e.csv"))
    assert ok.returncode == 0, ok.stderr
    assert set(pd.read_csv(tmp_path / "e.csv")["ID"]) == set(range(1, 9))
    bad = cli("events", str(tmp_path / "none"), "--out", str(tmp_path / "f.csv"))
    assert bad.returncode == 2 and "no results store" in bad.stderr and len(bad.stderr.strip().splitlines()) == 1
