"""``iosim cohort --resume``: an interrupted run keeps its finished chunks; other inputs are refused."""

from __future__ import annotations

import pandas as pd
import pytest

import iosim.cohort.parts as parts_module
from iosim.cli.main import run


def _cli(args):
    with pytest.raises(SystemExit) as exit_info:
        run(args)
        raise SystemExit(0)
    return exit_info.value.code


@pytest.fixture
def interrupted(tmp_path, monkeypatch):
    """A run of 5 patients in chunks of 2, interrupted after its first two chunks were written."""
    src = tmp_path / "p.csv"
    pd.DataFrame({"a": [0.1, 0.15, 0.2, 0.25, 0.3]}).to_csv(src, index=False)
    args = ["cohort", "kuznetsov1994", "--params", str(src), "--days", "10", "--chunk-size", "2"]
    out = tmp_path / "o.parquet"
    real, written = parts_module.write_part, []

    def stop_after_two(parts, k, table, failed):
        if len(written) == 2:
            raise KeyboardInterrupt  # as if Ctrl-C arrived while the third chunk was being written
        real(parts, k, table, failed)
        written.append(k)

    monkeypatch.setattr(parts_module, "write_part", stop_after_two)
    assert _cli([*args, "--out", str(out)]) == 130
    monkeypatch.setattr(parts_module, "write_part", real)
    return args, src, out


def _one_line_error(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    return err


def test_resume_keeps_finished_chunks_and_equals_an_uninterrupted_run(interrupted, tmp_path, monkeypatch):
    args, _, out = interrupted
    parts = tmp_path / ".o.parquet.parts"
    assert sorted(p.name for p in parts.glob("part-*")) == ["part-000000.parquet", "part-000001.parquet"]
    assert not out.exists()
    computed = []
    real = parts_module.write_part
    monkeypatch.setattr(parts_module, "write_part", lambda parts, k, *rest: (computed.append(k), real(parts, k, *rest)))
    assert _cli([*args, "--out", str(out), "--resume"]) == 0
    assert computed == [2]  # only the missing chunk (patient 4) was simulated again
    assert not parts.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["o.parquet", "p.csv"]
    assert _cli([*args, "--out", str(tmp_path / "ref.parquet")]) == 0
    pd.testing.assert_frame_equal(pd.read_parquet(out), pd.read_parquet(tmp_path / "ref.parquet"), check_exact=True)


def test_without_resume_an_interrupted_run_is_an_error_not_deleted(interrupted, tmp_path, capsys):
    args, _, out = interrupted
    capsys.readouterr()
    assert _cli([*args, "--out", str(out)]) == 2
    err = _one_line_error(capsys)
    assert "--resume" in err and "2 finished chunks" in err
    assert len(list((tmp_path / ".o.parquet.parts").glob("part-*.parquet"))) == 2 and not out.exists()


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (["--days", "12"], "--days"),
        (["--chunk-size", "3"], "--chunk-size"),
        (["--dose", "E:1e5@5"], "--dose"),
        (["--final-only"], "--final-only"),
        ("params", "--params"),
    ],
)
def test_resume_with_other_inputs_is_refused(interrupted, tmp_path, capsys, change, named):
    args, src, out = interrupted
    if change == "params":
        pd.DataFrame({"a": [0.1, 0.15, 0.2, 0.25, 0.31]}).to_csv(src, index=False)  # one value changed
        change = []
    capsys.readouterr()
    assert _cli([*args, *change, "--out", str(out), "--resume"]) == 2
    err = _one_line_error(capsys)
    assert named in err and "delete" in err
    assert not out.exists() and len(list((tmp_path / ".o.parquet.parts").glob("part-*.parquet"))) == 2


def test_a_folder_without_finished_parts_does_not_block_a_new_run(tmp_path):
    src = tmp_path / "p.csv"
    pd.DataFrame({"a": [0.1, 0.2]}).to_csv(src, index=False)
    parts = tmp_path / ".o.parquet.parts"
    parts.mkdir()
    (parts / "manifest.json").write_text("{}")  # killed after creating the folder, before any part
    (parts / "part-000000.parquet.tmp").write_bytes(b"PAR1")  # and a part cut off mid-write
    args = ["cohort", "kuznetsov1994", "--params", str(src), "--days", "5", "--out", str(tmp_path / "o.parquet")]
    assert _cli(args) == 0
    assert len(pd.read_parquet(tmp_path / "o.parquet")) == 2 * 6 and not parts.exists()


def test_patients_that_failed_before_the_interruption_are_still_reported(tmp_path, monkeypatch, capsys):
    src = tmp_path / "p.csv"
    # Patient 0 starts at 1e300 cells: the integrator stops it (step_too_small) in the first chunk.
    pd.DataFrame({"a": [0.1, 0.2, 0.3], "T": [1e300, 1e6, 1e6]}).to_csv(src, index=False)
    args = ["cohort", "kuznetsov1994", "--params", str(src), "--days", "10", "--chunk-size", "1",
            "--out", str(tmp_path / "o.parquet")]  # fmt: skip
    real = parts_module.write_part

    def stop_after_first(parts, k, *rest):
        if k == 1:
            raise KeyboardInterrupt
        real(parts, k, *rest)

    monkeypatch.setattr(parts_module, "write_part", stop_after_first)
    assert _cli(args) == 130
    monkeypatch.setattr(parts_module, "write_part", real)
    capsys.readouterr()
    assert _cli([*args, "--resume"]) == 0
    assert "1 of 3 patients did not finish (1 step_too_small)" in capsys.readouterr().err
    assert pd.read_parquet(tmp_path / "o.parquet").query("patient == 0")["T"].isna().any()
