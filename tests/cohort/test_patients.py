"""The cohort's patient table (``--params``): read exactly, without pandas on the command's path."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from iosim.cohort import arrow
from iosim.cohort.patients import read_patient_table
from iosim.errors import InputError, UnknownNameError
from iosim.models import load

MODEL = load("kuznetsov1994")[0]  # parameters include a, states include T


def test_csv_numbers_read_back_exactly_as_python_reads_them(tmp_path):
    # 17 significant digits round-trip a float only under correct rounding (pandas' default parser
    # is off by a few units in the last place for some of these values).
    values = np.random.default_rng(1).lognormal(size=2000)
    src = tmp_path / "p.csv"
    src.write_text("a\n" + "\n".join(repr(float(v)) for v in values) + "\n")
    table = read_patient_table(MODEL, src)
    assert table.n == 2000 and table.ids is None
    assert np.array_equal(table.params["a"], values)


def test_empty_cells_are_nan_and_states_and_ids_are_split_out(tmp_path):
    src = tmp_path / "p.csv"
    src.write_text("patient,a,T\np1,0.1,\np2,,2e6\n")
    table = read_patient_table(MODEL, src)
    assert list(table.ids) == ["p1", "p2"]
    assert np.isnan(table.params["a"][1]) and table.params["a"][0] == 0.1
    assert np.isnan(table.initial["T"][0]) and table.initial["T"][1] == 2e6


def test_whole_number_ids_stay_integers(tmp_path):
    src = tmp_path / "p.csv"
    src.write_text("patient,a\n7,0.1\n3,0.2\n")
    ids = read_patient_table(MODEL, src).ids
    assert ids is not None and ids.dtype == np.int64 and list(ids) == [7, 3]


def test_text_in_a_number_column_names_the_column(tmp_path):
    src = tmp_path / "p.csv"
    src.write_text("a\n0.1\nfast\n")
    with pytest.raises(InputError, match="column 'a' must hold numbers"):
        read_patient_table(MODEL, src)


def test_unknown_column_and_empty_table_are_input_errors(tmp_path):
    src = tmp_path / "p.csv"
    src.write_text("a,bogus\n0.1,1\n")
    with pytest.raises(UnknownNameError, match="bogus"):
        read_patient_table(MODEL, src)
    src.write_text("a\n")
    with pytest.raises(InputError, match="no rows"):
        read_patient_table(MODEL, src)
    src.write_text("")
    with pytest.raises(InputError, match="cannot read it as csv"):
        read_patient_table(MODEL, src)


def test_parquet_with_a_pandas_index_reads_only_the_columns(tmp_path):
    src = tmp_path / "p.parquet"
    pd.DataFrame({"a": [0.1, 0.2]}, index=pd.Index(["x", "y"], name="row")).to_parquet(src)
    table = read_patient_table(MODEL, src)
    assert list(table.params) == ["a"] and list(table.params["a"]) == [0.1, 0.2]


def test_arrow_table_matches_pyarrow_own_conversion():
    cols = {"patient": np.array([3, 1]), "time": np.array([0.0, 2.5]), "name": np.array(["u", "v"], dtype=object)}
    assert arrow.table(cols).equals(pa.table(cols))
    swapped = np.array([1.5, -2.0], dtype=">f8")  # big-endian (pyarrow refuses it): swapped first
    assert arrow.from_numpy(swapped).to_pylist() == [1.5, -2.0]
    with_nan = arrow.from_numpy(np.array([np.nan, 1.0]))  # NaN stays a value, not a null, as with pa.array
    assert with_nan.null_count == 0 and np.isnan(with_nan.to_pylist()[0])
    sliced = pa.chunked_array([pa.array([1.0, None, 3.0]), pa.array([4.0])]).slice(1)
    assert np.array_equal(arrow.floats(sliced), [np.nan, 3.0, 4.0], equal_nan=True)


#: The command modules ``iosim cohort`` needs: no other command's module is loaded (cli/main.py).
COHORT_CLI = {"main", "app", "common", "cohort", "_progress", "_plain_values"}


def test_cohort_command_imports_no_pandas_and_nothing_unrelated(tmp_path):
    # Each name kept out was start-up time (docs/performance.md): pandas ~0.4 s, libSBML ~0.25 s (a model
    # file comes from the cache of models/_file_cache.py), rich without a terminal, pyarrow.compute
    # (a cast of a column that is float64 already), the other nineteen command modules.
    src = tmp_path / "p.csv"
    src.write_text("patient,a\n1,0.1\n2,0.2\n")
    out = tmp_path / "o.parquet"
    code = (
        "import json, sys\nfrom iosim.cli.main import run\n"
        f"try:\n    run(['cohort', 'kuznetsov1994', '--params', {str(src)!r}, '--days', '5', '--final-only',"
        f" '--out', {str(out)!r}])\nexcept SystemExit:\n    pass\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in"
        " ('pandas', 'matplotlib', 'fastapi', 'starlette', 'sympy', 'duckdb', 'dask', 'rich', 'libsbml', 'antimony')"
        " or m.startswith(('scipy.stats', 'scipy.integrate', 'iosim.web', 'iosim.trials', 'iosim.plots',"
        " 'iosim.sbml', 'pyarrow.compute'))"
        f" or m.startswith('iosim.cli.') and m.split('.')[2] not in {sorted(COHORT_CLI)!r})))"
    )
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          env={**os.environ, "PYTHONPATH": str(root / "src")})  # fmt: skip
    assert pd.read_parquet(out)["patient"].tolist() == [1, 2]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []
