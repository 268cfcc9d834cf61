"""Survival statistics agree with lifelines on its bundled Waltons data set (163 flies, two groups)."""

import numpy as np
import pandas as pd
import pytest

from iosim.endpoints import survival
from iosim.errors import InputError

lifelines = pytest.importorskip("lifelines")
from lifelines import CoxPHFitter, KaplanMeierFitter  # noqa: E402
from lifelines.datasets import load_waltons  # noqa: E402
from lifelines.statistics import logrank_test  # noqa: E402
from lifelines.utils import median_survival_times  # noqa: E402


@pytest.fixture(scope="module")
def waltons():
    return load_waltons().rename(columns={"group": "arm"})


def test_medians_and_ci_match_lifelines(waltons):
    table = survival.km_summary(waltons, duration="T", event="E").set_index("arm")
    for arm, g in waltons.groupby("arm"):
        kmf = KaplanMeierFitter().fit(g["T"], g["E"])
        ci = median_survival_times(kmf.confidence_interval_)
        row = table.loc[arm]
        assert row["median"] == kmf.median_survival_time_
        assert (row["median_lower"], row["median_upper"]) == (ci.iloc[0, 0], ci.iloc[0, 1])
        assert row["n"] == len(g) and row["events"] == g["E"].sum()
    # the values themselves (lifelines 0.30 on load_waltons), as a regression anchor
    assert table.loc["control", ["median", "median_lower", "median_upper"]].tolist() == [58.0, 56.0, 60.0]
    assert table.loc["miR-137", ["median", "median_lower", "median_upper"]].tolist() == [26.0, 19.0, 29.0]


def test_logrank_matches_lifelines(waltons):
    res = survival.logrank(waltons, duration="T", event="E", arm="miR-137", reference="control")
    a, b = waltons[waltons.arm == "miR-137"], waltons[waltons.arm == "control"]
    direct = logrank_test(a["T"], b["T"], a["E"], b["E"])
    assert res["p"] == pytest.approx(direct.p_value, rel=1e-12)
    # lifelines' documentation reports test_statistic 122.25 for this comparison
    assert res["statistic"] == pytest.approx(122.25, abs=0.01)


def test_cox_hazard_ratio_matches_lifelines(waltons):
    res = survival.hazard_ratio(waltons, duration="T", event="E", arm="miR-137", reference="control")
    d = waltons.assign(treated=(waltons.arm == "miR-137").astype(int)).drop(columns="arm")
    s = CoxPHFitter().fit(d, "T", "E").summary.loc["treated"]
    assert res["hr"] == pytest.approx(s["exp(coef)"], rel=1e-6)
    assert res["lower"] == pytest.approx(s["exp(coef) lower 95%"], rel=1e-6)
    assert res["upper"] == pytest.approx(s["exp(coef) upper 95%"], rel=1e-6)
    assert res["p"] == pytest.approx(s["p"], rel=1e-4)
    assert 5.0 < res["lower"] < res["hr"] < res["upper"] < 12.0


def test_numbers_at_risk_match_lifelines_event_table(waltons):
    g = waltons[waltons.arm == "control"]
    table = KaplanMeierFitter().fit(g["T"], g["E"]).event_table
    times = table.index.to_numpy()[1:]
    ours = survival.at_risk(waltons, times, duration="T").loc["control"].to_numpy()
    assert (ours == table["at_risk"].to_numpy()[1:]).all()


def test_large_trial_cox_uses_rounded_weighted_data_and_agrees(monkeypatch):
    # two exponential arms with true HR 2 (mean survival 10 vs 20 months), censored at 24 months
    rng = np.random.default_rng(4)
    n = 3000
    t = np.r_[rng.exponential(10.0, n), rng.exponential(20.0, n)]
    df = pd.DataFrame({"arm": ["B"] * n + ["A"] * n, "m": np.minimum(t, 24.0), "e": t < 24.0})
    exact = survival.hazard_ratio(df, duration="m", event="e", arm="B", reference="A")
    monkeypatch.setattr(survival, "COX_EXACT_MAX", 1000)  # force the rounded + frequency-weighted path
    agg = survival.hazard_ratio(df, duration="m", event="e", arm="B", reference="A")
    # rounding to one day changes the estimate far less than its CI (measured: ~0.05%)
    assert agg["hr"] == pytest.approx(exact["hr"], rel=2e-3)
    assert agg["lower"] == pytest.approx(exact["lower"], rel=2e-3)
    assert agg["upper"] == pytest.approx(exact["upper"], rel=2e-3)
    assert agg["lower"] < 2.0 < agg["upper"]  # and the interval covers the truth for this seed


def test_compare_arms_leaves_out_failed_patients(waltons):
    d = waltons.rename(columns={"T": "os_months", "E": "os_event"}).assign(status="ok")
    d["pfs_months"], d["pfs_event"] = d["os_months"], d["os_event"]
    bad = d.iloc[:3].assign(arm="broken", status="max_steps")
    hr = survival.compare_arms(pd.concat([d, bad]), reference="control")
    assert hr["arm"].tolist() == ["miR-137", "miR-137"] and hr["endpoint"].tolist() == ["PFS", "OS"]
    assert hr["hr"].iloc[0] == pytest.approx(7.7876, rel=1e-4)


def test_not_reached_median_is_nan_and_errors():
    df = pd.DataFrame({"arm": "A", "m": [1.0, 2, 3, 4, 5], "e": [1, 0, 0, 0, 0]})
    row = survival.km_summary(df, duration="m", event="e").iloc[0]
    assert np.isnan(row["median"]) and np.isnan(row["median_upper"])
    with pytest.raises(InputError, match="missing"):
        survival.km_summary(df, duration="nope", event="e")
    with pytest.raises(InputError, match="no patients"):
        survival.logrank(df, duration="m", event="e", arm="A", reference="B")
