"""Fuzzing dose texts: ``--dose STATE:AMOUNT@DAY,...`` and clinical regimens ``3mg/kg-q2w-x4``.

Texts are built from the grammar with extreme numbers in every slot (so that most parse and
reach the schedule code), and also drawn as arbitrary text. A text that parses must give a
bounded number of finite doses.
"""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from iosim.dosing import parse_dose
from iosim.dosing.parse import MAX_DOSES as MAX_DOSE_EVENTS
from iosim.therapy.regimens import MAX_DOSES, parse_regimen
from iosim.therapy.units import Patient

from ._contract import outcome

NUMBER_TEXT = st.one_of(
    st.sampled_from(
        ["0", "1", "-1", "1e999", "nan", "inf", "-inf", "1e-300", "1e308", "99999999999", "0.5", "1e9", "", "x", "1e-5"]
    ),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.integers(-(10**12), 10**12).map(str),
)
DIGITS = st.one_of(
    st.sampled_from(["0", "1", "2", "14", "99999999999", "00", "0.00001"]), st.integers(0, 10**6).map(str)
)


@st.composite
def dose_texts(draw) -> str:
    head = f"{draw(st.sampled_from(['T', 'E', 'x', '_', '1a', '']))}{draw(st.sampled_from([':', '=', '']))}"
    text = f"{head}{draw(NUMBER_TEXT)}@{draw(NUMBER_TEXT)}"
    for _ in range(draw(st.integers(0, 3))):
        key = draw(st.sampled_from(["every", "count", "over", "bogus", ""]))
        text += f",{key}={draw(NUMBER_TEXT)}"
    return text


@st.composite
def regimen_texts(draw) -> str:
    def segment() -> str:
        unit = draw(st.sampled_from(["mg", "mg/kg", "mg/m2", "IU/kg", "MIU/m2", "cells/kg", "mIU", "kg", "mg/m^2"]))
        freq = draw(st.sampled_from(["once", "qd", "tiw", "qw", "q", "qh"]))
        if freq in ("q", "qh"):
            freq = f"q{draw(DIGITS)}{draw(st.sampled_from(['h', 'd', 'w']))}"
        text = f"{draw(DIGITS)}{unit}-{freq}"
        if draw(st.booleans()):
            text += f"-x{draw(DIGITS)}"
        if draw(st.booleans()):
            text += f"-{draw(DIGITS)}cycles"
        if draw(st.booleans()):
            text += f"-cycle{draw(DIGITS)}d"
        if draw(st.booleans()):
            text += f"@{draw(DIGITS)}d"
        return text

    return ",".join(segment() for _ in range(draw(st.integers(1, 3))))


@settings(max_examples=150)
@given(st.one_of(dose_texts(), st.text(max_size=30)))
def test_dose_texts_parse_or_fail_with_one_line(text):
    regimen, _ = outcome(parse_dose, text)
    if regimen is not None:
        assert 1 <= len(regimen) <= MAX_DOSE_EVENTS
        assert all(math.isfinite(e.time) and e.time >= 0 for e in regimen)


@settings(max_examples=150)
@given(st.one_of(regimen_texts(), st.text(max_size=30)), st.sampled_from([1.0, 730.0, 7305.0, 1e12]))
def test_regimen_texts_parse_or_fail_with_one_line(text, horizon):
    spec, _ = outcome(parse_regimen, text)
    if spec is None:
        return
    doses, _ = outcome(spec.absolute_doses, Patient(70.0, 170.0), horizon)
    if doses is not None:
        assert len(doses) <= MAX_DOSES * len(spec.segments)
        assert all(math.isfinite(t) and 0 <= t <= horizon + 1e-6 and math.isfinite(a) and a > 0 for t, a, _ in doses)
