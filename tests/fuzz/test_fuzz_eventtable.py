"""Fuzzing NONMEM / nlmixr2 event tables (``iosim.exchange.regimen_from_table``).

Tables are drawn column by column from the NONMEM names (in any case, plus unknown ones)
with values that break naive readers: missing cells (``.``), text, NaN, infinities,
negative and fractional counts, huge ADDL. They are also written as CSV text and read back
with pandas, as a user's file would be. A table that reads must give finite, non-negative
dose times into states of the model.
"""

from __future__ import annotations

import io
import math

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

import iosim
from iosim.exchange import regimen_from_table

from ._contract import outcome
from ._strategies import NASTY_NUMBERS

MODEL = iosim.get_model("kuznetsov1994")  # states E (CMT 1) and T (CMT 2)
COLUMNS = ["ID", "TIME", "AMT", "EVID", "CMT", "DV", "MDV", "RATE", "DUR", "ADDL", "II", "time", "Cmt", "WT", "X"]
CELL = st.one_of(
    st.sampled_from([*NASTY_NUMBERS, ".", "", "E", "T", "Q", "1", "2", "3", "x", None, 4, 2, 3, 1e6, 0.5]),
    st.integers(-3, 5),
    st.floats(min_value=-10, max_value=1e3),
)


@st.composite
def event_tables(draw) -> pd.DataFrame:
    rows = draw(st.integers(0, 4))
    names = draw(st.lists(st.sampled_from(COLUMNS), min_size=1, max_size=7))
    # Mostly the required columns present, so that the row checks are reached.
    if draw(st.integers(0, 3)):
        names = ["TIME", "AMT", "CMT", *names]
    columns = {}
    for k, name in enumerate(names):  # a repeated name is kept (as pandas would read "TIME,TIME")
        columns[(name, k)] = draw(st.lists(CELL, min_size=rows, max_size=rows))
    df = pd.DataFrame({k: v for k, v in columns.items()})
    df.columns = [name for name, _ in columns]
    return df


def _check(regimen) -> None:
    for e in regimen:
        assert math.isfinite(e.time) and e.time >= 0
        assert e.state in MODEL.state_names


@settings(max_examples=150)
@given(event_tables(), st.sampled_from([None, 1, "1", 2.0, "x"]))
def test_event_tables_read_or_fail_with_one_line(df, subject):
    regimen, _ = outcome(regimen_from_table, df, MODEL, id=subject)
    if regimen is not None:
        _check(regimen)


@settings(max_examples=80)
@given(event_tables())
def test_event_table_csv_files_read_or_fail_with_one_line(df):
    """The same tables through a CSV file, where every odd value becomes text or NaN."""
    text = df.to_csv(index=False)
    regimen, _ = outcome(regimen_from_table, pd.read_csv(io.StringIO(text)) if text.strip() else df, MODEL)
    if regimen is not None:
        _check(regimen)


@settings(max_examples=40)
@given(st.sampled_from([[1], {"a": 1}, (1, 2), {1, 2}]), st.sampled_from(["ID", "CMT", "TIME", "AMT"]))
def test_unhashable_and_container_cells(cell, column):
    """Cells holding lists or mappings (a table built in Python, or read from JSON)."""
    df = pd.DataFrame({"ID": [1], "TIME": [0.0], "AMT": [1.0], "CMT": [1]})
    df[column] = pd.Series([cell], dtype=object)
    regimen, _ = outcome(regimen_from_table, df, MODEL)
    if regimen is not None:
        _check(regimen)
