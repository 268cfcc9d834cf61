"""Visit windows: each assessment moves within +-W days, reproducibly, and PFS leaves the schedule grid."""

import numpy as np
import pandas as pd
import pytest

from iosim.trials import ResultStore, TrialSpecError, parse_trial_spec, run_trial, visits
from iosim.trials.spec import DAYS_PER_MONTH


def _spec(small_spec, **change):
    return parse_trial_spec({**small_spec.model_dump(mode="json"), **change})


def test_offsets_are_whole_days_within_the_window_and_keep_visits_in_order(small_spec):
    spec = _spec(small_spec, assessment_window_days=27)  # the widest a schedule every 8 weeks allows
    ids = np.arange(5000)
    off = visits.visit_offsets(spec, ids)
    assert (off[:, 0] == 0).all()  # baseline stays on day 0
    assert set(np.unique(off[:, 1:])) == set(range(-27, 28))  # every day of the window is used
    days = visits.scheduled_weeks(spec)[None, :] * 7.0 + off
    assert (np.diff(days, axis=1) > 0).all() and (days[:, 1:] >= 1).all()
    # A patient's visits do not depend on who else is in the chunk (workers, chunk size, arm).
    np.testing.assert_array_equal(visits.visit_offsets(spec, ids[1234:1300]), off[1234:1300])
    # ... and every one of them is a day of the simulation's output grid.
    col = visits.visit_columns(spec, visits.output_days(spec), off)
    np.testing.assert_allclose(visits.output_days(spec)[col], np.minimum(days, spec.follow_up_days))


def test_no_window_is_exactly_the_schedule(small_spec):
    assert not visits.visit_offsets(small_spec, np.arange(100)).any()
    np.testing.assert_array_equal(visits.output_days(small_spec), visits.base_days(small_spec))


@pytest.mark.parametrize(
    "window, fragment", [(28, "use at most 27"), (-1, "assessment_window_days"), (1.5, "assessment_window_days")]
)
def test_a_window_that_would_reorder_visits_is_refused(small_spec, window, fragment):
    with pytest.raises(TrialSpecError, match=fragment):
        _spec(small_spec, assessment_window_days=window)


def _progressions(folder) -> pd.DataFrame:
    with ResultStore(folder / "results.duckdb", read_only=True) as store:
        o = store.table("outcomes")
    # progression events (not deaths): PFS ended before OS
    return o[o["pfs_event"] & (o["pfs_months"] < o["os_months"] - 1e-9)]


def _on_schedule(spec, months) -> np.ndarray:
    scheduled = visits.scheduled_weeks(spec) * 7.0 / DAYS_PER_MONTH
    return np.isclose(np.asarray(months)[:, None], scheduled[None, :], atol=1e-9).any(axis=1)


def test_windowed_pfs_is_not_quantised_to_the_schedule_and_is_reproducible(small_spec, tmp_path):
    spec = _spec(small_spec, assessment_window_days=7)
    a = run_trial(spec, tmp_path / "a", chunk_size=60)
    run_trial(spec, tmp_path / "b", chunk_size=13)
    run_trial(small_spec, tmp_path / "plain", chunk_size=60)
    for name in ("outcomes", "assessments", "lesions"):
        with ResultStore(tmp_path / "a" / "results.duckdb", read_only=True) as sa:
            with ResultStore(tmp_path / "b" / "results.duckdb", read_only=True) as sb:
                pd.testing.assert_frame_equal(sa.table(name), sb.table(name))  # same seed, any chunking
    # Without a window every progression falls on a scheduled date; with +-7 days about 1 in 15 does
    # (PFS ended by death was never on the schedule: those are left out).
    assert _on_schedule(small_spec, _progressions(tmp_path / "plain")["pfs_months"]).all()
    windowed = _progressions(tmp_path / "a")
    assert len(windowed) > 20 and _on_schedule(spec, windowed["pfs_months"]).mean() < 0.3
    medians = a.summary["median_pfs_months"].dropna()
    assert len(medians) and not _on_schedule(spec, medians).all()
    # The window moves the scans, not the patients: untreated, deaths are the same patient for patient
    # (treated, dosing stops at the progression scan, so a moved scan moves the end of treatment).
    with ResultStore(tmp_path / "a" / "results.duckdb", read_only=True) as s1:
        with ResultStore(tmp_path / "plain" / "results.duckdb", read_only=True) as s2:
            o1, o2 = s1.table("outcomes"), s2.table("outcomes")
    control = o1["arm"] == "control"
    np.testing.assert_array_equal(o1.loc[control, "os_months"], o2.loc[control, "os_months"])
