"""The trial store after an interruption at its most fragile moments, and its refusal of a resume
that would mix chunk layouts."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from iosim.trials import ResultStore, StoreError
from iosim.trials.store import TABLES


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
        store.write_chunk("a", 0, {name: pd.DataFrame({"arm": ["a"], "patient": [0]}) for name in TABLES})
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


class _FullDisk:
    """A connection whose COMMIT fails as DuckDB's does on a full disk or a read-only log: the
    transaction is ended (rolled back), and a later ROLLBACK says no transaction is active."""

    def __init__(self, con):
        self.con = con

    def execute(self, sql, *args):
        if sql == "COMMIT":
            self.con.execute("ROLLBACK")
            raise duckdb.TransactionException(
                'TransactionContext Error: Failed to commit: Could not write file "results.duckdb.wal": '
                "No space left on device"
            )
        return self.con.execute(sql, *args)

    def __getattr__(self, name):
        return getattr(self.con, name)


def _chunk(patient: int) -> dict:
    return {name: pd.DataFrame({"arm": ["a"], "patient": [patient]}) for name in TABLES}


def test_a_full_disk_is_one_line_and_keeps_the_finished_chunks(tmp_path):
    # Issue 18: a failed COMMIT, then the ROLLBACK after it, printed a chained DuckDB traceback.
    path = tmp_path / "results.duckdb"
    with ResultStore(path) as store:
        store.start('{"name": "t"}', resume=False)
        store.write_chunk("a", 0, _chunk(0))
        real, store.con = store.con, _FullDisk(store.con)
        with pytest.raises(StoreError) as info:
            store.write_chunk("a", 1, _chunk(1))
        message = str(info.value)
        assert len(message.splitlines()) == 1
        assert "No space left on device" in message and "--resume" in message
        assert info.value.__suppress_context__  # no "During handling of the above exception" chain
        store.con = real
    with ResultStore(path) as store:  # space freed: the resume continues from the kept chunk
        assert store.completed_chunks("a") == {0}
        store.start('{"name": "t"}', resume=True)
        store.write_chunk("a", 1, _chunk(1))
        assert store.table("patients").patient.tolist() == [0, 1]
