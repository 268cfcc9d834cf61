"""RECIST 1.1 and iRECIST time-point responses (``iosim.endpoints.recist``, ``irecist``) on random courses.

Two kinds of property:

* the vectorised assessments agree with a plain one-visit-at-a-time reading of the rules in the
  module docstrings, on sums measured in tenths of a millimetre. The reading is done in integer
  tenths, so it is exact, and the many courses that land exactly on a threshold (70 mm from 100 mm,
  +5 mm, +20%) check that the modules classify them as the guideline intends;
* the invariants the issue names, on arbitrary float sums: a larger sum is never a better response,
  never PD below +5 mm over the nadir, PD measured from the nadir, CR only when the lesions are gone.

Codes are ordered best to worst (CR < PR < SD < PD for RECIST; iCR < iPR < iSD < iUPD < iCPD), so
"never better" is ``<=`` on codes; NE/iNE are outside that order and only arise from NaN sums here.
"""

from __future__ import annotations

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from iosim.endpoints import irecist, recist
from iosim.endpoints.irecist import ICPD, INE, IUPD
from iosim.endpoints.recist import CR, NE, PD, PR, SD

#: Float sums here are at most 300 mm; the modules' relative tolerance of 1e-9 moves a threshold by
#: at most 3e-7 mm, so a value 1e-6 mm away from a threshold is unambiguously on its side.
EPS_MM = 1e-6


# -- reference readings of the rules, in integer tenths of a millimetre ----------------------------


def recist_by_hand(base, visits, new, cr):
    """RECIST codes visit by visit (module docstring: PD > CR > PR > SD; NaN -> NE)."""
    if base is None or base <= 0:
        return [NE] * len(visits)
    out, nadir = [], base
    for s, nl in zip(visits, new):
        if s is None:
            out.append(NE)  # a visit not done is NE whatever its new-lesion flag
            continue
        rise = s - nadir
        if nl or (rise >= 50 and 5 * rise >= nadir):  # +5 mm and +20% over the nadir
            out.append(PD)
        elif s <= cr:
            out.append(CR)
        elif 10 * s <= 7 * base:  # at least 30% below baseline
            out.append(PR)
        else:
            out.append(SD)
        nadir = min(nadir, s)
    return out


def irecist_by_hand(base, visits, new, growth, cr):
    """iRECIST codes from the state machine of the irecist module docstring."""
    rc = recist_by_hand(base, visits, new, cr)
    out, in_upd, confirmed, ref = [], False, False, None
    for r, s, g in zip(rc, visits, growth):
        if confirmed:
            out.append(ICPD)  # iCPD is final
        elif r == NE:
            out.append(INE)  # state unchanged
        elif in_upd and (s - ref >= 50 or g):
            confirmed = True
            out.append(ICPD)
        elif in_upd and r == PD:
            out.append(IUPD)
        elif in_upd:
            in_upd = False  # reset: back to the RECIST reading against the baseline
            out.append(r)
        elif r == PD:
            in_upd, ref = True, s
            out.append(IUPD)
        else:
            out.append(r)  # iCR/iPR/iSD share RECIST's codes 0-2
    return out


# -- strategies ---------------------------------------------------------------------------------------


@st.composite
def visit_tenths(draw, n: int, base: int):
    """Sums in tenths of a mm: a random walk with jumps, clinical-looking shrinkage, and missed visits."""
    out, cur, nadir = [], base, base
    for _ in range(n):
        how = draw(st.sampled_from(["step", "step", "step", "scale", "jump", "missed", "gone", "pr_edge", "pd_edge"]))
        if how == "missed":
            out.append(None)
            continue
        if how == "step":
            cur = max(0, cur + draw(st.integers(-150, 150)))
        elif how == "scale":  # a fraction of the baseline
            cur = base * draw(st.integers(0, 20)) // 10
        elif how == "pr_edge":  # -30% from baseline: on the threshold when the baseline is a whole mm
            cur = 7 * base // 10
        elif how == "pd_edge":  # +max(5 mm, 20%) over the nadir: on the threshold, or 0.1 mm above it
            cur = nadir + max(50, -(-nadir // 5))
        elif how == "jump":
            cur = draw(st.integers(0, 3000))
        else:
            cur = 0
        out.append(cur)
        nadir = min(nadir, cur)
    return out


@st.composite
def cohorts(draw, max_patients: int = 4, max_visits: int = 8):
    """Several patients with the same number of visits: (rows of tenths, new-lesion, growth, cr)."""
    n = draw(st.integers(1, max_visits))
    rows = []
    for _ in range(draw(st.integers(1, max_patients))):
        whole_mm = st.integers(1, 300).map(lambda mm: 10 * mm)  # most sums are measured to the mm
        base = draw(st.one_of(whole_mm, whole_mm, st.integers(1, 3000), st.just(0), st.none()))
        visits = draw(visit_tenths(n, base or 100))
        rare = st.integers(0, 5).map(lambda x: x == 0)
        new = draw(st.lists(rare, min_size=n, max_size=n))
        growth = draw(st.lists(rare, min_size=n, max_size=n))
        rows.append((base, visits, new, growth))
    cr = draw(st.sampled_from([0, 0, 0, 50, 100, 200]))  # residual lymph-node sums, in tenths
    return rows, cr


def as_mm(base, visits) -> list[float]:
    return [np.nan if v is None else v / 10.0 for v in [base, *visits]]


def arrays(rows):
    sld = np.array([as_mm(b, v) for b, v, _, _ in rows])
    new = np.array([[False, *nl] for _, _, nl, _ in rows])
    growth = np.array([[False, *g] for _, _, _, g in rows])
    return sld, new, growth


float_sums = st.floats(0.0, 300.0)
float_courses = st.lists(st.one_of(float_sums, float_sums, float_sums, st.just(np.nan)), min_size=1, max_size=8)


# -- agreement with the rules as written ----------------------------------------------------------


@settings(max_examples=150)
@given(cohorts())
def test_recist_follows_its_rules_exactly_on_decimal_sums(cohort):
    rows, cr = cohort
    sld, new, _ = arrays(rows)
    got = recist.assess(sld, new_lesion=new, cr_mm=cr / 10.0)
    for i, (base, visits, nl, _) in enumerate(rows):
        assert got[i].tolist() == recist_by_hand(base, visits, nl, cr), (base, visits, nl, cr)


@settings(max_examples=150)
@given(cohorts())
def test_irecist_follows_its_state_machine_exactly_on_decimal_sums(cohort):
    rows, cr = cohort
    sld, new, growth = arrays(rows)
    got = irecist.assess(sld, new_lesion=new, new_lesion_growth=growth, cr_mm=cr / 10.0)
    for i, (base, visits, nl, g) in enumerate(rows):
        assert got[i].tolist() == irecist_by_hand(base, visits, nl, g, cr), (base, visits, nl, g, cr)


# -- invariants on float sums -----------------------------------------------------------------------


@settings(max_examples=200)
@given(
    base=st.floats(10.0, 300.0),
    course=float_courses,
    data=st.data(),
    more=st.floats(1e-3, 200.0),
    cr=st.sampled_from([0.0, 10.0]),
)
def test_a_larger_sum_is_never_a_better_response(base, course, data, more, cr):
    j = data.draw(st.integers(0, len(course) - 1))
    lo = np.array([base, *course])
    lo[j + 1] = data.draw(float_sums)
    hi = lo.copy()
    hi[j + 1] += more
    new = np.zeros(lo.size, bool)
    new[1:] = data.draw(st.lists(st.booleans(), min_size=len(course), max_size=len(course)))
    r = recist.assess(np.vstack([lo, hi]), new_lesion=np.vstack([new, new]), cr_mm=cr)
    i = irecist.assess(np.vstack([lo, hi]), new_lesion=np.vstack([new, new]), cr_mm=cr)
    assert r[0, j] <= r[1, j] and i[0, j] <= i[1, j]
    # nothing before the changed visit depends on it: no look-ahead
    assert (r[0, :j] == r[1, :j]).all() and (i[0, :j] == i[1, :j]).all()


@settings(max_examples=200)
@given(base=st.floats(10.0, 300.0), course=float_courses)
def test_never_pd_below_5_mm_or_20_percent_over_the_nadir(base, course):
    sld = np.array([[base, *course]])
    codes = recist.assess(sld)[0]
    nadir = np.fmin.accumulate(sld[0])[:-1]
    rise = sld[0, 1:] - nadir
    pd = codes == PD
    assert (rise[pd] >= 5.0 - EPS_MM).all()  # RECIST 1.1 section 4.3.1
    assert (rise[pd] >= 0.2 * nadir[pd] - EPS_MM).all()
    # and the converse: both margins clearly met is PD
    met = (rise >= 5.0 + EPS_MM) & (rise >= 0.2 * nadir + EPS_MM)
    assert (codes[met] == PD).all()
    # iRECIST opens an episode exactly where RECIST first says PD, never without one
    ic = irecist.assess(sld)[0]
    first = int(np.argmax(pd)) if pd.any() else len(codes)
    assert (ic[:first] == np.where(codes == NE, INE, codes)[:first]).all()
    assert not np.isin(ic[:first], [IUPD, ICPD]).any()
    if pd.any():
        assert ic[first] == IUPD


@settings(max_examples=200)
@given(
    base=st.floats(20.0, 300.0),
    shrink=st.floats(0.05, 0.9),
    up=st.floats(0.0, 1.0),
    pre=st.lists(st.floats(0.0, 0.99), max_size=3),
)
def test_progression_is_measured_from_the_nadir_not_the_baseline(base, shrink, up, pre):
    # Shrink to a nadir, wander above it without progressing, then rise past max(5 mm, 20%) over the
    # nadir while staying below the baseline: PD (iUPD), although the sum never exceeded the baseline.
    nadir = base * (1.0 - shrink)
    margin = max(5.0, 0.2 * nadir)
    headroom = base - nadir - margin
    assume(headroom > 2 * EPS_MM)
    between = [nadir + f * margin for f in pre]
    cur = nadir + margin + EPS_MM + up * (headroom - 2 * EPS_MM)
    course = np.array([[base, nadir, *between, cur]])
    assert cur < base
    assert recist.assess(course)[0][-1] == PD
    assert irecist.assess(course)[0][-1] == IUPD
    # just short of the margin over the nadir: not PD
    course[0, -1] = nadir + margin - EPS_MM
    assert recist.assess(course)[0][-1] != PD


@settings(max_examples=200)
@given(base=st.floats(10.0, 300.0), course=float_courses, cr=st.sampled_from([0.0, 10.0, 20.0]))
def test_complete_response_only_when_the_target_lesions_are_gone(base, course, cr):
    sld = np.array([[base, *course]])
    codes = recist.assess(sld, cr_mm=cr)[0]
    icodes = irecist.assess(sld, cr_mm=cr)[0]
    cur = sld[0, 1:]
    assert (cur[codes == CR] <= cr).all()
    assert (cur[icodes == irecist.ICR] <= cr).all()
    # a sum at or below the residual is CR unless it is progression (regrowth from a zero nadir)
    gone = (cur <= cr) & (codes != PD)
    assert (codes[gone] == CR).all()


@settings(max_examples=200)
@given(base=st.floats(10.0, 300.0), course=float_courses)
def test_icpd_needs_a_further_5_mm_over_the_iupd_sum(base, course):
    sld = np.array([[base, *course]])
    ic = irecist.assess(sld)[0]
    cur = sld[0, 1:]
    if not (ic == ICPD).any():
        return
    j = int(np.argmax(ic == ICPD))
    assert (ic[j:] == ICPD).all()  # final
    # the episode's iUPD: the last one before j that follows a visit that was not in iUPD
    evaluable = [k for k in range(j) if ic[k] != INE]
    assert evaluable and ic[evaluable[-1]] == IUPD
    k = evaluable[-1]
    while evaluable.index(k) > 0 and ic[evaluable[evaluable.index(k) - 1]] == IUPD:
        k = evaluable[evaluable.index(k) - 1]
    assert cur[j] - cur[k] >= 5.0 - EPS_MM  # iRECIST table 2


@settings(max_examples=100)
@given(cohorts(max_patients=3))
def test_progression_dates(cohort):
    rows, cr = cohort
    sld, new, growth = arrays(rows)
    weeks = 8.0 * np.arange(1, sld.shape[1])
    codes = recist.assess(sld, new_lesion=new, cr_mm=cr / 10.0)
    t, event = recist.progression(codes, weeks)
    assert (event == (codes == PD).any(axis=1)).all()
    first_pd = weeks[np.argmax(codes == PD, axis=1)]
    assert np.array_equal(t[event], first_pd[event])

    ic = irecist.assess(sld, new_lesion=new, new_lesion_growth=growth, cr_mm=cr / 10.0)
    ti, ev_i = irecist.progression(ic, weeks, unconfirmed_at_end=False)
    assert (ev_i == (ic == ICPD).any(axis=1)).all()
    for p in np.flatnonzero(ev_i):
        j = int(np.argmax(ic[p] == ICPD))
        assert ti[p] in weeks[:j][ic[p, :j] == IUPD]  # dated at an iUPD before the confirmation
        assert ti[p] >= t[p]  # never earlier than RECIST (every iUPD is a RECIST PD)


@settings(max_examples=100)
@given(cohorts(max_patients=3))
def test_confirmation_never_improves_the_best_response(cohort):
    rows, cr = cohort
    sld, new, _ = arrays(rows)
    weeks = 4.0 * np.arange(1, sld.shape[1])
    codes = recist.assess(sld, new_lesion=new, cr_mm=cr / 10.0)
    free = recist.best_overall_response(codes, weeks, confirm_weeks=None)
    confirmed = recist.best_overall_response(codes, weeks, confirm_weeks=4.0)
    assert (free <= confirmed).all()
    assert np.isin(free, [CR, PR, SD, PD, NE]).all()
