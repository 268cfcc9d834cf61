"""The trial store after an interruption at its most fragile moments, and its refusal of a resume
that would mix chunk layouts."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from iosim.trials import ResultStore, StoreError


def test_a_kill_while_duckdb_creates_the_file_does_not_block_the_resume(tmp_path, monkeypatch):
    # DuckDB creates a new file and then writes its headers; a process killed in between leaves
    # an empty file that DuckDB refuses to open (seen with SIGKILL in a loop of connects).
    real = duckdb.connect

    def killed_after_create(path, *args, **kwargs):
        open(path, "wb").close()
        raise KeyboardInterrupt

    monkeypatch.setattr(duckdb, "connect", killed_after_create)
    with pytest.raises(KeyboardInterrupt):
        ResultStore(tmp_path / "results.duckdb")
    monkeypatch.setattr(duckdb, "connect", real)
    assert not (tmp_path / "results.duckdb").exists()  # the half-made file never had the store's name
    with ResultStore(tmp_path / "results.duckdb") as store:
        store.start('{"name": "t"}', resume=True)
        store.write_chunk("a", 0, {name: pd.DataFrame({"arm": ["a"], "patient": [0]}) for name in
                                   ("patients", "assessments", "outcomes")})  # fmt: skip
    with ResultStore(tmp_path / "results.duckdb", read_only=True) as store:
        assert store.completed_chunks("a") == {0}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.duckdb"]


def test_resume_with_another_chunk_size_is_refused(tmp_path):
    # Chunk k holds patients k*size .. (k+1)*size-1: resumed with another size, finished chunk
    # numbers would name other patients (some skipped, some simulated twice).
    with ResultStore(tmp_path / "results.duckdb") as store:
        store.start('{"name": "t"}', resume=False, chunk_size=10)
    with ResultStore(tmp_path / "results.duckdb") as store:
        with pytest.raises(StoreError, match="--chunk-size 10") as info:
            store.start('{"name": "t"}', resume=True, chunk_size=20)
        assert len(str(info.value).splitlines()) == 1
        store.start('{"name": "t"}', resume=True, chunk_size=10)
        store.start('{"name": "t"}', resume=True)  # a caller that does not say is not checked
