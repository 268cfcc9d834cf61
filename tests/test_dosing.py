"""Doses are exact discontinuities: checked against closed-form one-compartment kinetics."""

import math

import numpy as np
import pytest

import iosim
from iosim.dosing import Bolus, Regimen, bolus, infusion, parse_dose, set_state
from iosim.errors import DosingError, UnknownNameError
from iosim.model import ModelBuilder, Reference


@pytest.fixture(scope="module")
def pk():
    b = ModelBuilder("pk1", "one-compartment elimination", reference=Reference("test model"))
    A = b.state("A", "ug/mL", "drug concentration", initial=0.0)
    k = b.parameter("k", math.log(2) / 20, "1/day", "elimination rate", source="chosen: half-life 20 days")
    b.equation(A, -k * A)
    return b.build()


def test_repeated_boluses_match_superposed_exponentials(pk):
    k = math.log(2) / 20
    reg = bolus("A", 40.0, at=0, every=21, count=18)
    r = iosim.simulate(pk, 365, regimen=reg, rtol=1e-10, atol=1e-12)
    t = r.t
    exact = sum(40.0 * np.exp(-k * (t - 21 * i)) * (t >= 21 * i) for i in range(18))
    np.testing.assert_allclose(r["A"], exact, rtol=1e-7)
    # At a dose time the reported value is the post-dose one.
    assert r.at("A", 21) == pytest.approx(40 + 40 * math.exp(-k * 21), rel=1e-8)


def test_infusion_matches_closed_form(pk):
    k = math.log(2) / 20
    r = iosim.simulate(pk, 30, regimen=infusion("A", amount=10.0, duration=2.0, at=5), rtol=1e-10, atol=1e-12)
    rate = 5.0
    during = rate / k * (1 - np.exp(-k * (r.t - 5)))
    after = rate / k * (1 - math.exp(-k * 2)) * np.exp(-k * (r.t - 7))
    exact = np.where(r.t < 5, 0.0, np.where(r.t <= 7, during, after))
    np.testing.assert_allclose(r["A"], exact, rtol=1e-7, atol=1e-10)


def test_set_event_overrides_the_state(pk):
    r = iosim.simulate(pk, 10, regimen=bolus("A", 5.0) + set_state("A", 100.0, at=4))
    assert r.at("A", 4) == 100.0
    assert r.at("A", 3) < 5.0


def test_a_zero_dose_equals_no_dose(pk):
    a = iosim.simulate(pk, 10, initial={"A": 3.0})
    b = iosim.simulate(pk, 10, initial={"A": 3.0}, regimen=bolus("A", 0.0, at=2))
    np.testing.assert_allclose(a["A"], b["A"], rtol=1e-7)


def test_regimen_text_form():
    reg = parse_dose("A:40@0,every=21,count=3")
    assert [e.time for e in reg] == [0, 21, 42] and all(isinstance(e, Bolus) for e in reg)
    inf = parse_dose("A:10@1,over=0.5")
    assert inf.events[0].rate == 20.0
    assert parse_dose("T=1e6@100").events[0].value == 1e6


@pytest.mark.parametrize(
    "spec",
    ["A", "A:1", "A:x@1", "A:1@-2", "A:1@0,every=0,count=2", "A:1@0,count=2", "A:1@0,bogus=1", "A:1@0,count=1.5"],
)
def test_malformed_doses_raise_dosing_errors(spec):
    with pytest.raises(DosingError):
        parse_dose(spec)


def test_overlapping_infusions_and_negative_amounts_are_refused():
    with pytest.raises(DosingError):
        infusion("A", amount=1.0, duration=3.0, every=2.0, count=2)
    with pytest.raises(DosingError):
        bolus("A", -1.0)


def test_unknown_state_in_regimen(pk):
    with pytest.raises(UnknownNameError):
        iosim.simulate(pk, 5, regimen=bolus("Z", 1.0))


def test_regimens_combine_and_sort():
    reg = bolus("A", 1.0, at=5) + bolus("A", 2.0, at=1)
    assert [e.time for e in reg] == [1.0, 5.0]
    assert isinstance(reg, Regimen) and reg.total("A") == 3.0


def test_an_infusion_ending_a_rounding_before_the_end_does_not_break_either_engine():
    # 58.99999999999999 + 1.0 ends ~7e-15 days before day 60: a last segment no solver can cross.
    from iosim.cohort import simulate_cohort

    zero = iosim.bolus("E", 0.0, at=58.99999999999999) + iosim.infusion("E", rate=0.0, duration=1.0,
                                                                         at=58.99999999999999)  # fmt: skip
    ref = iosim.simulate("kuznetsov1994", 60, regimen=zero, extinction=False)
    plain = iosim.simulate("kuznetsov1994", 60, extinction=False)
    assert ref.ok
    np.testing.assert_allclose(ref.y[-1], plain.y[-1], rtol=1e-7)
    coh = simulate_cohort("kuznetsov1994", 60, regimen=zero, extinction=False)
    assert coh.status[0] == "ok"
    np.testing.assert_allclose(coh.y[0, -1], plain.y[-1], rtol=1e-5)
