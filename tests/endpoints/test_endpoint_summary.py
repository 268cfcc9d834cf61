"""Per-arm summary table: rates over successfully simulated patients, KM medians from lifelines."""

import numpy as np
import pandas as pd
import pytest

from iosim.endpoints import summarize
from iosim.endpoints.summary import SUMMARY_COLUMNS
from iosim.errors import InputError

pytest.importorskip("lifelines")
from lifelines import KaplanMeierFitter  # noqa: E402


def outcomes():
    best = ["CR", "CR", "PR", "PR", "PR", "SD", "SD", "SD", "PD", "NE"]
    a = pd.DataFrame(
        {
            "arm": "A",
            "patient": range(10),
            "status": "ok",
            "best_response": best,
            "pfs_months": [20.0, 18, 12, 9, 7, 5, 4, 3, 2, 1],
            "pfs_event": [0, 1, 1, 1, 1, 1, 1, 1, 1, 1],
            "os_months": [30.0, 30, 25, 20, 18, 15, 10, 9, 6, 2],
            "os_event": [0, 0, 1, 1, 1, 1, 1, 1, 1, 1],
            "dor_months": [16.0, 14, 8, 5, 3] + [np.nan] * 5,
            "dor_event": [0, 1, 1, 1, 1] + [0] * 5,
        }
    )
    b = a.assign(arm="B", best_response=["PD"] * 10, dor_months=np.nan, dor_event=0)
    failed = a.iloc[:2].assign(status="step_too_small", best_response="CR", patient=[10, 11])
    return pd.concat([a, failed, b], ignore_index=True)


def test_rates_exclude_failed_patients_and_count_them():
    s = summarize(outcomes()).set_index("arm")
    assert list(s.reset_index().columns) == SUMMARY_COLUMNS
    assert s.loc["A", "n"] == 12 and s.loc["A", "n_failed"] == 2
    assert s.loc["A", "orr"] == pytest.approx(0.5)  # 2 CR + 3 PR of 10 simulated
    assert s.loc["A", "cr_rate"] == pytest.approx(0.2)
    assert s.loc["A", "dcr"] == pytest.approx(0.8)  # NE and PD are not disease control
    assert s.loc["B", ["orr", "cr_rate", "dcr"]].tolist() == [0.0, 0.0, 0.0]
    assert np.isnan(s.loc["B", "median_dor_months"])  # no responders


def test_medians_are_lifelines_kaplan_meier():
    o = outcomes()
    s = summarize(o).set_index("arm")
    ok = o[(o.arm == "A") & (o.status == "ok")]
    for ep in ("pfs", "os"):
        kmf = KaplanMeierFitter().fit(ok[f"{ep}_months"], ok[f"{ep}_event"])
        assert s.loc["A", f"median_{ep}_months"] == kmf.median_survival_time_
        assert s.loc["A", f"median_{ep}_lower"] <= s.loc["A", f"median_{ep}_months"]
    # PFS: one censored at 20, events at 18, 12, 9, 7, 5, ...: S drops to 0.5 at 5 months
    assert s.loc["A", "median_pfs_months"] == 5.0
    r = ok.dropna(subset=["dor_months"])
    kmf = KaplanMeierFitter().fit(r["dor_months"], r["dor_event"])
    assert s.loc["A", "median_dor_months"] == kmf.median_survival_time_


def test_missing_column_is_named():
    with pytest.raises(InputError, match="dor_event"):
        summarize(outcomes().drop(columns="dor_event"))
