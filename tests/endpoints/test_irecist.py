"""iRECIST sequences (Seymour et al. Lancet Oncol 2017, table 2; RECIST working group iRECIST FAQ)."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from iosim.endpoints import irecist, recist
from iosim.endpoints.irecist import ICPD, ICR, INE, IPR, ISD, IUPD

W = np.array([8.0, 16, 24, 32, 40])


def seq(sums, new=None, growth=None):
    kw = {}
    if new is not None:
        kw["new_lesion"] = np.array([new], bool)
    if growth is not None:
        kw["new_lesion_growth"] = np.array([growth], bool)
    return irecist.assess(np.array([sums], float), **kw)[0].tolist()


def test_iupd_then_further_growth_is_icpd():
    assert seq([100, 130, 136]) == [IUPD, ICPD]  # +6 mm over the iUPD sum confirms
    t, ev = irecist.progression(np.array([[IUPD, ICPD]]), W[:2])
    assert t[0] == 8 and ev[0]  # progression dated at the iUPD, not at the confirmation
    assert seq([100, 130, 136, 20]) == [IUPD, ICPD, ICPD]  # iCPD is final


def test_iupd_then_shrinkage_is_not_progression():
    codes = seq([100, 130, 60, 55])
    assert codes == [IUPD, IPR, IPR]  # reset against the original baseline
    t, ev = irecist.progression(np.array([codes]), W[:3])
    assert not ev[0] and t[0] == 24
    assert irecist.best_overall_response(np.array([codes]), W[:3]).tolist() == [IPR]
    # the same course under RECIST 1.1 is progression at week 8
    rc = recist.assess(np.array([[100, 130, 60, 55]]))
    assert recist.progression(rc, W[:3])[1][0]


def test_increases_add_up_until_confirmed():
    # +3 then +3 mm: neither alone is 5 mm, together they are (FAQ: sequential increases are additive)
    assert seq([100, 130, 133, 136]) == [IUPD, IUPD, ICPD]
    assert seq([100, 130, 133, 134]) == [IUPD, IUPD, IUPD]


def test_new_reference_after_reset():
    # iUPD, reset to iPR at 60 (new nadir), iUPD again at 80 vs that nadir, confirmed at 86
    codes = seq([100, 130, 60, 80, 86])
    assert codes == [IUPD, IPR, IUPD, ICPD]
    t, ev = irecist.progression(np.array([codes]), W[:4])
    assert t[0] == 24 and ev[0]  # the second episode's iUPD


def test_new_lesions():
    new = [False, True, True]
    assert seq([100, 90, 90], new=new) == [IUPD, IUPD]  # persisting new lesion, no growth: stays iUPD
    assert seq([100, 90, 90], new=new, growth=[False, False, True]) == [IUPD, ICPD]
    assert seq([100, 90, 60], new=[False, True, False]) == [IUPD, IPR]  # new lesion gone, sums shrank


def test_unconfirmed_iupd_at_the_end():
    c = np.array([[ISD, IUPD]])
    t, ev = irecist.progression(c, W[:2])
    assert ev[0] and t[0] == 16
    t, ev = irecist.progression(c, W[:2], unconfirmed_at_end=False)
    assert not ev[0] and t[0] == 16


def test_not_evaluated_during_iupd_keeps_the_episode_open():
    assert seq([100, 130, np.nan, 136]) == [IUPD, INE, ICPD]
    assert irecist.names([ICR, ISD, ICPD]).tolist() == ["iCR", "iSD", "iCPD"]


sums = st.floats(min_value=0.0, max_value=300.0, allow_nan=False)


@settings(max_examples=100, deadline=None)
@given(course=st.lists(sums, min_size=2, max_size=6), base=st.floats(10, 300))
def test_irecist_progression_never_earlier_than_recist(course, base):
    sld = np.array([[base, *course]])
    t = np.arange(1, len(course) + 1) * 8.0
    r_t, r_ev = recist.progression(recist.assess(sld), t)
    ic = irecist.assess(sld)
    i_t, i_ev = irecist.progression(ic, t, unconfirmed_at_end=False)
    if i_ev[0]:
        assert r_ev[0] and i_t[0] >= r_t[0]  # iCPD needs a RECIST PD first
    # before the first RECIST PD both criteria give the same time-point responses
    rc = recist.assess(sld)[0]
    k = int(np.argmax(rc == recist.PD)) if (rc == recist.PD).any() else len(rc)
    assert (ic[0, :k] == rc[:k]).all()
