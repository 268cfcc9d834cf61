"""Properties of the two ODE engines: the reference engine ``iosim.simulate`` (scipy) and the
compiled cohort engine ``iosim.cohort.simulate_cohort``.

* cell counts and concentrations never go negative;
* a linear PK model superposes doses (and initial amounts) and scales with the dose;
* a zero dose is no dose; a regimen split in two and recombined is the same regimen, and a run split
  in time (the second half restarted from the first half's last state) is the same run;
* refining the tolerances converges on a tight reference (the closed form, for the PK model).

Parameters, initial states, doses and times are drawn by hypothesis within plausible ranges for three
small published models and a linear PK test model. Each cohort example simulates several patients in
one call. Error measures are scaled per state by the largest value of that state over the run.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import iosim
from iosim.cohort import simulate_cohort
from iosim.dosing import Bolus, Infusion, Regimen, bolus, infusion
from iosim.model import ModelBuilder, Reference
from iosim.simulation.reference import doses_within

DAYS = 60.0

# -- a linear PK model --------------------------------------------------------------------------------

_PK_SRC = "test value for the property tests (any positive rate keeps the model linear)"


def linear_pk():
    """Depot D absorbed first-order into the central amount A, eliminated first-order: linear in (D, A)."""
    b = ModelBuilder("pk_linear_properties", "linear one-compartment PK", reference=Reference("iosim property tests"))
    D = b.state("D", "mg", "drug at the absorption site", kind="amount")
    A = b.state("A", "mg", "drug in the central compartment", kind="amount")
    ka = b.parameter("ka", 1.0, "1/day", "first-order absorption rate", source=_PK_SRC)
    ke = b.parameter("ke", 0.1, "1/day", "first-order elimination rate", source=_PK_SRC)
    b.equation(D, -ka * D)
    b.equation(A, ka * D - ke * A)
    return b.build()


PK = linear_pk()


def pk_exact(t, ka, ke, regimen: Regimen) -> np.ndarray:
    """Closed form of the PK model from zero, for boluses into D or A and infusions into A: (n_t, 2)."""
    y = np.zeros((t.size, 2))
    for e in regimen:
        tau = np.maximum(t - e.time, 0.0)
        on = t >= e.time
        if isinstance(e, Bolus) and e.state == "D":
            y[:, 0] += on * e.amount * np.exp(-ka * tau)
            y[:, 1] += on * e.amount * ka / (ka - ke) * (np.exp(-ke * tau) - np.exp(-ka * tau))
        elif isinstance(e, Bolus):
            y[:, 1] += on * e.amount * np.exp(-ke * tau)
        else:  # infusion into A at e.rate during [e.time, e.end)
            during = np.minimum(tau, e.duration)
            y[:, 1] += on * e.rate / ke * (1.0 - np.exp(-ke * during)) * np.exp(-ke * (tau - during))
    return y


# -- the published models and their plausible ranges --------------------------------------------------


@dataclass(frozen=True)
class Case:
    model_id: str
    #: log10 range of each initial state (state units); states marked in `may_be_zero` can also start at 0
    initial: dict[str, tuple[float, float]]
    may_be_zero: tuple[str, ...]
    #: log10 range of a bolus into each dosable state
    doses: dict[str, tuple[float, float]]
    #: parameters drawn on an absolute range (the paper's) instead of a factor of the default
    ranges: dict[str, tuple[float, float]]
    #: the smallest scale of interest of the model's states (1 cell; 1 ng/cm^3 of a density)
    scale: float

    @property
    def atol(self) -> float:
        """Absolute tolerance for the nonnegativity runs: a millionth of that scale."""
        return 1e-6 * self.scale


CASES = {
    # E around the tumour-free level s/d = 3.2e5 cells, T up to the capacity 1/b = 5e8 cells
    # (Kuznetsov et al. 1994); boluses: adoptive transfer of effectors, a tumour re-challenge.
    "kuznetsov1994": Case(
        "kuznetsov1994", {"E": (4.0, 7.0), "T": (2.0, 8.5)}, (), {"E": (5.0, 8.0), "T": (3.0, 7.0)}, {}, 1.0
    ),
    # T up to the capacity 1/b = 1e9 cells; c in [0, 0.05] and a in (0, 1] as in the paper's Table 1
    # (Kirschner & Panetta 1998); boluses of effector cells (ACI) and of IL-2.
    "kirschner_panetta1998": Case(
        "kirschner_panetta1998",
        {"E": (2.0, 7.0), "T": (0.0, 9.0), "IL": (0.0, 5.0)},
        ("E", "IL"),
        {"E": (4.0, 7.0), "IL": (3.0, 7.0)},
        {"c": (0.0, 0.05), "a": (0.1, 1.0)},
        1.0,
    ),
    # densities in g/cm^3 around the deposit's initial state (C 0.4, T 0.006); anti-PD-1 up to and past
    # the level rho_P/gamma = 5.8e-8 at which it blocks all PD-1 (Nikolopoulou et al. 2018, MODEL1908270001).
    "nikolopoulou2018": Case(
        "nikolopoulou2018",
        {"C": (-3.0, -0.1), "T": (-4.0, -1.3), "A": (-10.0, -7.0)},
        ("A",),
        {"A": (-9.0, -7.0), "T": (-4.0, -2.0)},
        {},
        1e-9,
    ),
}
MODEL_IDS = tuple(CASES)


@st.composite
def patients(draw, case: Case):
    """(params, initial) of one patient: each positive parameter within a factor 2 of its published value."""
    model = iosim.get_model(case.model_id)
    params = {}
    for p in model.parameters:
        if p.name in case.ranges:
            params[p.name] = draw(st.floats(*case.ranges[p.name]))
        elif p.value > 0:
            params[p.name] = p.value * 2.0 ** draw(st.floats(-1.0, 1.0))
    initial = {}
    for s, (lo, hi) in case.initial.items():
        zero = s in case.may_be_zero and draw(st.booleans())
        initial[s] = 0.0 if zero else 10.0 ** draw(st.floats(lo, hi))
    return params, initial


@st.composite
def regimens(draw, case: Case, *, min_doses: int = 0, max_doses: int = 4):
    """Boluses at any time in [0, DAYS) into the model's dosable states."""
    events = []
    for _ in range(draw(st.integers(min_doses, max_doses))):
        state = draw(st.sampled_from(sorted(case.doses)))
        amount = 10.0 ** draw(st.floats(*case.doses[state]))
        events.append(Bolus(state, amount, draw(st.floats(0.0, DAYS - 1.0))))
    return Regimen(tuple(events))


def cohort_of(model_id: str, patients_: list) -> tuple[dict, dict]:
    """Per-patient (params, initial) dicts -> the cohort engine's mapping of name -> column."""
    params = {k: np.array([p[k] for p, _ in patients_]) for k in patients_[0][0]}
    initial = {k: np.array([i[k] for _, i in patients_]) for k in patients_[0][1]}
    return params, initial


def scaled_error(y: np.ndarray, ref: np.ndarray, floor: float = 0.0) -> float:
    """Largest error over times and states, each state scaled by its largest value in the reference
    (at least ``floor``: below it, differences are the solver's absolute error, not the trajectory's)."""
    scale = np.maximum(np.max(np.abs(ref), axis=-2, keepdims=True), floor)
    scale = np.where(scale > 0, scale, 1.0)
    return float(np.max(np.abs(y - ref) / scale))


def assert_same(y: np.ndarray, ref: np.ndarray, *, rel: float, atol: float, scale=None, what: str = "") -> None:
    """|y - ref| <= rel * scale + 10 atol everywhere, where scale is each state's largest value (in
    ``scale`` if given, else in ``ref``): the solvers control each step's error to rtol |y| + atol,
    so differences of a few atol are allowed anywhere, whatever the state's size."""
    big = np.max(np.abs(ref if scale is None else scale), axis=-2, keepdims=True)
    excess = np.abs(y - ref) - (rel * big + 10.0 * atol)
    assert excess.max() <= 0, f"{what}: off by {np.abs(y - ref).max():g} (state scale {big.ravel()})"


def run_reference(model, t_end, *, params, initial, regimen, **kw) -> np.ndarray:
    r = iosim.simulate(model, t_end, params=params, initial=initial, regimen=regimen, **kw)
    assert r.ok, r.message
    return r.y


def run_cohort(model, t_end, *, params, initial, regimen, **kw) -> np.ndarray:
    one = {k: [v] for k, v in params.items()}, {k: [v] for k, v in initial.items()}
    r = simulate_cohort(model, t_end, params=one[0], initial=one[1], regimen=regimen, **kw)
    assert r.status.tolist() == ["ok"], r.status
    return r.y[0]


ENGINES = (run_reference, run_cohort)


def simulate_both(model, t_end, **kw) -> tuple[np.ndarray, np.ndarray]:
    """The same patient through both engines: (reference y, cohort y), each (n_times, n_states)."""
    return run_reference(model, t_end, **kw), run_cohort(model, t_end, **kw)


@pytest.fixture(scope="module", autouse=True)
def _kernels():
    """Load (or compile once: about 10-60 s cold) the cohort kernels outside the timed examples."""
    from iosim.cohort import compile_kernel

    for m in (PK, *map(iosim.get_model, MODEL_IDS)):
        compile_kernel(m)


# -- nonnegativity --------------------------------------------------------------------------------------


def check_nonnegative(model, y: np.ndarray, atol: float) -> None:
    """Every nonnegative state (cells, densities, amounts) stays above -5 atol.

    Where the true value is ~0 the step control allows an error of about atol per step and a decaying
    state damps it, so the solvers may report a few atol below 0: up to 1.7 atol was seen (IL-2 in
    kirschner_panetta1998, C and A in nikolopoulou2018; -2e-22 cells for effectors that start at 0,
    which the engines do not hold at 0). A wrong sign, a lost dose or an extinction that overshoots
    goes far past 5 atol (1e-6 cells here)."""
    for j, s in enumerate(model.states):
        if s.nonnegative:
            worst = float(np.min(y[..., j]))
            assert worst >= -5.0 * atol, f"{model.id}: {s.name} reached {worst:g} < {-5.0 * atol:g}"


@pytest.mark.parametrize("model_id", MODEL_IDS)
def test_states_never_go_negative_reference(model_id):
    case = CASES[model_id]

    @settings(max_examples=20)
    @given(patient=patients(case), regimen=regimens(case), rtol=st.sampled_from([1e-4, 1e-6, 1e-8]))
    def check(patient, regimen, rtol):
        params, initial = patient
        r = iosim.simulate(model_id, DAYS, params=params, initial=initial, regimen=regimen, rtol=rtol, atol=case.atol)
        assert r.ok, r.message
        check_nonnegative(r.model, r.y, case.atol)

    check()


@pytest.mark.parametrize("model_id", MODEL_IDS)
def test_states_never_go_negative_cohort(model_id):
    case = CASES[model_id]

    @settings(max_examples=25)
    @given(
        group=st.lists(patients(case), min_size=1, max_size=8),
        regimen=regimens(case),
        rtol=st.sampled_from([1e-4, 1e-6, 1e-8]),
        method=st.sampled_from(["auto", "dopri5", "rosenbrock"]),
    )
    def check(group, regimen, rtol, method):
        params, initial = cohort_of(model_id, group)
        res = simulate_cohort(
            model_id, DAYS, params=params, initial=initial, regimen=regimen, rtol=rtol, atol=case.atol, method=method
        )
        assert res.ok.all(), res.status
        check_nonnegative(res.model, res.y, case.atol)

    check()


# -- linear PK: superposition and proportionality -----------------------------------------------------

# Half-lives from hours (cytokines) to about a month (IgG antibodies); absorption half-lives 1 h to 5 days.
pk_params = st.builds(
    lambda t_el, t_abs: {"ke": math.log(2) / t_el, "ka": math.log(2) / t_abs},
    st.floats(0.1, 30.0),
    st.floats(0.04, 5.0),
)


@st.composite
def pk_regimens(draw, *, min_events: int = 1, max_events: int = 4):
    """Boluses into the depot or the central compartment, and infusions into the central compartment."""
    events = []
    for _ in range(draw(st.integers(min_events, max_events))):
        kind = draw(st.sampled_from(["D", "A", "infusion"]))
        t = draw(st.floats(0.0, DAYS - 1.0))
        amount = draw(st.floats(1.0, 1000.0))  # mg: a 1 mg/kg to a flat 1 g antibody dose
        if kind == "infusion":
            duration = draw(st.floats(0.02, 1.0))  # over 30 min to a day
            events.append(Infusion("A", amount / duration, t, duration))
        else:
            events.append(Bolus(kind, amount, t))
    return Regimen(tuple(events))


# Solved at rtol = 1e-10 with atol 1e-10 mg: each run is within ~1e-8 of the exact solution (relative
# to its largest amount) plus ~atol, so a sum of three runs is within a few 1e-8; 1e-6 leaves a margin.
SUPERPOSE_RTOL = 1e-6
PK_TOL = {"rtol": 1e-10, "atol": 1e-10}


@settings(max_examples=30)
@given(params=pk_params, r1=pk_regimens(), r2=pk_regimens(), k=st.floats(0.01, 100.0), x0=st.floats(0.0, 500.0))
def test_linear_pk_superposes_doses_and_initial_amounts(params, r1, r2, k, x0):
    tol = PK_TOL
    scaled = Regimen(tuple(_scale(e, k) for e in r1))
    ref1, coh1 = simulate_both(PK, DAYS, params=params, initial={}, regimen=r1, **tol)
    ref2, coh2 = simulate_both(PK, DAYS, params=params, initial={}, regimen=r2, **tol)
    ref12, coh12 = simulate_both(PK, DAYS, params=params, initial={}, regimen=r1 + r2, **tol)
    refk, cohk = simulate_both(PK, DAYS, params=params, initial={}, regimen=scaled, **tol)
    ref0, coh0 = simulate_both(PK, DAYS, params=params, initial={"A": x0}, regimen=r1, **tol)
    refx, cohx = simulate_both(PK, DAYS, params=params, initial={"A": x0}, regimen=Regimen(), **tol)
    same = {"rel": SUPERPOSE_RTOL, "atol": tol["atol"]}
    for y1, y2, y12, yk, y0, yx in ((ref1, ref2, ref12, refk, ref0, refx), (coh1, coh2, coh12, cohk, coh0, cohx)):
        assert_same(y1 + y2, y12, **same, what="R1 + R2")
        assert_same(k * y1, yk, **same, what="k R1")
        assert_same(y1 + yx, y0, **same, what="R1 + initial amount")
    # The cohort engine's per-patient dose scale is the same proportionality, for a whole cohort at once.
    factors = np.array([0.0, 0.5, 1.0, k])
    res = simulate_cohort(PK, DAYS, params=params, regimen=r1, dose_scale=factors, **tol)
    assert not res.y[0].any()  # a zero scale gives nothing at all
    for i in range(1, factors.size):
        assert_same(res.y[i], factors[i] * coh1, **same, what=f"dose scale {factors[i]}")


def _scale(e, k: float):
    if isinstance(e, Infusion):
        return Infusion(e.state, e.rate * k, e.time, e.duration)
    return Bolus(e.state, e.amount * k, e.time)


# -- zero doses, split regimens, split runs -------------------------------------------------------------

# At rtol = 1e-10 both runs are within ~1e-8 of the exact trajectory (relative to each state's range)
# plus ~atol; the extra restarts of a zero dose or a split change the error, not the trajectory: 1e-6.
SAME_RUN_RTOL = 1e-6

# These runs switch the extinction rule off: both engines apply it at every segment start, also to a
# population growing from 0 that has not reached 1 cell yet, so any dose time, even a zero dose or an
# unrelated drug's, can set such a population to 0 (see the xfail test below). With the rule on, the
# properties below fail for kirschner_panetta1998, whose effector cells start at 0.
NO_EXTINCTION = {"extinction": False}


@pytest.mark.parametrize("model_id", MODEL_IDS)
def test_a_zero_dose_is_no_dose(model_id):
    case = CASES[model_id]
    model = iosim.get_model(model_id)

    @settings(max_examples=10)
    @given(
        patient=patients(case),
        times=st.lists(st.floats(0.0, DAYS - 1.0), min_size=1, max_size=3),
        state=st.sampled_from(sorted(case.doses)),
        real=regimens(case, min_doses=1, max_doses=2),
    )
    def check(patient, times, state, real):
        params, initial = patient
        tol = {"rtol": 1e-10, "atol": 1e-10 * case.scale, **NO_EXTINCTION}
        same = {"rel": SAME_RUN_RTOL, "atol": tol["atol"]}
        zero = Regimen(tuple(Bolus(state, 0.0, t) for t in times))
        zero += infusion(state, rate=0.0, duration=1.0, at=times[0])
        ref_none, coh_none = simulate_both(model, DAYS, params=params, initial=initial, regimen=None, **tol)
        ref_zero, coh_zero = simulate_both(model, DAYS, params=params, initial=initial, regimen=zero, **tol)
        assert_same(ref_zero, ref_none, **same, what="reference engine")
        assert_same(coh_zero, coh_none, **same, what="cohort engine")
        # A real regimen scaled by 0 for one patient of a cohort is no dose either: the same segments as
        # zero-amount boluses at the same times, so the same numbers to the last bit.
        scaled = simulate_cohort(
            model, DAYS, params={k: [v] * 2 for k, v in params.items()},
            initial={k: [v] * 2 for k, v in initial.items()}, regimen=real, dose_scale=[0.0, 1.0], **tol,
        )  # fmt: skip
        zeroed = Regimen(tuple(Bolus(e.state, 0.0, e.time) for e in real))
        np.testing.assert_array_equal(scaled.y[0], run_cohort(model, DAYS, params=params, initial=initial,
                                                              regimen=zeroed, **tol))  # fmt: skip
        assert_same(scaled.y[0], coh_none, **same, what="dose scale 0")

    check()


@pytest.mark.xfail(strict=True, reason="both engines extinguish a population growing below 1 cell at any dose time")
@pytest.mark.parametrize("engine", ENGINES)
def test_an_unrelated_zero_dose_leaves_a_growing_population_alone(engine):
    # Effector cells start at 0 and are recruited by the tumour (c = 0.03125/day): 0.17 cells on day 4.
    # A zero-amount IL-2 dose on day 5 sets them to 0 (the extinction rule applied at the segment
    # start), so E lags the undosed run by a day from then on.
    kw = {"params": {"c": 0.03125}, "initial": {}, "rtol": 1e-10, "atol": 1e-10}
    none = engine("kirschner_panetta1998", 10.0, regimen=None, **kw)
    zero = engine("kirschner_panetta1998", 10.0, regimen=bolus("IL", 0.0, at=5.0), **kw)
    assert_same(zero, none, rel=SAME_RUN_RTOL, atol=1e-10, what=engine.__name__)


@pytest.mark.parametrize("model_id", (*MODEL_IDS, "pk"))
def test_a_regimen_split_in_two_is_the_same_regimen(model_id):
    case = CASES.get(model_id)
    model = PK if model_id == "pk" else iosim.get_model(model_id)
    states = ("D", "A") if case is None else sorted(case.doses)
    scale = case.scale if case else 1.0

    @settings(max_examples=8)
    @given(
        patient=st.tuples(pk_params, st.just({})) if case is None else patients(case),
        state=st.sampled_from(states),
        start=st.floats(0.0, 10.0),
        every=st.sampled_from([1.0, 2.0, 3.5, 7.0]),
        count=st.integers(2, 12),
        data=st.data(),
    )
    def check(patient, state, start, every, count, data):
        params, initial = patient
        count = min(count, int((DAYS - start) // every) + 1)  # every dose within the run (at least 8 fit)
        split = data.draw(st.integers(1, count - 1))
        amount = 10.0 ** data.draw(st.floats(*case.doses[state])) if case else data.draw(st.floats(1.0, 1000.0))
        tol = {"rtol": 1e-10, "atol": 1e-10 * scale}
        whole = bolus(state, amount, at=start, every=every, count=count)
        a = simulate_both(model, DAYS, params=params, initial=initial, regimen=whole, **tol)
        # The whole's own events in two regimens, recombined: the same events in the same order,
        # so the same arithmetic, bit for bit.
        exact = Regimen(whole.events[:split]) + Regimen(whole.events[split:])
        b = simulate_both(model, DAYS, params=params, initial=initial, regimen=exact, **tol)
        np.testing.assert_array_equal(a[0], b[0])
        np.testing.assert_array_equal(a[1], b[1])
        # As a user writes it (e.g. days 0..10 plus days 11..20): the second half's times are
        # computed from its own start and may differ from the whole's in the last bit (the regimen
        # then treats them as the same instant as the whole's).
        halves = bolus(state, amount, at=start, every=every, count=split) + bolus(
            state, amount, at=start + split * every, every=every, count=count - split
        )
        assert [e.time for e in halves] == pytest.approx([e.time for e in whole], rel=1e-14)
        c = simulate_both(model, DAYS, params=params, initial=initial, regimen=halves, **tol)
        for engine in (0, 1):
            assert_same(c[engine], a[engine], rel=SAME_RUN_RTOL, atol=tol["atol"], what=ENGINES[engine].__name__)

    check()


@pytest.mark.parametrize("model_id", MODEL_IDS)
def test_a_run_split_in_time_is_the_same_run(model_id):
    case = CASES[model_id]
    model = iosim.get_model(model_id)

    @settings(max_examples=8)
    @given(patient=patients(case), regimen=regimens(case, min_doses=1), data=st.data())
    def check(patient, regimen, data):
        params, initial = patient
        reg = Regimen(tuple(Bolus(e.state, e.amount, float(round(e.time))) for e in regimen))
        # split at a dose time (that dose must be given exactly once, by the second run) or between doses
        t_split = data.draw(st.sampled_from(sorted({max(e.time, 1.0) for e in reg} | {17.0, 33.0})))
        n = int(t_split)  # outputs every day: index of t_split on the grid
        tol = {"rtol": 1e-10, "atol": 1e-10 * case.scale, **NO_EXTINCTION}
        for run in ENGINES:
            whole = run(model, DAYS, params=params, initial=initial, regimen=reg, **tol)
            # each run is given the doses within its span (a dose at t_split belongs to both: the
            # first run ends at it, the second starts with it)
            first = run(model, t_split, params=params, initial=initial, regimen=doses_within(reg, t_split), **tol)
            same = {"rel": SAME_RUN_RTOL, "atol": tol["atol"], "scale": whole}
            # the first run's last point is the state just before t_split, before any dose there
            assert_same(first[:n], whole[:n], **same, what=f"{run.__name__} before {t_split}")
            # a density may end a few atol below 0 (see check_nonnegative); an initial state must
            # not be negative, so such round-off is set to 0 before restarting from it
            restart = dict(zip(model.state_names, np.maximum(first[-1], 0.0)))
            later = doses_within(reg, DAYS, t_start=t_split)
            second = run(model, DAYS, t_start=t_split, params=params, initial=restart, regimen=later, **tol)
            assert_same(second, whole[n:], **same, what=f"{run.__name__} from {t_split}")

    check()


@pytest.mark.parametrize("engine", ENGINES)
@settings(max_examples=15)
@given(t=st.floats(0.0, DAYS - 1.0), offset=st.floats(0.0, 1e-13), amount=st.floats(1e4, 1e7))
def test_doses_one_rounding_apart_are_one_instant(engine, t, offset, amount):
    # 0.3 and 0.1 * 3 differ in the last bit; a segment that short made the cohort engine stop with
    # "step_too_small" and LSODA with "illegal input" (and a dose at t = 1e-250 hung LSODA).
    near = t + offset * max(1.0, t)
    kw = {"params": {}, "initial": {}}
    apart = engine("kuznetsov1994", DAYS, regimen=bolus("E", amount, at=t) + bolus("E", amount, at=near), **kw)
    together = engine("kuznetsov1994", DAYS, regimen=Regimen((Bolus("E", amount, t), Bolus("E", amount, t))), **kw)
    np.testing.assert_array_equal(apart, together)


def test_a_population_exactly_at_its_threshold_does_not_crash_the_reference_engine():
    # kirschner_panetta1998 starts from T = 1 cell, its extinction threshold. Falling from there, the
    # threshold event started at 0 and scipy's root finder raised "f(a) and f(b) must have different signs".
    params = {"c": 0.0, "a": 0.5, "p2": 5.946035575013605}
    kw = {"params": params, "initial": {"IL": 1.0}, "regimen": bolus("E", 1e6, at=0.0), "rtol": 1e-10, "atol": 1e-10}
    short, long = (iosim.simulate("kirschner_panetta1998", days, **kw) for days in (1.0, DAYS))
    assert short.ok and long.ok
    assert short.extinctions == long.extinctions == (("T", 0.0),)
    coh = run_cohort("kirschner_panetta1998", 1.0, **kw)
    assert coh[-1, 1] == short.y[-1, 1] == 0.0


# -- convergence as the tolerances shrink -----------------------------------------------------------------

LOOSE_TO_TIGHT = (1e-4, 1e-6, 1e-8)


def assert_converges(errors: list[float], label: str) -> None:
    """Errors at rtol 1e-4, 1e-6, 1e-8 shrink: each is at most the previous one (plus a floor of 1e-9
    for errors that already sit at the reference's own accuracy), and the tightest is at least 10
    times below the loosest unless both are already below 1e-7."""
    for a, b in zip(errors, errors[1:]):
        assert b <= a + 1e-9, f"{label}: error grew as rtol shrank: {errors}"
    assert errors[-1] <= max(errors[0] / 10.0, 1e-7), f"{label}: no convergence: {errors}"


@pytest.mark.parametrize("model_id", MODEL_IDS)
def test_refining_the_tolerances_converges(model_id):
    case = CASES[model_id]
    model = iosim.get_model(model_id)

    @settings(max_examples=6)
    @given(patient=patients(case), regimen=regimens(case, max_doses=2))
    def check(patient, regimen):
        params, initial = patient
        # Reference: DOP853 (an 8th-order method neither engine uses) at rtol 1e-12, atol far below every
        # state's scale: about 1e-11 off (it agreed with Radau at 1e-12 to ~1e-12 while writing the test),
        # while the engines at rtol 1e-8 are about 1e-8 off.
        ref = iosim.simulate(
            model, DAYS, params=params, initial=initial, regimen=regimen, method="DOP853", rtol=1e-12,
            atol=1e-12 * case.scale,
        )  # fmt: skip
        assert ref.ok, ref.message
        errs_ref, errs_coh = [], []
        for rtol in LOOSE_TO_TIGHT:
            y_ref, y_coh = simulate_both(
                model, DAYS, params=params, initial=initial, regimen=regimen, rtol=rtol, atol=rtol * case.scale
            )
            errs_ref.append(scaled_error(y_ref, ref.y))
            errs_coh.append(scaled_error(y_coh, ref.y))
        assert_converges(errs_ref, f"{model_id} reference engine")
        assert_converges(errs_coh, f"{model_id} cohort engine")

    check()


@settings(max_examples=15)
@given(params=pk_params, ratio=st.one_of(st.floats(1.5, 50.0), st.floats(0.02, 0.67)), regimen=pk_regimens())
def test_refining_the_tolerances_converges_to_the_closed_form(params, ratio, regimen):
    params = {"ke": params["ke"], "ka": params["ke"] * ratio}  # ka apart from ke: the closed form is well conditioned
    exact = pk_exact(np.arange(0.0, DAYS + 1.0), params["ka"], params["ke"], regimen)
    errs_ref, errs_coh = [], []
    for rtol in LOOSE_TO_TIGHT:
        y_ref, y_coh = simulate_both(PK, DAYS, params=params, initial={}, regimen=regimen, rtol=rtol, atol=rtol)
        errs_ref.append(scaled_error(y_ref, exact))
        errs_coh.append(scaled_error(y_coh, exact))
    assert_converges(errs_ref, "pk reference engine")
    assert_converges(errs_coh, "pk cohort engine")
    assert errs_ref[-1] <= 1e-5 and errs_coh[-1] <= 1e-5  # at rtol 1e-8, close to the exact solution
