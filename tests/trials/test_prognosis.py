"""Prognostic factors and next-line therapy in a trial: drawn per patient, stored, and acting only after progression."""

import numpy as np
import pandas as pd

from iosim.endpoints.tgi_os import TGI_OS
from iosim.trials import ResultStore, parse_trial_spec, run_trial


def _spec(next_line):
    arm = {"name": "control", "therapies": [], **({"next_line": next_line} if next_line else {})}
    return parse_trial_spec({
        "name": "nl", "cancer": "nsclc", "seed": 5, "patients_per_arm": 60, "follow_up_months": 24,
        "assessment_every_weeks": 8, "arms": [arm, {"name": "nivolumab", "therapies": [
            {"drug": "nivolumab", "regimen": "3mg/kg-q2w"}]}],
    })  # fmt: skip


def _tables(folder):
    with ResultStore(folder / "results.duckdb", read_only=True) as store:
        return store.table("patients"), store.table("outcomes")


def test_factors_are_stored_per_patient_and_shared_by_the_arms(tmp_path):
    run_trial(_spec(None), tmp_path / "a", chunk_size=25)
    people, _ = _tables(tmp_path / "a")
    for f in TGI_OS["nsclc"].factors:
        assert set(people[f.name].unique()) <= {0.0, 1.0}
        by_arm = people.pivot(index="patient", columns="arm", values=f.name)
        assert (by_arm["control"] == by_arm["nivolumab"]).all()  # the same patient in both arms
    assert not people["next_line"].any()  # no arm names a next-line share


def test_next_line_therapy_lengthens_only_life_after_progression(tmp_path):
    run_trial(_spec(None), tmp_path / "none", chunk_size=60)
    run_trial(_spec({"share": 1.0, "source": "test"}), tmp_path / "all", chunk_size=60)
    p0, o0 = _tables(tmp_path / "none")
    p1, o1 = _tables(tmp_path / "all")
    c0, c1 = o0[o0["arm"] == "control"].reset_index(), o1[o1["arm"] == "control"].reset_index()
    treated = p1[p1["arm"] == "control"]["next_line"].to_numpy(bool)
    # with a share of 1, exactly the patients who progress while alive are treated further: most, untreated
    prog = p1[p1["arm"] == "control"]["progression_months"].to_numpy()
    alive_then = (prog < c0["os_months"].to_numpy()) | ~c0["os_event"].to_numpy(bool)
    assert np.array_equal(treated, np.isfinite(prog) & alive_then)
    assert treated.mean() > 0.5
    assert (c1["os_months"] >= c0["os_months"] - 1e-9).all()
    assert (c1["os_months"][treated] > c0["os_months"][treated]).mean() > 0.5  # unless censored at follow-up
    pd.testing.assert_series_equal(c1["pfs_months"], c0["pfs_months"])  # progression itself is unchanged
    # the arm without a next-line share is untouched
    n0, n1 = o0[o0["arm"] == "nivolumab"].reset_index(), o1[o1["arm"] == "nivolumab"].reset_index()
    pd.testing.assert_series_equal(n0["os_months"], n1["os_months"])
