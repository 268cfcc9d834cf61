"""``iosim stochastic`` and ``iosim surveillance``, run in-process (the kernels stay loaded)."""

from __future__ import annotations

import pandas as pd
import pytest

from iosim.cli.main import run


def cli(capsys, *args: str) -> tuple[int, str, str]:
    try:
        run(list(args))
        code = 0
    except SystemExit as e:
        code = int(e.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_stochastic_writes_replicates_summary_and_extinctions(tmp_path, capsys):
    traj, summ, ext = tmp_path / "t.csv", tmp_path / "s.parquet", tmp_path / "e.csv"
    args = ["stochastic", "kuznetsov1994", "--replicates", "6", "--days", "10", "--method", "hybrid", "--seed", "3"]
    code, _, err = cli(capsys, *args, "--init", "T=2", "--out", str(traj), "--extinction-out", str(ext))
    assert code == 0, err
    df = pd.read_csv(traj)
    assert list(df.columns) == ["replicate", "time", "E", "T"] and len(df) == 6 * 11
    assert "note: T extinct at day 10 in" in err and "Wilson" in err
    e = pd.read_csv(ext)
    assert list(e["status"]) == ["ok"] * 6 and "extinction_time_T" in e.columns
    # The tumour is extinct at the end exactly when it has an extinction time.
    last = df[df.time == 10.0].set_index("replicate")["T"]
    assert ((last == 0) == e["extinction_time_T"].notna()).all()
    code, _, err = cli(capsys, *args, "--init", "T=2", "--summary", "--out", str(summ))
    assert code == 0, err
    s = pd.read_parquet(summ)
    assert {"time", "state", "mean", "sd", "median", "q95"} <= set(s.columns)
    same = pd.read_csv(traj)  # the same seed reproduces the replicates
    code, _, _ = cli(capsys, *args, "--init", "T=2", "--out", str(traj))
    pd.testing.assert_frame_equal(same, pd.read_csv(traj))


def test_stochastic_refuses_an_equation_model_with_ssa(capsys, tmp_path):
    code, _, err = cli(
        capsys, "stochastic", "kimmel2021", "--replicates", "2", "--days", "3", "--out", str(tmp_path / "x.csv")
    )
    assert code == 2
    assert err.startswith("iosim: error:") and "hybrid" in err and err.count("\n") == 1


def test_surveillance_with_a_treated_arm(tmp_path, capsys):
    out, fig = tmp_path / "sv.csv", tmp_path / "sv.png"
    code, _, err = cli(
        capsys, "surveillance", "--model", "kuznetsov1994", "--sizes", "1,3", "--replicates", "80", "--days", "40",
        "--seed", "9", "--dose", "E:1e6@0", "--out", str(out), "--plot", str(fig),
    )  # fmt: skip
    assert code == 0, err
    df = pd.read_csv(out)
    assert list(df.columns[:7]) == [
        "arm",
        "initial_cells",
        "replicates",
        "eliminated",
        "p_elimination",
        "ci_low",
        "ci_high",
    ]
    assert set(df.arm) == {"control", "treated"}
    p = df.set_index(["arm", "initial_cells"])["p_elimination"]
    assert p["treated", 1] > p["control", 1] and p["treated", 3] > p["control", 3]
    assert fig.stat().st_size > 10_000


def test_surveillance_rejects_bad_sizes(tmp_path, capsys):
    code, _, err = cli(
        capsys, "surveillance", "--sizes", "1,ten", "--replicates", "5", "--out", str(tmp_path / "x.csv")
    )
    assert code == 2 and "--sizes" in err


@pytest.mark.slow
def test_surveillance_on_the_flagship_model(tmp_path, capsys):
    out = tmp_path / "core.csv"
    code, _, err = cli(
        capsys, "surveillance", "--cancer", "melanoma", "--sizes", "1", "--replicates", "10", "--days", "5",
        "--seed", "1", "--out", str(out),
    )  # fmt: skip
    assert code == 0, err
    df = pd.read_csv(out)
    assert df["replicates"].iloc[0] == 10 and 0.0 <= df["p_elimination"].iloc[0] <= 1.0
