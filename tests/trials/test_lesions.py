"""Lesions as radiologists see them: counts, mixed responses, reader error, the 5 mm rule, new lesions."""

import math

import numpy as np
import pytest

from iosim.errors import InputError
from iosim.trials import ResultStore, run_trial
from iosim.trials import lesions as L

N = 4000


def _anatomy(model=L.LesionModel(), n=N, cells=1e11):
    return L.draw_anatomy(model, 3, np.arange(n), np.full(n, cells))


def test_every_patient_has_1_to_5_target_lesions_in_the_stated_proportions():
    a = _anatomy()
    counts = np.bincount(a.n_targets, minlength=6)[1:] / N
    assert a.n_targets.min() >= 1 and a.n_targets.max() <= L.MAX_TARGETS
    # with 1e11 cells every drawn lesion is measurable, so counts follow count_probs (binomial SE < 0.008)
    assert np.allclose(counts, L.LesionModel().count_probs, atol=0.03)
    assert np.allclose(a.weight.sum(axis=1), 1.0)


def test_lesions_under_10_mm_are_not_targets_but_the_largest_stays_one():
    a = _anatomy(cells=2e9)  # ~2 cm^3 in all: most lesions are below 10 mm
    diam = L._diameter_mm(a.weight[:, : L.MAX_TARGETS] * 2e9)
    assert (a.n_targets >= 1).all()
    small_targets = a.target[:, : L.MAX_TARGETS] & (diam < L.MEASURABLE_MM)
    # only a patient's largest lesion may be a target below 10 mm
    largest = np.argmax(a.weight[:, : L.MAX_TARGETS], axis=1)
    small_targets[np.arange(N), largest] = False
    assert not small_targets.any()


def test_identical_lesions_follow_the_patient_and_differing_ones_give_mixed_responses():
    days = np.array([0.0, 60.0, 120.0])
    viable = np.tile([1e11, 8e10, 6e10], (N, 1))  # the patient's tumour shrinks by 40%
    residue = np.zeros_like(viable)
    growth = np.full(N, math.log(2) / 120)
    same = _anatomy(L.LesionModel(response_spread=0.0, growth_spread=0.0))
    d = L.true_diameters(same, days, viable, residue, growth)
    present = same.weight > 0
    ratio = d[:, :, 2][present] / d[:, :, 0][present]
    assert np.allclose(ratio, (0.6) ** (1 / 3))  # every lesion shrinks as the whole tumour
    mixed = L.true_diameters(_anatomy(), days, viable, residue, growth)[:, : L.MAX_TARGETS]
    target = _anatomy().target[:, : L.MAX_TARGETS]
    grows = (mixed[:, :, 2] > mixed[:, :, 0]) & target
    shrinks = (mixed[:, :, 2] < 0.9 * mixed[:, :, 0]) & target
    mixed_share = np.mean(grows.any(axis=1) & shrinks.any(axis=1))
    # some, not most, patients whose tumour shrinks by 40% have a growing lesion beside a shrinking one
    assert 0.01 < mixed_share < 0.3


def test_reader_error_is_unbiased_and_tiny_lesions_are_recorded_as_5_mm():
    true = np.full((N, 2, 3), 40.0)
    true[:, 1, :] = [3.0, 0.0, 1e-9]
    m = L.measure(true, L.LesionModel(), 9, np.arange(N))
    sd = np.std(np.log(m[:, 0, :]))
    assert sd == pytest.approx(0.08, rel=0.1)
    assert np.mean(m[:, 0, :]) == pytest.approx(40.0, rel=0.01)
    assert (m[:, 1, 0] == 5.0).all() and (m[:, 1, 1] == 0.0).all()


def test_new_lesions_come_faster_with_more_disease():
    days = np.arange(0.0, 365.0, 7.0)
    model = L.LesionModel()
    small = L.new_lesion_days(model, 1, np.arange(N), days, np.full((N, days.size), 1e10))
    large = L.new_lesion_days(model, 1, np.arange(N), days, np.full((N, days.size), 1e11))
    p_small, p_large = np.isfinite(small[:, 0]).mean(), np.isfinite(large[:, 0]).mean()
    # P(new lesion within 1 year) = 1 - exp(-rate * volume * t), up to the weekly grid
    assert p_small == pytest.approx(1 - math.exp(-3e-5 * 10 * days[-1]), abs=0.03)
    assert p_large == pytest.approx(1 - math.exp(-3e-5 * 100 * days[-1]), abs=0.03)
    assert (small[:, 1] >= small[:, 0]).all()


def test_nontarget_progression_at_73_percent_more_volume_than_nadir():
    true = np.zeros((1, L.MAX_TARGETS + 1, 4))
    true[0, L.NONTARGET] = [20.0, 16.0, 16.0 * 1.21, 16.0 * 1.19]  # 1.21^3 = 1.77, 1.19^3 = 1.69
    assert L.nontarget_progression(true).tolist() == [[False, False, True, False]]


def test_bad_lesion_settings_are_refused():
    with pytest.raises(InputError, match="count_probs"):
        L.LesionModel(count_probs=(0.5, 0.6))
    with pytest.raises(InputError, match="reader_cv"):
        L.LesionModel(reader_cv=-1.0)


def test_trials_store_lesions_and_new_lesions_make_progression(small_spec, tmp_path):
    run_trial(small_spec, tmp_path / "t", chunk_size=30)
    with ResultStore(tmp_path / "t" / "results.duckdb", read_only=True) as store:
        lesions = store.table("lesions")
        patients = store.table("patients")
        assessments = store.table("assessments")
    assert list(lesions.columns) == ["arm", "patient", "day", "lesion", "target", "diameter_mm", "true_diameter_mm"]
    targets = lesions[lesions["target"]]
    # the stored sum of target diameters is the sum of the measured target lesions
    sums = targets.groupby(["arm", "patient", "day"])["diameter_mm"].sum()
    first = assessments[assessments["week"] == 0].set_index(["arm", "patient"])["sld_mm"]
    base = sums.xs(0.0, level="day")
    assert np.allclose(base.loc[first.index].to_numpy(), first.to_numpy())
    assert targets.groupby(["arm", "patient"])["lesion"].max().between(1, 5).all()
    assert lesions.loc[~lesions["target"], "diameter_mm"].isna().all()
    assert set(patients["target_lesions"]) <= {1, 2, 3, 4, 5}
