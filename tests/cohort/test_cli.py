"""``iosim cohort``: a table in, a streamed Parquet table out, one-line errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import iosim
from iosim.cli.main import run
from iosim.cohort import simulate_cohort


def _cli(args):
    with pytest.raises(SystemExit) as exit_info:
        run(args)
        raise SystemExit(0)
    return exit_info.value.code


def test_cohort_command_writes_patients_in_order(tmp_path, capsys):
    params = pd.DataFrame({"patient": ["p3", "p1", "p2"], "a": [0.18, 0.2, 0.15], "T": [1e6, 2e6, 5e5]})
    src = tmp_path / "patients.parquet"
    params.to_parquet(src)
    out = tmp_path / "cohort.parquet"
    code = _cli(["cohort", "kuznetsov1994", "--params", str(src), "--days", "20", "--dose", "E:1e5@5",
                 "--chunk-size", "2", "--out", str(out)])  # fmt: skip
    assert code == 0
    table = pd.read_parquet(out)
    assert list(table.columns) == ["patient", "time", "E", "T"]
    assert table["patient"].unique().tolist() == ["p3", "p1", "p2"] and len(table) == 3 * 21
    api = simulate_cohort(
        "kuznetsov1994", 20, params={"a": params["a"]}, initial={"T": params["T"]}, regimen=iosim.parse_dose("E:1e5@5")
    )
    np.testing.assert_array_equal(table["T"].to_numpy(), api.y[:, :, 1].reshape(-1))


def test_final_only_and_csv_input(tmp_path):
    src = tmp_path / "p.csv"
    pd.DataFrame({"a": [0.1, 0.2]}).to_csv(src, index=False)
    out = tmp_path / "final.parquet"
    assert (
        _cli(["cohort", "kuznetsov1994", "--params", str(src), "--days", "10", "--final-only", "--out", str(out)]) == 0
    )
    table = pd.read_parquet(out)
    assert table["time"].tolist() == [10.0, 10.0] and table["patient"].tolist() == [0, 1]


def test_unknown_column_is_a_one_line_error(tmp_path, capsys):
    src = tmp_path / "p.csv"
    pd.DataFrame({"a": [0.1], "bogus": [1.0]}).to_csv(src, index=False)
    code = _cli(["cohort", "kuznetsov1994", "--params", str(src), "--days", "10", "--out", str(tmp_path / "o.parquet")])
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert "bogus" in err and len(err.splitlines()) == 1
    assert not (tmp_path / "o.parquet").exists()


def test_dask_cluster_writes_the_same_table(tmp_path):
    rng = np.random.default_rng(3)
    src = tmp_path / "p.parquet"
    pd.DataFrame({"a": rng.uniform(0.1, 0.2, 30), "T": rng.uniform(1e5, 1e8, 30)}).to_parquet(src)
    common = ["cohort", "kuznetsov1994", "--params", str(src), "--days", "30", "--dose", "E:1e5@5", "--chunk-size", "4"]
    assert _cli([*common, "--out", str(tmp_path / "one.parquet")]) == 0
    assert _cli([*common, "--workers", "2", "--cluster", "local", "--out", str(tmp_path / "dask.parquet")]) == 0
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "one.parquet"), pd.read_parquet(tmp_path / "dask.parquet"))


def test_bad_scheduler_address_is_a_one_line_error(tmp_path, capsys):
    src = tmp_path / "p.csv"
    pd.DataFrame({"a": [0.1]}).to_csv(src, index=False)
    code = _cli(["cohort", "kuznetsov1994", "--params", str(src), "--days", "5", "--scheduler", "localhost:8786",
                 "--out", str(tmp_path / "o.parquet")])  # fmt: skip
    err = capsys.readouterr().err.strip()
    assert code == 2 and "tcp://" in err and len(err.splitlines()) == 1
