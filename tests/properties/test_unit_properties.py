"""Dose-unit conversions (``iosim.therapy.units``): round trips, linearity and the patient's covariates.

Tolerances: a conversion is at most three floating-point operations each way (the factor, the weight
or BSA, the division back), each exact to half an ulp (1.1e-16 relative), so a round trip is off by
a few 1e-16; ``REL = 1e-14`` leaves a margin of about 20.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iosim.dosing import Bolus, Regimen
from iosim.errors import DosingError, InputError
from iosim.therapy.regimens import parse_regimen
from iosim.therapy.units import _ALIASES, UNITS, Patient, bsa_mosteller, from_absolute, normalise_unit, to_absolute

REL = 1e-14

#: Every spelling the module accepts: canonical names and aliases.
SPELLINGS = sorted(UNITS) + sorted(_ALIASES)
units = st.sampled_from(SPELLINGS)
# Plausible covariates: a 3 kg newborn to a 250 kg adult, 45 to 230 cm (inside Patient's own limits).
weights = st.floats(3.0, 250.0)
heights = st.floats(45.0, 230.0)
patients = st.builds(Patient, weight_kg=weights, height_cm=heights)
# From 1 µg/kg of an antibody to 1e12 CAR-T cells: the conversions must not care about magnitude.
amounts = st.floats(1e-3, 1e12)
factors = st.floats(1e-3, 1e3)


@settings(max_examples=200)
@given(unit=units, amount=amounts, patient=patients)
def test_to_absolute_and_back_recovers_the_dose(unit, amount, patient):
    value, base = to_absolute(amount, unit, patient)
    assert base == UNITS[normalise_unit(unit)][0]
    assert from_absolute(value, unit, patient) == pytest.approx(amount, rel=REL)
    # and the other way round: an absolute amount expressed per kg / per m² and converted back
    assert to_absolute(from_absolute(amount, unit, patient), unit, patient)[0] == pytest.approx(amount, rel=REL)


@settings(max_examples=100)
@given(unit=units, amount=amounts, k=factors, patient=patients)
def test_conversion_is_linear_in_the_amount(unit, amount, k, patient):
    once = to_absolute(amount, unit, patient)[0]
    assert to_absolute(k * amount, unit, patient)[0] == pytest.approx(k * once, rel=REL)


@settings(max_examples=100)
@given(amount=amounts, weight=weights, h1=heights, h2=heights, k=st.floats(0.25, 4.0))
def test_each_kind_of_dose_depends_on_the_right_covariate(amount, weight, h1, h2, k):
    a, b = Patient(weight, h1), Patient(weight, h2)
    # flat doses: neither weight nor height, and no height needed at all
    for unit in ("mg", "IU", "MIU", "cells"):
        assert to_absolute(amount, unit, a) == to_absolute(amount, unit, Patient(min(4 * weight, 400.0)))
    # per kg: proportional to weight, blind to height
    for unit in ("mg/kg", "IU/kg", "cells/kg"):
        assert to_absolute(amount, unit, a) == to_absolute(amount, unit, b)
        assert to_absolute(amount, unit, a)[0] == pytest.approx(amount * weight, rel=REL)
    # per m²: Mosteller's BSA, written independently as sqrt(h * w) / 60
    bsa = math.sqrt(h1 * weight) / 60.0
    assert to_absolute(amount, "mg/m2", a)[0] == pytest.approx(amount * bsa, rel=REL)
    assert to_absolute(amount, "MIU/m2", a)[0] == pytest.approx(amount * 1e6 * bsa, rel=REL)
    # BSA grows with the square root of weight (Mosteller): k times the weight, sqrt(k) times the dose
    heavier = Patient(weight * k, h1) if 2.0 <= weight * k <= 400.0 else a
    ratio = to_absolute(amount, "mg/m2", heavier)[0] / to_absolute(amount, "mg/m2", a)[0]
    assert ratio == pytest.approx(math.sqrt(heavier.weight_kg / weight), rel=REL)


@settings(max_examples=100)
@given(amount=amounts, patient=patients)
def test_million_units_are_a_million_units(amount, patient):
    assert to_absolute(amount, "MIU", patient)[0] == pytest.approx(to_absolute(amount * 1e6, "IU", patient)[0], rel=REL)
    assert bsa_mosteller(patient.weight_kg, patient.height_cm) == patient.bsa_m2


@settings(max_examples=100)
@given(alias=st.sampled_from(sorted(_ALIASES)), amount=amounts, patient=patients, pad=st.sampled_from(["", " ", "\t"]))
def test_aliases_convert_exactly_like_their_unit(alias, amount, patient, pad):
    canonical = _ALIASES[alias]
    assert normalise_unit(pad + alias + pad) == canonical
    assert to_absolute(amount, alias, patient) == to_absolute(amount, canonical, patient)


@settings(max_examples=100)
@given(unit=units, amount=amounts, patient=patients, every=st.integers(1, 28), count=st.integers(1, 6))
def test_regimen_strings_carry_the_amount_unchanged(unit, amount, patient, every, count):
    # repr() of a float reads back to the same float, so the regimen text loses nothing
    spec = parse_regimen(f"{amount!r}{unit}-q{every}d-x{count}")
    doses = spec.absolute_doses(patient)
    expected = to_absolute(amount, unit, patient)
    assert [(t, v, b) for t, v, b in doses] == [(float(k * every), *expected) for k in range(count)]
    assert spec.base_unit == expected[1]


@settings(max_examples=60)
@given(weight=st.lists(weights, min_size=1, max_size=5), height=heights, amount=amounts)
def test_trial_dose_scaling_matches_the_single_patient_conversion(weight, height, amount):
    # A trial arm scales a reference patient's doses per patient; it must give the dose that
    # to_absolute gives that patient directly (mg/kg on weight, mg/m² on BSA).
    from iosim.model import ModelBuilder, Reference
    from iosim.trials.arms import REFERENCE, ArmPlan

    b = ModelBuilder("scaling_probe", "two dosed states", reference=Reference("iosim property tests"))
    b.state("W", "mg", "dosed by weight", kind="amount")
    b.state("S", "mg", "dosed by body-surface area", kind="amount")
    model = b.build()
    plan = ArmPlan(model, {}, Regimen(), {"W": "weight", "S": "bsa"}, ())
    scale = plan.dose_scale(np.asarray(weight), np.full(len(weight), height))
    ref = Patient(REFERENCE["weight_kg"], REFERENCE["height_cm"])
    for i, w in enumerate(weight):
        p = Patient(w, height)
        for j, unit in enumerate(("mg/kg", "mg/m2")):
            direct = to_absolute(amount, unit, p)[0] / to_absolute(amount, unit, ref)[0]
            assert scale[i, j] == pytest.approx(direct, rel=1e-12)  # two independent BSA computations


@settings(max_examples=60)
@given(unit=units, bad=st.sampled_from([0.0, -1.0, math.inf, -math.inf, math.nan]), patient=patients)
def test_non_positive_or_non_finite_amounts_are_refused(unit, bad, patient):
    with pytest.raises(DosingError):
        to_absolute(bad, unit, patient)
    with pytest.raises(DosingError):
        from_absolute(bad, unit, patient)


def _recase(text: str, upper: list[bool]) -> str:
    return "".join(c.upper() if u else c.lower() for c, u in zip(text, upper + [False] * len(text)))


unit_texts = st.one_of(
    st.builds(_recase, st.sampled_from(SPELLINGS), st.lists(st.booleans(), max_size=8)),
    st.text(max_size=10),
)


@settings(max_examples=200)
@given(text=unit_texts)
def test_an_accepted_unit_is_the_unit_it_spells(text):
    # Any text either raises DosingError or names the unit it spells, ignoring case: no text is
    # silently read as a different unit (the one exception the module refuses: "mIU", milli).
    try:
        unit = normalise_unit(text)
    except DosingError as e:
        assert "unit" in str(e)
        return
    assert _spelling(unit) == _spelling(text)
    assert not text.strip().startswith("mIU")


def _spelling(text: str) -> str:
    return text.strip().lower().replace("²", "2").replace("^2", "2")


@pytest.mark.parametrize("unit", ["mIU", "mIU/m2", "mIU/kg"])
def test_milli_iu_is_not_read_as_million_iu(unit):
    with pytest.raises(DosingError, match="milli"):
        normalise_unit(unit)


@settings(max_examples=50)
@given(unit=st.sampled_from(["mg/m2", "MIU/m2", "mg/m^2"]), amount=amounts, weight=weights)
def test_per_m2_doses_need_a_height(unit, amount, weight):
    with pytest.raises(InputError, match="height_cm"):
        to_absolute(amount, unit, Patient(weight))
    with pytest.raises(InputError, match="height_cm"):
        from_absolute(amount, unit, Patient(weight))


@settings(max_examples=50)
@given(w=st.one_of(st.floats(-1e3, 1.99), st.floats(400.01, 1e4), st.just(math.nan)))
def test_implausible_covariates_are_refused(w):
    with pytest.raises(InputError, match="weight_kg"):
        Patient(w)


def test_a_bolus_regimen_keeps_the_converted_amount():
    # the clinical conversion ends in a Regimen of model units: it must keep the amount exactly
    value, _ = to_absolute(3.0, "mg/kg", Patient(82.5, 176.0))
    assert Regimen((Bolus("A", value, 0.0),)).total("A") == value == 3.0 * 82.5
