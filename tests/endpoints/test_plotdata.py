"""The plots' data, built once for the HTML report and the web app (iosim.endpoints.plotdata)."""

import json

import numpy as np
import pandas as pd
import pytest
from test_trial_report import fake_arm  # the same synthetic arms as the report's tests (tests/endpoints is on sys.path)

from iosim.endpoints.plotdata import plot_data

pytest.importorskip("lifelines")


@pytest.fixture(scope="module")
def trial():
    rng = np.random.default_rng(3)
    arms = [fake_arm("nivolumab", 60, 0.05, rng), fake_arm("control", 40, 0.01, rng)]
    return pd.concat([a[0] for a in arms], ignore_index=True), pd.concat([a[1] for a in arms], ignore_index=True)


def test_failed_patients_are_left_out_of_every_plot(trial):
    outcomes, assessments = trial
    data = plot_data(outcomes, assessments)  # fake_arm marks patient 0 of each arm as failed
    assert data.arms == ["nivolumab", "control"]
    assert len(data.waterfall["nivolumab"]) == 59 and 0 not in set(data.waterfall["nivolumab"]["patient"])
    assert 0 not in set(data.spider["control"]["patient"])
    assert data.km["os"]["control"].event_observed.size == 39


def test_waterfall_is_sorted_and_reads_the_best_change_after_baseline(trial):
    outcomes, assessments = trial
    w = plot_data(outcomes, assessments).waterfall["nivolumab"]
    assert w["best"].is_monotonic_decreasing
    one = assessments[(assessments.arm == "nivolumab") & (assessments.patient == 5) & (assessments.week > 0)]
    assert w.set_index("patient").loc[5, "best"] == pytest.approx(one["pct_change"].min())


def test_subsamples_respect_their_limits_and_a_seed_repeats_them(trial):
    outcomes, assessments = trial
    a = plot_data(outcomes, assessments, seed=1, waterfall_max=20, spider_max=5)
    b = plot_data(outcomes, assessments, seed=1, waterfall_max=20, spider_max=5)
    c = plot_data(outcomes, assessments, seed=2, waterfall_max=20, spider_max=5)
    assert len(a.waterfall["nivolumab"]) == 20 and a.spider["nivolumab"]["patient"].nunique() == 5
    assert "random 20 of 59 patients" in a.notes["waterfall"]
    assert a.waterfall["nivolumab"]["patient"].tolist() == b.waterfall["nivolumab"]["patient"].tolist()
    assert set(a.waterfall["nivolumab"]["patient"]) != set(c.waterfall["nivolumab"]["patient"])


def test_json_for_the_web_app_is_plain(trial):
    outcomes, assessments = trial
    out = json.loads(json.dumps(plot_data(outcomes, assessments).to_json()))  # no numpy types, NaN as null
    assert out["arms"] == ["nivolumab", "control"]
    assert len(out["waterfall"]["control"]["best_pct_change"]) == 39
    curve = out["km"]["pfs"]["nivolumab"]["survival"]
    assert curve[0] == 1.0 and all(x >= y for x, y in zip(curve, curve[1:]))
