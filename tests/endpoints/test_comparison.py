"""Hazard ratios against the control arm and landmark rates, on synthetic outcomes with known answers."""

import numpy as np
import pandas as pd
import pytest

from iosim.endpoints import summarize
from iosim.endpoints.comparison import HR_COLUMNS, LANDMARK_COLUMNS, landmark_rate
from iosim.errors import InputError

pytest.importorskip("lifelines")

N = 2000
FOLLOW_UP = 36.0


def arm(name: str, median_os: float, median_pfs: float, seed: int, n: int = N) -> pd.DataFrame:
    """Exponential OS and PFS with the given medians, censored at the end of follow-up."""
    rng = np.random.default_rng(seed)
    os_t = rng.exponential(median_os / np.log(2), n)
    pfs_t = np.minimum(rng.exponential(median_pfs / np.log(2), n), os_t)
    return pd.DataFrame({
        "arm": name, "patient": np.arange(n), "status": "ok", "best_response": "SD",
        "pfs_months": np.minimum(pfs_t, FOLLOW_UP), "pfs_event": pfs_t <= FOLLOW_UP,
        "os_months": np.minimum(os_t, FOLLOW_UP), "os_event": os_t <= FOLLOW_UP,
        "dor_months": np.nan, "dor_event": False,
    })  # fmt: skip


def test_columns_are_appended_after_the_existing_ones():
    s = summarize(pd.concat([arm("a", 12, 5, 1), arm("b", 12, 5, 2)]), control="a")
    assert list(s.columns[-10:]) == HR_COLUMNS + LANDMARK_COLUMNS
    assert list(s.columns[:3]) == ["arm", "n", "n_failed"]


def test_arm_like_the_control_has_hazard_ratio_one():
    s = summarize(pd.concat([arm("control", 12, 5, 1), arm("same", 12, 5, 2)]), control="control").set_index("arm")
    for ep in ("os", "pfs"):
        hr, lo, hi = s.loc["same", [f"hr_{ep}", f"hr_{ep}_ci_low", f"hr_{ep}_ci_high"]]
        assert lo < 1.0 < hi
        assert hr == pytest.approx(1.0, abs=0.1)
    assert s.loc["control", HR_COLUMNS].isna().all()  # no ratio of the control against itself


def test_half_the_hazard_gives_hazard_ratio_one_half():
    # Exponential survival: doubling the median halves the hazard, for OS and PFS alike.
    s = summarize(pd.concat([arm("control", 10, 4, 1), arm("better", 20, 8, 2)]), control="control")
    better = s.set_index("arm").loc["better"]
    for ep in ("os", "pfs"):
        assert better[f"hr_{ep}"] == pytest.approx(0.5, rel=0.1)
        assert better[f"hr_{ep}_ci_low"] < 0.5 < better[f"hr_{ep}_ci_high"]
        assert better[f"hr_{ep}_ci_high"] < 1.0


def test_no_control_gives_no_hazard_ratios_and_an_unknown_control_is_refused():
    o = pd.concat([arm("a", 10, 4, 1), arm("b", 20, 8, 2)])
    assert summarize(o)[HR_COLUMNS].isna().all().all()
    with pytest.raises(InputError, match="control arm 'c'"):
        summarize(o, control="c")


def test_landmark_rates_follow_the_exponential_and_stop_at_follow_up():
    s = summarize(arm("a", 12, 6, 3, n=4000)).iloc[0]
    # S(t) = 2 ** (-t / median): 0.5 at 12 months, 0.25 at 24, 0.125 at 36 for OS; PFS is the minimum
    # of two exponentials (medians 6 and 12: median 4), S(12) = 2 ** -3.
    for col, expected in (("os_rate_12m", 0.5), ("os_rate_24m", 0.25), ("os_rate_36m", 0.125), ("pfs_rate_12m", 0.125)):
        assert s[col] == pytest.approx(expected, abs=0.03), col
    short = arm("a", 12, 6, 3).assign(os_months=lambda d: np.minimum(d.os_months, 18.0))
    short["os_event"] &= short["os_months"] < 18.0
    s = summarize(short).iloc[0]
    assert np.isfinite(s["os_rate_12m"]) and np.isnan(s["os_rate_24m"]) and np.isnan(s["os_rate_36m"])


def test_landmark_after_everyone_died_is_zero_not_unknown():
    assert landmark_rate([1.0, 2.0, 3.0], [True, True, True], 12) == 0.0
    assert np.isnan(landmark_rate([1.0, 2.0, 3.0], [True, True, False], 12))


def test_failed_patients_are_left_out_of_the_comparison():
    control, same = arm("control", 12, 5, 1), arm("same", 12, 5, 2)
    # Failed integrations with absurd durations would pull the ratio far from 1 if they counted.
    failed = same.iloc[:500].assign(status="step_too_small", os_months=0.01, os_event=True)
    s = summarize(pd.concat([control, same, failed]), control="control").set_index("arm")
    assert s.loc["same", "hr_os_ci_low"] < 1.0 < s.loc["same", "hr_os_ci_high"]
