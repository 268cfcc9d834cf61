"""numpy <-> Arrow for plain numeric columns, through the buffers, so pyarrow never imports pandas.

pyarrow imports pandas (~0.4 s, a fifth of ``iosim cohort``'s fixed start-up, docs/performance.md)
the first time ``pa.array``, ``pa.table`` or ``Array.to_numpy`` runs, to check whether its input
is a pandas object. A float or integer column needs none of that: its values are one buffer.
Other columns (strings, ...) take pyarrow's ordinary path.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def from_numpy(values: np.ndarray) -> Any:
    """A ``pyarrow.Array`` of a 1-D array (no nulls; NaN stays a value, as with ``pa.array``)."""
    import pyarrow as pa

    if values.dtype.kind not in "fiu":
        return pa.array(values)
    values = np.ascontiguousarray(values, dtype=values.dtype.newbyteorder("="))  # Arrow reads native order
    return pa.Array.from_buffers(pa.from_numpy_dtype(values.dtype), len(values), [None, pa.py_buffer(values)])


def table(columns: dict[str, np.ndarray]) -> Any:
    """``pa.table(columns)`` for a mapping of 1-D arrays."""
    import pyarrow as pa

    return pa.Table.from_arrays([from_numpy(v) for v in columns.values()], names=list(columns))


def floats(column: Any) -> np.ndarray:
    """A numeric Arrow column as a new float64 array, nulls as NaN (``pyarrow.ArrowInvalid`` for text)."""
    import pyarrow as pa

    arr = _cast(column, pa.float64())
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    n = len(arr)
    validity, data = arr.buffers()
    if data is None:  # an all-null column
        return np.full(n, np.nan)
    values = np.frombuffer(data, dtype=np.float64, count=n, offset=arr.offset * 8).copy()
    if arr.null_count:
        valid = np.unpackbits(np.frombuffer(validity, dtype=np.uint8), bitorder="little")[arr.offset : arr.offset + n]
        values[valid == 0] = np.nan
    return values


def ids(column: Any) -> np.ndarray:
    """Patient ids: int64 for whole numbers with no empty cell, float64 for other numbers, else Python objects."""
    import pyarrow as pa

    kind = column.type
    if pa.types.is_uint64(kind):  # may not fit int64
        return np.array(column.to_pylist(), dtype=object)
    if pa.types.is_integer(kind) and column.null_count == 0:
        return _int64(column)
    if pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_null(kind):
        return floats(column)
    return np.array(column.to_pylist(), dtype=object)


def _int64(column: Any) -> np.ndarray:
    """An integer Arrow column without nulls as a new int64 array."""
    import pyarrow as pa

    arr = _cast(column, pa.int64())
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    data = arr.buffers()[1]
    n = len(arr)
    if data is None:
        return np.zeros(n, dtype=np.int64)
    return np.frombuffer(data, dtype=np.int64, count=n, offset=arr.offset * 8).copy()


def _cast(column: Any, kind: Any) -> Any:
    """``column.cast(kind)``, skipped where it is that type already: a cast loads ``pyarrow.compute``
    (~0.05 s of start-up), and the columns of a table of numbers mostly are float64 or int64 already."""
    return column if column.type == kind else column.cast(kind)
