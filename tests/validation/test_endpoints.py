"""Endpoint evaluation and the `within` judgement, on hand-made outcomes."""

import numpy as np
import pandas as pd
import pytest

from iosim.validation import Tables, clopper_pearson, within
from iosim.validation.compare import COLUMNS, compare
from iosim.validation.endpoints import evaluate
from iosim.validation.registry import Entry


def _outcomes():
    # arm a: 10 patients, 3 respond (1 CR, 2 PR), one failed integration (not counted)
    responses = ["CR", "PR", "PR", "SD", "SD", "PD", "PD", "PD", "NE", "PD", "PR"]
    status = ["ok"] * 10 + ["failed"]
    pfs = [12.0, 9.0, 8.0, 6.0, 5.0, 2.0, 2.0, 3.0, 1.0, 4.0, 1.0]
    return pd.DataFrame({"arm": "a", "patient": range(11), "status": status, "best_response": responses,
                         "pfs_months": pfs, "pfs_event": True, "os_months": pfs, "os_event": False})  # fmt: skip


def test_rates_count_the_successfully_simulated_patients_with_exact_intervals():
    t = Tables(outcomes=_outcomes())
    assert evaluate("orr", t, "a") == pytest.approx((0.3, *clopper_pearson(3, 10)))
    assert evaluate("cr_rate", t, "a") == pytest.approx((0.1, *clopper_pearson(1, 10)))
    lo, hi = clopper_pearson(3, 10)
    assert 0.06 < lo < 0.07 and 0.65 < hi < 0.66  # the textbook interval for 3/10: 0.067-0.652


def test_medians_come_from_kaplan_meier_and_not_reached_is_nan():
    t = Tables(outcomes=_outcomes())
    median, lo, hi = evaluate("median_pfs_months", t, "a")
    assert median == 4.0  # every patient has an event: the empirical median of 1,2,2,3,4,5,6,8,9,12
    assert lo <= median <= hi
    assert np.isnan(evaluate("median_os_months", t, "a")[0])  # nobody died: not reached


def test_within_is_the_observed_interval_and_unknown_without_one():
    assert within(0.45, 0.381, 0.493) is True
    assert within(0.381, 0.381, 0.493) is True  # the ends belong to the interval
    assert within(0.50, 0.381, 0.493) is False
    assert within(float("nan"), 4.3, 9.5) is False  # a median not reached is outside a finite interval
    assert within(0.45, None, None) is None


def test_compare_rows_hand_made():
    entries = [
        Entry("x/a/orr", "x", "x.yaml", "a", "orr", 0.25, 0.2, 0.35, 10, "calibrated", "paper"),
        Entry("x/a/cr_rate", "x", "x.yaml", "a", "cr_rate", 0.3, 0.2, 0.4, 10, "predicted", "paper"),
        Entry("x/a/median_os_months", "x", "x.yaml", "a", "median_os_months", 20.0, None, None, 10, "predicted", "p"),
    ]
    df = compare(entries, Tables(outcomes=_outcomes()))
    assert list(df.columns[: len(COLUMNS)]) == COLUMNS
    assert df["within"].tolist()[:2] == [True, False]  # ORR 0.30 in [0.2, 0.35]; CR 0.10 not in [0.2, 0.4]
    assert pd.isna(df["within"].iloc[2])  # no observed CI: not judged


def test_misses_are_calibrated_rows_judged_outside_and_never_unjudged_ones():
    from iosim.validation.validate import Validation

    t = pd.DataFrame({"role": ["calibrated", "calibrated", "calibrated", "predicted"],
                      "within": pd.array([None, False, True, False], dtype="boolean")})  # fmt: skip
    assert Validation(t, {}, 10).misses.index.tolist() == [1]


def test_toxicity_rates_count_patients_not_events_and_skip_failed_ones():
    # patient 0: two rows (counted once); patient 10 failed its integration (not counted); 1: CRS grade 2.
    tox = pd.DataFrame({"arm": "a", "patient": [0, 0, 1, 2, 10], "day": [5.0, 40.0, 2.0, 3.0, 1.0],
                        "kind": ["crs", "crs", "crs", "irae", "irae"], "grade": [3, 4, 2, 3, 4],
                        "discontinued": [False, False, False, True, True]})  # fmt: skip
    t = Tables(outcomes=_outcomes(), toxicities=tox)
    assert evaluate("grade3plus_trae_rate", t, "a") == pytest.approx((0.2, *clopper_pearson(2, 10)))
    assert evaluate("discontinued_toxicity_rate", t, "a") == pytest.approx((0.1, *clopper_pearson(1, 10)))
    assert evaluate("crs_any_grade_rate", t, "a") == pytest.approx((0.2, *clopper_pearson(2, 10)))
    assert evaluate("crs_grade3plus_rate", t, "a") == pytest.approx((0.1, *clopper_pearson(1, 10)))
