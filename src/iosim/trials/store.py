"""The embedded results store: one DuckDB file per trial output folder.

Tables: ``trial`` (the spec as JSON), ``chunks`` (which (arm, chunk) are finished),
``patients`` (parameters, covariates, status), ``assessments`` (one row per patient and
assessment), ``outcomes`` (one row per patient: best response, PFS, OS, ...), ``lesions``,
``doses`` (``arm, patient, day, drug, amount, unit``: every dose given) and ``toxicities``
(``arm, patient, day, kind, grade, discontinued``).

A chunk's rows and its entry in ``chunks`` are written in one transaction, so a trial
killed at any moment leaves either the whole chunk or none of it: ``--resume`` skips
finished chunks and never duplicates a patient. A new store is created under a temporary
name and moved into place, so a kill while DuckDB writes the file's headers never leaves an
unreadable ``results.duckdb`` behind. Chunk numbers only identify patients for one chunk
size, so ``start(..., chunk_size=)`` records the size and refuses another on resume.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd

from iosim.errors import InputError

TABLES = ("patients", "assessments", "outcomes", "lesions", "doses", "toxicities")


class StoreError(InputError):
    """The results folder cannot be used (another trial's results, unreadable file)."""


class ResultStore:
    def __init__(self, path: str | Path, *, read_only: bool = False):
        import duckdb

        self.path = Path(path)
        if read_only and not self.path.is_file():
            raise StoreError(f"no results store at {self.path}; run `iosim trial` first")
        try:
            if not read_only and not self.path.exists():
                _create(self.path)
            self.con = duckdb.connect(str(self.path), read_only=read_only)
        except duckdb.Error as e:
            raise StoreError(f"cannot open results store {self.path}: {_first_line(e)}") from None

    def close(self) -> None:
        import duckdb

        try:
            self.con.close()
        except duckdb.Error:  # a checkpoint that cannot be written: the log still holds what was committed
            pass

    def __enter__(self) -> ResultStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- set-up ----------------------------------------------------------------------------
    def start(self, spec_json: str, *, resume: bool, chunk_size: int | None = None) -> None:
        """Record the trial spec (and chunk size); on resume, check the stored ones are the same."""
        self.con.execute("CREATE TABLE IF NOT EXISTS trial (spec VARCHAR)")
        self.con.execute("CREATE TABLE IF NOT EXISTS chunks (arm VARCHAR, chunk INTEGER, n INTEGER)")
        self.con.execute("CREATE TABLE IF NOT EXISTS layout (chunk_size INTEGER)")
        row = self.con.execute("SELECT spec FROM trial").fetchone()
        if row is None:
            self.con.execute("INSERT INTO trial VALUES (?)", [spec_json])
            self._check_chunk_size(chunk_size)
            return
        if not resume:
            raise StoreError(
                f"{self.path} already holds results; use --resume to continue that trial or choose another --out"
            )
        stored, wanted = json.loads(row[0]), json.loads(spec_json)
        if stored != wanted:
            missing = sorted(set(wanted) - set(stored))
            why = (
                f"written by an earlier iosim, its spec lacks {', '.join(missing)}"
                if missing
                else "spec changed"
            )
            raise StoreError(f"{self.path} holds a different trial ({why}); choose another --out to start afresh")
        self._check_chunk_size(chunk_size)

    def _check_chunk_size(self, chunk_size: int | None) -> None:
        if chunk_size is None:
            return
        row = self.con.execute("SELECT chunk_size FROM layout").fetchone()
        if row is None:
            # A new store, or one from before sizes were recorded (nothing to check against).
            self.con.execute("INSERT INTO layout VALUES (?)", [chunk_size])
        elif row[0] != chunk_size:
            raise StoreError(
                f"{self.path} was started with --chunk-size {row[0]}; resume with --chunk-size {row[0]}, "
                f"not {chunk_size}"
            )

    def completed_chunks(self, arm: str) -> set[int]:
        rows = self.con.execute("SELECT chunk FROM chunks WHERE arm = ?", [arm]).fetchall()
        return {r[0] for r in rows}

    # -- writing ---------------------------------------------------------------------------
    def write_chunk(self, arm: str, chunk: int, tables: dict[str, pd.DataFrame]) -> None:
        import duckdb

        n = len(tables["patients"])
        self.con.execute("BEGIN TRANSACTION")
        try:
            for name in TABLES:
                df = tables[name]
                self.con.register("_chunk", df)
                row = self.con.execute(
                    "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]
                ).fetchone()
                if not (row and row[0]):
                    self.con.execute(f"CREATE TABLE {name} AS SELECT * FROM _chunk")
                else:
                    self.con.execute(f"INSERT INTO {name} BY NAME SELECT * FROM _chunk")
                self.con.unregister("_chunk")
            self.con.execute("INSERT INTO chunks VALUES (?, ?, ?)", [arm, chunk, n])
            self.con.execute("COMMIT")
        except duckdb.Error as e:  # a full disk, a read-only log: the chunk is lost, earlier ones are kept
            self._rollback()
            raise StoreError(
                f"cannot write results to {self.path}: {_first_line(e)}; the chunks finished before are kept: "
                "free space (or make the folder writable) and rerun with --resume"
            ) from None
        except BaseException:
            self._rollback()
            raise

    def _rollback(self) -> None:
        """Undo an open transaction; a failed COMMIT has already ended it (DuckDB then says there is
        nothing to roll back), which must not hide the error that matters."""
        import duckdb

        try:
            self.con.execute("ROLLBACK")
        except duckdb.Error:
            pass

    # -- reading ---------------------------------------------------------------------------
    def table(self, name: str) -> pd.DataFrame:
        return self.con.execute(_select(name)).df()

    def write_table(self, name: str, path: Path, fmt: str) -> Path:
        """Write one table (in :meth:`table`'s order) to ``path`` as ``"csv"`` or ``"parquet"``.

        DuckDB streams the rows to the file: memory does not grow with the trial."""
        if fmt not in ("parquet", "csv"):
            raise StoreError(f"table format {fmt!r}: choose parquet or csv")
        options = "FORMAT csv, HEADER" if fmt == "csv" else "FORMAT parquet"
        quoted = str(path).replace("'", "''")
        self.con.execute(f"COPY ({_select(name)}) TO '{quoted}' ({options})")
        return path

    def query(self, sql: str) -> pd.DataFrame:
        import duckdb

        try:
            return self.con.execute(sql).df()
        except duckdb.Error as e:
            raise StoreError(f"query failed: {_first_line(e)}") from None

    def export(self, folder: Path, fmt: str = "parquet") -> list[Path]:
        if fmt not in ("parquet", "csv"):
            raise StoreError(f"export format {fmt!r}: choose parquet or csv")
        folder.mkdir(parents=True, exist_ok=True)
        out = []
        for name in TABLES:
            path = folder / f"{name}.{fmt}"
            df = self.table(name)
            df.to_parquet(path, index=False) if fmt == "parquet" else df.to_csv(path, index=False)
            out.append(path)
        return out


def _select(name: str) -> str:
    """The query reading a whole table, rows by arm, patient and then time."""
    if name not in TABLES + ("chunks", "trial"):
        raise StoreError(f"unknown table {name!r}; choose from {', '.join(TABLES)}")
    within = {
        "assessments": ", week", "lesions": ", day, lesion", "doses": ", day, drug", "toxicities": ", day, kind",
    }.get(name, "")  # fmt: skip
    order = " ORDER BY arm, patient" + within if name in TABLES else ""
    return f"SELECT * FROM {name}{order}"


def _create(path: Path) -> None:
    """An empty DuckDB file at ``path``, made under a temporary name and moved into place.

    A process killed between DuckDB creating a new file and writing its headers leaves a
    file DuckDB then refuses to open ("not a valid DuckDB database file"): such a file
    must never carry the store's name, or ``--resume`` could not continue the trial.
    """
    import duckdb

    tmp = path.with_name(f".{path.name}.new")
    # Leftovers of an interrupted creation, and a log without its database, hold no results.
    for stale in (tmp, _wal(tmp), _wal(path)):
        stale.unlink(missing_ok=True)
    duckdb.connect(str(tmp)).close()
    _wal(tmp).unlink(missing_ok=True)
    os.replace(tmp, path)


def _wal(path: Path) -> Path:
    """DuckDB's write-ahead log of the database file ``path``."""
    return path.with_name(path.name + ".wal")


def _first_line(error: Exception) -> str:
    return (str(error).splitlines() or [type(error).__name__])[0][:300]
