"""``iosim cohort`` killed (SIGKILL) at seeded moments and resumed each time with ``--resume`` writes
the same Parquet file as an uninterrupted run, and leaves nothing else behind.

Moments, in order (see ``_plan``): during interpreter start-up; as soon as the parts folder
appears (before any part); shortly after the n-th part is finished; while a part is being
written (its temporary file exists, else at the third new part); while the parts are being
joined (the ``.partial`` output exists); and as soon as the output is in place (while, or
just after, the parts folder is removed).
"""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from kill_harness import any_of, at_once, count_at_least, exists, run_and_kill

from iosim.cli.main import run

SEED = 20250612
PATIENTS, CHUNK = 3000, 100  # 30 parts of 100 patients: each resumed run has parts left to kill it in


def _plan(rng: random.Random, out: Path):
    """(label, trigger factory, delay) per kill; factories run at each launch, so they see its files."""
    parts = out.with_name(f".{out.name}.parts")
    n, d = rng.randint(1, 5), rng.uniform(0.0, 0.03)

    def writing():
        # A part's temporary file lives for a millisecond or two and polling can miss it:
        # then the kill comes at the third new part instead (the log says which).
        return any_of(count_at_least(parts, "*.tmp", 1), count_at_least(parts, "part-*.parquet", 3))

    return [
        ("start-up", at_once, rng.uniform(0.05, 0.5)),
        ("parts folder created", lambda: exists(parts), 0.0),
        (f"part {n} + {d * 1e3:.0f} ms", lambda: count_at_least(parts, "part-*.parquet", n), d),
        ("part being written", writing, 0.0),
        ("join", lambda: exists(out.with_name(f".{out.name}.partial"), out), 0.0),
        ("parts removal", lambda: exists(out), 0.0),
    ]


def _cli(args: list[str]) -> int:
    with pytest.raises(SystemExit) as exit_info:
        run(args)
        raise SystemExit(0)
    return exit_info.value.code


@pytest.mark.slow
def test_cohort_killed_at_random_moments_resumes_to_the_uninterrupted_file(tmp_path):
    rng = np.random.default_rng(3)
    params = tmp_path / "patients.parquet"
    pd.DataFrame({
        "patient": [f"p{i:04d}" for i in range(PATIENTS)],
        "a": rng.uniform(0.1, 0.3, PATIENTS), "T": rng.uniform(1e5, 2e6, PATIENTS),
    }).to_parquet(params)  # fmt: skip
    args = ["cohort", "kuznetsov1994", "--params", str(params), "--days", "60", "--dose", "E:1e5@5",
            "--chunk-size", str(CHUNK)]  # fmt: skip
    # The uninterrupted run (in this process) is the reference, and warms the kernel cache.
    assert _cli([*args, "--out", str(tmp_path / "ref.parquet")]) == 0

    work = tmp_path / "cut"
    work.mkdir()
    out = work / "cohort.parquet"
    log = []
    for i, (label, trigger, delay) in enumerate(_plan(random.Random(SEED), out)):
        run_ = run_and_kill([*args, "--out", str(out), *(["--resume"] if i else [])], trigger(), delay,
                            tmp_path / f"cut{i}.log")  # fmt: skip
        n_parts = len(list(work.glob(".*.parts/part-*.parquet")))
        n_tmp = len(list(work.glob(".*.parts/*.tmp")))
        # After every kill: each part is a whole Parquet file, and an output in place is the final one.
        for part in work.glob(".*.parts/part-*.parquet"):
            assert pq.ParquetFile(part).metadata.num_rows == CHUNK * 61, (label, part.name)  # 61 output days
        if out.exists():
            assert out.read_bytes() == (tmp_path / "ref.parquet").read_bytes(), label
        log.append(f"{label}: {'killed' if run_.killed else run_.returncode} after {run_.seconds:.2f} s, "
                   f"left {sorted(p.name for p in work.iterdir())} with {n_parts} parts, {n_tmp} cut off")  # fmt: skip
        assert run_.killed, f"{log}\n{run_.stderr}"  # every planned moment came before the run ended
    assert _cli([*args, "--out", str(out), "--resume"]) == 0, log

    assert [p.name for p in work.iterdir()] == ["cohort.parquet"], log
    want, got = pq.read_table(tmp_path / "ref.parquet"), pq.read_table(out)
    assert got.schema == want.schema
    # Exact: each patient's numbers do not depend on which run (or process) solved its chunk.
    pd.testing.assert_frame_equal(got.to_pandas(), want.to_pandas(), check_exact=True)
    assert got["patient"].to_pylist()[::61][:3] == ["p0000", "p0001", "p0002"]  # 61 output days per patient
    # The join writes one row group per chunk, whichever run made it: the files are the same bytes.
    assert out.read_bytes() == (tmp_path / "ref.parquet").read_bytes()
    print("\n".join(log))
