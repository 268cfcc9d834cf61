"""``iosim trial`` and ``iosim cohort`` write outputs only where they should and only once they can
run: a trial named ``..``, an unreachable scheduler and an error inside the run leave one line
and no folder (issue 18)."""

from __future__ import annotations

import json

import pytest

from ._contract import run_cli

SPEC = {"name": "t", "cancer": "melanoma", "seed": 1, "patients_per_arm": 2, "follow_up_months": 6,
        "arms": [{"name": "control"}]}  # fmt: skip


def _spec(tmp_path, **changes):
    path = tmp_path / "spec.yaml"
    path.write_text(json.dumps(SPEC | changes))  # JSON is YAML
    return path


def _one_error_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("iosim: error: "), err
    return lines[0]


@pytest.mark.parametrize("name", ["..", "."])
def test_a_trial_named_dot_dot_does_not_write_into_the_parent_folder(tmp_path, monkeypatch, name):
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    code, _, err = run_cli(["trial", str(_spec(tmp_path, name=name))])
    assert code == 2
    assert f"trial name {name!r} cannot name its output folder" in _one_error_line(err)
    assert list(work.iterdir()) == [] and sorted(p.name for p in tmp_path.iterdir()) == ["spec.yaml", "work"]


def test_an_unreachable_scheduler_leaves_no_store_behind(tmp_path):
    # Before: results.duckdb was created first, so the rerun needed --resume.
    out = tmp_path / "out" / "t"
    code, _, err = run_cli(["trial", str(_spec(tmp_path)), "--out", str(out), "--scheduler", "tcp://127.0.0.1:1"])
    assert code == 2
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:1" in _one_error_line(err)
    assert not (tmp_path / "out").exists()


def test_an_error_inside_the_run_prints_one_line_and_removes_the_folder_it_made(tmp_path, monkeypatch):
    from iosim.errors import SimulationError
    from iosim.trials import runner

    def fails(*args, **kwargs):
        raise SimulationError("the solver stopped")

    monkeypatch.setattr(runner, "simulate_chunk", fails)
    out = tmp_path / "new" / "t"
    code, _, err = run_cli(["trial", str(_spec(tmp_path)), "--out", str(out)])
    assert code == 1
    assert _one_error_line(err) == "iosim: error: numerical failure: the solver stopped"  # no progress bar above
    assert not (tmp_path / "new").exists()


def test_a_folder_that_existed_before_is_kept(tmp_path, monkeypatch):
    from iosim.errors import SimulationError
    from iosim.trials import runner

    monkeypatch.setattr(runner, "simulate_chunk", lambda *a, **k: (_ for _ in ()).throw(SimulationError("x")))
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    code, _, _ = run_cli(["trial", str(_spec(tmp_path)), "--out", str(out)])
    assert code == 1
    assert (out / "notes.txt").read_text() == "keep me"


def test_a_store_that_refuses_the_folder_is_the_only_line(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "results.duckdb").write_bytes(b"")
    code, _, err = run_cli(["trial", str(_spec(tmp_path)), "--out", str(out)])
    assert code == 2
    _one_error_line(err)


def test_cohort_with_an_unreachable_scheduler_leaves_no_parts_behind(tmp_path):
    params = tmp_path / "patients.csv"
    params.write_text("s\n0.1181\n")
    out = tmp_path / "cohort.parquet"
    code, _, err = run_cli(["cohort", "kuznetsov1994", "--params", str(params), "--days", "5", "--out", str(out),
                            "--scheduler", "tcp://127.0.0.1:1"])  # fmt: skip
    assert code == 2 and "cannot reach the Dask scheduler" in _one_error_line(err)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["patients.csv"]
