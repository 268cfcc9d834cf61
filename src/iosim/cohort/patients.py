"""A cohort's per-patient table (CSV or Parquet) read into the columns :func:`write_cohort` takes.

Read with pyarrow, not pandas: pyarrow is already loaded to write the Parquet output, and
importing pandas alone costs ~0.4 s, a fifth of ``iosim cohort``'s fixed start-up
(docs/performance.md; :mod:`iosim.cohort.arrow` keeps pyarrow from importing it). pyarrow also
parses decimal text correctly rounded, as Python's ``float`` does; pandas' default parser is off
by a few units in the last place for some values, so a CSV written from Python now reads back exact.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import numpy as np

from iosim.cohort import arrow
from iosim.errors import InputError, UnknownNameError
from iosim.model.declaration import Model


class PatientTable(NamedTuple):
    """One row per patient: optional ids, parameter and initial-state columns (float64), row count."""

    ids: np.ndarray | None
    params: dict[str, np.ndarray]
    initial: dict[str, np.ndarray]
    n: int


def read_patient_table(model: Model, path: Path, option: str = "--params") -> PatientTable:
    """Read ``path`` (.csv or .parquet); columns are ``patient``, parameters or states of ``model``.

    Unknown columns, non-numeric values and empty tables raise :class:`InputError` naming ``option``.
    """
    import pyarrow as pa

    suffix = path.suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise InputError(f"{option} {path}: use a .csv or .parquet file")
    if not path.is_file():
        raise InputError(f"{option} {path}: no such file")
    try:
        table = _read(path, suffix)
    except (pa.ArrowInvalid, OSError) as e:
        raise InputError(f"{option} {path}: cannot read it as {suffix[1:]} ({' '.join(str(e).split())})") from e
    if table.num_rows == 0:
        raise InputError(f"{option} {path}: the table has no rows; give one row per patient")
    allowed = ("patient", *model.parameter_names, *model.state_names)
    for col in table.column_names:
        if col not in allowed:
            raise UnknownNameError("column (parameter, state or 'patient')", col, allowed)
    ids = arrow.ids(table.column("patient")) if "patient" in table.column_names else None

    def floats(name: str) -> np.ndarray:
        try:  # empty cells (nulls) become NaN, as they did with pandas
            return arrow.floats(table.column(name))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as e:
            raise InputError(f"{option} {path}: column {name!r} must hold numbers ({e})") from e

    params = {c: floats(c) for c in table.column_names if c in model.parameter_names}
    initial = {c: floats(c) for c in table.column_names if c in model.state_names}
    return PatientTable(ids, params, initial, table.num_rows)


def _read(path: Path, suffix: str):
    if suffix == ".parquet":
        import pyarrow.parquet as pq

        table = pq.read_table(path)
        # pandas' to_parquet may store a named index as a column; pandas read it back as the index
        meta = table.schema.pandas_metadata or {}
        index = [c for c in meta.get("index_columns", []) if isinstance(c, str) and c in table.column_names]
        return table.drop_columns(index)
    import pyarrow.csv as pacsv

    # Threads off: one thread parses a 20,000-row table in milliseconds, and `--threads 1` means one.
    return pacsv.read_csv(path, read_options=pacsv.ReadOptions(use_threads=False))
