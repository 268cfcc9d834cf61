"""``iosim trial`` killed (SIGKILL) at seeded moments and resumed each time ends with the store of an
uninterrupted run: the same rows and values, no patient lost or duplicated, a file that opens.

Moments, in order (see ``_plan``): during interpreter start-up; as soon as the store file
appears (DuckDB creating it); at or shortly after the n-th write to the store (a statement
of the store's set-up, or a chunk's commit to DuckDB's write-ahead log); and as soon as the
store file grows past its size at launch (DuckDB's checkpoint at close, the last write of a run).
"""

from __future__ import annotations

import random
from pathlib import Path

import pandas as pd
import pytest
from kill_harness import at_once, changes, exists, grows, run_and_kill

from iosim.trials import ResultStore, load_trial_spec, run_trial

SEED = 20250611
PATIENTS, CHUNK = 150, 10  # 2 arms x 15 chunks: enough chunks for every kill to land mid-run
SPEC = f"""\
name: killed
cancer: melanoma
seed: 7
patients_per_arm: {PATIENTS}
follow_up_months: 12
assessment_every_weeks: 8
arms:
  - name: control
    therapies: []
  - name: nivolumab
    therapies: [{{drug: nivolumab, regimen: "3mg/kg-q2w"}}]
"""
TABLES = ("patients", "assessments", "outcomes")


def _plan(rng: random.Random, out: Path):
    """(label, trigger factory, delay) for each kill; factories run at each launch, so they see its files."""
    store, wal = out / "results.duckdb", out / "results.duckdb.wal"
    writes = [(rng.randint(1, 3), 0.0), (rng.randint(2, 5), rng.uniform(0.0, 0.06)), (rng.randint(2, 5), 0.0)]
    return [
        ("start-up", at_once, rng.uniform(0.05, 0.8)),
        ("store creation", lambda: exists(store, out / ".results.duckdb.new"), 0.0),
        *[(f"write {n} + {d * 1e3:.0f} ms", lambda n=n: changes(n, store, wal), d) for n, d in writes],
        ("checkpoint", lambda: grows(store), 0.0),
    ]


def _tables(folder: Path) -> dict[str, pd.DataFrame]:
    with ResultStore(folder / "results.duckdb", read_only=True) as store:
        tables = {name: store.table(name) for name in TABLES}
        tables["chunks"] = store.query("SELECT arm, chunk, n FROM chunks ORDER BY arm, chunk")
        tables["duplicates"] = store.query(
            "SELECT 'patients' t, arm, patient FROM patients GROUP BY arm, patient HAVING count(*) > 1 "
            "UNION ALL SELECT 'outcomes', arm, patient FROM outcomes GROUP BY arm, patient HAVING count(*) > 1 "
            "UNION ALL SELECT 'assessments', arm, patient FROM assessments GROUP BY arm, patient, week "
            "HAVING count(*) > 1"
        )
        tables["trial"] = store.query("SELECT * FROM trial")
    return tables


def _whole_chunks(path: Path) -> int:
    """After a kill: every stored chunk is whole and alone (its patients, once each, in every table).

    Opening read-only replays DuckDB's log in memory and writes nothing (checked), so the
    next resume meets the files exactly as the kill left them.
    """
    if not path.exists():
        return 0
    files = sorted(path.parent.glob("results.duckdb*"))
    before = [(f.name, f.stat().st_size, f.stat().st_mtime_ns) for f in files]
    with ResultStore(path, read_only=True) as store:
        names = set(store.query("SELECT table_name FROM information_schema.tables")["table_name"])
        chunks = store.query("SELECT arm, chunk, n FROM chunks") if "chunks" in names else pd.DataFrame()
        want = sorted((a, k * CHUNK + i) for a, k, n in chunks.itertuples(index=False) for i in range(n))
        for name in TABLES:
            if name not in names:
                assert not want, f"chunks recorded but no {name} table"
                continue
            rows = store.query(f"SELECT DISTINCT arm, patient FROM {name} ORDER BY arm, patient")
            assert sorted(rows.itertuples(index=False, name=None)) == want, name
            key = "arm, patient" + (", week" if name == "assessments" else "")
            assert store.query(f"SELECT {key} FROM {name} GROUP BY {key} HAVING count(*) > 1").empty, name
    assert [(f.name, f.stat().st_size, f.stat().st_mtime_ns) for f in files] == before
    return len(chunks)


@pytest.mark.slow
def test_trial_killed_at_random_moments_resumes_to_the_uninterrupted_store(tmp_path):
    spec = tmp_path / "killed.yaml"
    spec.write_text(SPEC)
    args = ["trial", str(spec), "--chunk-size", str(CHUNK)]
    # The uninterrupted run (the API `iosim trial` calls, in this process: no second interpreter
    # start-up) is the reference, and warms the kernel caches for the runs below. A kernel this
    # process compiles is compiled apart and loaded from the cache, as every child loads it
    # (tests/cohort/test_compile_reproducible.py), so the children's numbers match bit for bit.
    run_trial(load_trial_spec(spec), tmp_path / "ref", chunk_size=CHUNK)

    out = tmp_path / "cut"
    log = []
    for i, (label, trigger, delay) in enumerate(_plan(random.Random(SEED), out)):
        run = run_and_kill([*args, "--out", str(out), *(["--resume"] if i else [])], trigger(), delay,
                           tmp_path / f"cut{i}.log")  # fmt: skip
        left = {p.name: p.stat().st_size for p in sorted(out.glob("*results.duckdb*"))} if out.is_dir() else {}
        stored = _whole_chunks(out / "results.duckdb")
        log.append(f"{label}: {'killed' if run.killed else run.returncode} after {run.seconds:.2f} s, "
                   f"left {left}, {stored} chunks")  # fmt: skip
        # Every planned moment must come before the trial ends, or the test no longer tests it.
        assert run.killed, f"{log}\n{run.stderr}"
    run_trial(load_trial_spec(spec), out, chunk_size=CHUNK, resume=True)  # to the end, in this process

    want, got = _tables(tmp_path / "ref"), _tables(out)
    assert got["duplicates"].empty, got["duplicates"]
    assert len(got["trial"]) == 1
    for arm in ("control", "nivolumab"):
        for name in TABLES:
            assert set(got[name].loc[got[name]["arm"] == arm, "patient"]) == set(range(PATIENTS)), (arm, name)
    for name in (*TABLES, "chunks"):
        # Exact: every number is a function of (seed, patient), whichever run computed the chunk.
        pd.testing.assert_frame_equal(got[name], want[name], check_exact=True, obj=name)
    assert (out / "summary.csv").read_text() == (tmp_path / "ref" / "summary.csv").read_text()
    assert (out / "report.html").is_file()
    # A clean close folds the log into the file and removes it; no creation leftovers remain.
    assert sorted(p.name for p in out.iterdir()) == ["report.html", "results.duckdb", "summary.csv"], log
    print("\n".join(log))
