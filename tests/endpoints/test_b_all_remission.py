"""B-ALL remission on hand-made marrow blast series, against the published criteria (Maude 2018)."""

import numpy as np
import pytest

from iosim.endpoints import b_all, patient_outcomes, summarize
from iosim.errors import InputError

WEEKS = [4.0, 8.0, 12.0, 24.0]


def score(blasts, weeks=WEEKS, **kw):
    return b_all.score(np.array(blasts, dtype=float, ndmin=2), weeks, **kw)


def test_three_percent_blasts_at_day_28_held_28_days_is_cr():
    s = score([0.6, 0.03, 0.02, 0.02, 0.02])
    assert s.best.tolist() == ["CR"]
    assert not s.progression_event[0]  # in remission to the end: censored


def test_remission_lost_within_28_days_is_not_a_response():
    s = score([0.6, 0.03, 0.08, 0.3, 0.5])  # < 5% at week 4, 8% at week 8: not maintained 28 days
    assert s.best.tolist() == ["NR"]
    # treatment failure: an event at the first assessment
    assert s.progression_event[0] and s.progression_weeks[0] == 4.0
    assert np.isnan(s.dor_weeks[0])


def test_remission_reached_after_three_months_does_not_count():
    s = score([0.6, 0.4, 0.2, 0.1, 0.01, 0.01], weeks=[4.0, 8.0, 12.0, 16.0, 22.0])  # first < 5% at week 16
    assert s.best.tolist() == ["NR"]


def test_without_count_recovery_a_remission_is_cri():
    s = score([[0.6, 0.03, 0.02, 0.02, 0.02], [0.6, 0.03, 0.02, 0.02, 0.02]], count_recovery=[True, False])
    assert s.best.tolist() == ["CR", "CRi"]


def test_mrd_negative_below_one_in_ten_thousand():
    s = score([[0.6, 1e-5, 1e-5, 1e-5, 1e-5], [0.6, 1e-3, 1e-3, 1e-3, 1e-3], [0.6, 0.5, 1e-5, 0.5, 0.5]])
    # MRD 1e-5 (< 0.01%) in remission: negative; 0.1% is MRD-positive; the third never had a lasting remission
    assert s.extra["mrd_negative"].tolist() == [True, False, False]
    assert s.best.tolist() == ["CR", "CR", "NR"]


def test_relapse_after_a_remission_is_the_event_and_ends_the_response():
    s = score([0.6, 0.01, 0.01, 0.02, 0.2])  # remission weeks 4-12, 20% blasts at week 24
    assert s.best.tolist() == ["CR"]
    assert b_all.LABELS[s.codes[0]].tolist() == ["CR", "CR", "CR", "REL"]
    assert s.progression_event[0] and s.progression_weeks[0] == 24.0
    assert s.dor_weeks[0] == 20.0 and s.dor_event[0]


def test_no_morphological_disease_at_baseline_is_not_evaluable():
    assert score([0.03, 0.01, 0.01, 0.01, 0.01]).best.tolist() == ["NE"]


def test_orr_counts_cr_and_cri_and_the_summary_names_the_criteria():
    blasts = np.array([[0.6, 0.03, 0.02, 0.02, 0.02]] * 2 + [[0.6, 0.5, 0.6, 0.7, 0.8]] * 2)
    weeks = np.array([0.0, *WEEKS])
    out, _ = patient_outcomes(blasts, weeks, death_months=np.full(4, 99.0), died=np.zeros(4, bool),
                              follow_up_months=24, criteria="b_all_remission",
                              count_recovery=np.array([True, False, True, True]))  # fmt: skip
    assert out["best_response"].tolist() == ["CR", "CRi", "NR", "NR"]
    out.insert(0, "arm", "tisa")
    out.insert(1, "patient", range(4))
    out.insert(2, "status", "ok")
    s = summarize(out, criteria="b_all_remission").iloc[0]
    assert s["orr"] == pytest.approx(0.5) and s["cr_rate"] == pytest.approx(0.25)
    assert s["criteria"] == "b_all_remission" and s["mrd_negative_rate"] == 0.0


def test_bad_shapes_are_refused():
    with pytest.raises(InputError, match="count_recovery"):
        score([0.6, 0.01, 0.01, 0.01, 0.01], count_recovery=[True, False])
    with pytest.raises(InputError, match="blasts"):
        score([0.6])
