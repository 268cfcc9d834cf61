"""RECIST 1.1 time-point and best overall responses (Eisenhauer et al. Eur J Cancer 2009)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iosim.endpoints import recist
from iosim.endpoints.recist import CR, NE, PD, PR, SD
from iosim.errors import InputError

nan = np.nan


def one(sums, new=None, **kw):
    new_arr = None if new is None else np.asarray(new, bool)
    return recist.assess(np.asarray(sums, float), new_lesion=new_arr, **kw)[0].tolist()


def test_exactly_minus_30_percent_is_pr():
    assert one([100, 70]) == [PR]
    assert one([33, 23.1]) == [PR]  # 0.7 * 33 is 23.099999999999998 in binary: the tolerance keeps it PR
    assert one([100, 70.01]) == [SD]


def test_exactly_plus_20_percent_and_5_mm_is_pd():
    assert one([25, 30]) == [PD]  # +20% and +5 mm exactly
    assert one([40, 25, 30]) == [PR, PD]  # same, reached from a nadir of 25
    assert one([25, 29.99]) == [SD]


def test_20_percent_but_4_mm_is_not_pd():
    assert one([20, 24]) == [SD]  # +20% but only +4 mm
    assert one([20, 10, 14]) == [PR, PR]  # +40% over the nadir, still only +4 mm
    assert one([100, 119]) == [SD]  # +19 mm but below 20%


def test_pd_is_referenced_to_the_nadir_not_baseline():
    assert one([100, 50, 60]) == [PR, PD]  # 40% below baseline, 20% above the nadir
    assert one([100, 50, 59]) == [PR, PR]
    assert one([100, 80, 90, 97]) == [SD, SD, PD]  # 97 vs nadir 80: +21%, +17 mm; vs baseline only -3%


def test_new_lesion_is_pd_whatever_the_sum():
    assert one([100, 10], new=[False, True]) == [PD]
    assert one([100, 0], new=[False, True]) == [PD]  # not CR: a new lesion
    assert one([100, 10, 10], new=[False, False, True]) == [PR, PD]


def test_cr_only_when_target_lesions_are_gone():
    assert one([100, 0]) == [CR]
    assert one([100, 0.5]) == [PR]
    # residual lymph nodes (< 10 mm short axis each counts as normal): the caller sets the residual sum
    assert one([100, 8], cr_mm=10.0) == [CR]
    assert one([100, 0, 5]) == [CR, PD]  # reappearance: +5 mm over a nadir of 0


def test_not_evaluated_and_bad_baseline():
    assert one([100, nan, 50, 60]) == [NE, PR, PD]  # NaN skipped when taking the nadir
    assert one([0, 0]) == [NE]  # no measurable disease at baseline
    with pytest.raises(InputError):
        recist.assess(np.ones((2, 1)))
    with pytest.raises(InputError):
        recist.assess(np.ones((2, 3)), new_lesion=np.zeros((2, 2), bool))


def test_names_round_trip():
    codes = np.array([[CR, PR], [SD, PD]])
    assert recist.names(codes).tolist() == [["CR", "PR"], ["SD", "PD"]]
    assert (recist.codes_of(recist.names(codes)) == codes).all()
    with pytest.raises(InputError, match="unknown response"):
        recist.codes_of(["XX"])


W = np.array([4.0, 8, 12, 16, 20])


def bor(seq, times=W, **kw):
    return int(recist.best_overall_response(np.array([seq]), times[: len(seq)], **kw)[0])


def test_confirmation_needs_a_later_response_4_weeks_on():
    assert bor([SD, PR, PR]) == PR  # PR at 8 confirmed at 12
    assert bor([SD, PR, SD, PR]) == SD  # interrupted by SD: unconfirmed, but SD at >= 6 weeks
    assert bor([SD, PR, NE, PR]) == PR  # NE does not break the confirmation
    assert bor([PR, PR], times=np.array([8.0, 11.0])) == SD  # 3 weeks apart: too soon
    assert bor([CR, CR]) == CR
    assert bor([CR, PR]) == PR  # CR followed by PR confirms a PR
    assert bor([PR, CR]) == PR  # the CR itself is not confirmed
    assert bor([PR, CR, CR]) == CR


def test_unconfirmed_response_and_sd_duration():
    assert bor([PR, PD]) == PD  # PR at week 4 unconfirmed, and too early to count as SD
    assert bor([PR, PD], confirm_weeks=None) == PR
    assert bor([SD, NE, NE]) == NE  # SD only at week 4 < 6 weeks, nothing evaluable after
    assert bor([SD, SD]) == SD
    assert bor([SD, SD], sd_min_weeks=12) == NE
    assert bor([NE, NE]) == NE


def test_assessments_after_progression_are_ignored():
    assert bor([SD, PD, PR, PR]) == PD
    assert bor([PD, CR, CR], confirm_weeks=None) == PD


def test_best_response_per_patient_times():
    codes = np.array([[PR, PR], [PR, PR]])
    times = np.array([[8.0, 12.0], [8.0, 10.0]])
    assert recist.best_overall_response(codes, times).tolist() == [PR, SD]


def test_progression_and_duration_of_response():
    codes = np.array([[SD, PR, PR, PD, SD], [SD, SD, NE, SD, NE], [NE, NE, NE, NE, NE], [PR, PR, CR, CR, CR]])
    t, ev = recist.progression(codes, W)
    assert t.tolist() == [16, 16, 0, 20] and ev.tolist() == [True, False, False, False]
    dor, dev = recist.duration_of_response(codes, W)
    assert dor[0] == 8 and dev[0]  # first response at 8, PD at 16
    assert np.isnan(dor[1]) and np.isnan(dor[2]) and not dev[1]
    assert dor[3] == 16 and not dev[3]  # from 4 to the last assessment at 20, censored


# Property tests: the three RECIST invariants on random histories
sums = st.floats(min_value=0.0, max_value=300.0, allow_nan=False)


@settings(max_examples=150, deadline=None)
@given(history=st.lists(sums, min_size=1, max_size=6), base=st.floats(10, 300), a=sums, b=sums)
def test_code_is_monotone_in_the_current_sum(history, base, a, b):
    lo, hi = sorted((a, b))
    rows = np.array([[base, *history, lo], [base, *history, hi]])
    c = recist.assess(rows)[:, -1]
    assert c[0] <= c[1]  # CR < PR < SD < PD: a larger sum is never a better response


@settings(max_examples=150, deadline=None)
@given(history=st.lists(sums, min_size=1, max_size=6), base=st.floats(10, 300))
def test_pd_exactly_when_20_percent_and_5_mm_over_the_nadir(history, base):
    row = np.array([[base, *history]])
    codes = recist.assess(row)[0]
    for k, cur in enumerate(history):
        nadir = min([base, *history[:k]])
        rise = cur - nadir
        if rise < 5.0 - 1e-6:
            assert codes[k] != PD  # never PD below +5 mm
        if rise >= 5.0 + 1e-6 and rise >= 0.2 * nadir + 1e-6:
            assert codes[k] == PD
        if rise < 0.2 * nadir - 1e-6:
            assert codes[k] != PD  # the reference is the nadir, not the baseline
