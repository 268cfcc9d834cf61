"""A cohort streamed to one Parquet file, chunk by chunk, resumable (``simulate_cohort(..., out=path)``).

Each finished chunk of patients is written as one part (:mod:`iosim.cohort.parts`) with a
manifest of the inputs that made it; at the end the parts are joined in patient order. Memory
holds one chunk per worker, whatever the cohort's size. With ``resume=True`` a run interrupted
at any moment computes only its missing chunks, and refuses to continue a run made from other
inputs (the manifest names what changed).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from iosim.cohort import parts as _parts
from iosim.cohort.engine import DEFAULT_CHUNK, Problem, iter_chunks, patient_id_array, patient_matrices, slices
from iosim.cohort.kernel import compile_kernel
from iosim.cohort.result import STATUS_NAMES
from iosim.errors import InputError
from iosim.model.declaration import Model
from iosim.parallel import Backend
from iosim.simulation import status as _status
from iosim.simulation.options import SaveAt

if TYPE_CHECKING:
    import pandas as pd

#: A chunk as the engine hands it back: (first patient, end, states (n, times, states), status codes).
Chunk = tuple[int, int, np.ndarray, np.ndarray]


@dataclass(frozen=True)
class CohortFile:
    """A cohort written to ``path``: a long table ``patient``, ``time``, then one column per state.

    Follows the shared result interface (:mod:`iosim.simulation.status`) without holding the
    table in memory: ``to_dataframe()`` and ``summary()`` read the file. The file keeps the
    number of patients per failure reason, not which patients failed: a patient that failed has
    NaN rows from its failure on, so ``summary()`` counts a patient with any NaN as not finished.
    """

    path: Path
    model_id: str
    state_names: tuple[str, ...]
    patients: int
    times: int
    failed: dict[str, int] = field(default_factory=dict)

    def status_counts(self) -> dict[str, int]:
        counts = {"ok": self.patients - sum(self.failed.values())}
        return {k: v for k, v in {**counts, **self.failed}.items() if v}

    def raise_for_status(self) -> CohortFile:
        status = np.concatenate([np.full(v, k) for k, v in self.status_counts().items()] or [np.array([], str)])
        _status.raise_for_status(status, f"the cohort of {self.model_id}", "patients")
        return self

    def to_dataframe(self) -> pd.DataFrame:
        import pandas as pd

        return pd.read_parquet(self.path)

    def summary(self, quantiles: tuple[float, ...] = _status.DEFAULT_QUANTILES) -> pd.DataFrame:
        """Per output time and state: finished patients ``n``, mean, sd, quantiles, ``p_zero``."""
        df = self.to_dataframe()
        y = df[list(self.state_names)].to_numpy(float).reshape(self.patients, self.times, -1)
        t = df["time"].to_numpy(float)[: self.times]
        return _status.summarize(t, self.state_names, y, ~np.isnan(y).any(axis=(1, 2)), quantiles)


def write_parquet(
    out: str | Path,
    *,
    manifest: Mapping[str, Any],
    bounds: list[tuple[int, int]],
    solve: Callable[[Iterable[tuple[int, int]]], Iterator[Chunk]],
    ids: np.ndarray,
    grid: np.ndarray,
    model_id: str,
    state_names: tuple[str, ...],
    status_names: tuple[str, ...],
    resume: bool = False,
    labels: Mapping[str, str] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> CohortFile:
    """Solve the chunks ``bounds`` not already written (``solve`` yields them), one part each; join.

    ``manifest`` records the inputs (checked on ``resume``); ``labels`` names its entries in the
    refusal. ``progress(done, patients)`` is called after each chunk."""
    from iosim.cohort import arrow

    out = Path(out)
    if out.suffix.lower() != ".parquet":
        raise InputError(f"out {out}: write the cohort to a .parquet file")
    if not out.parent.is_dir():
        raise InputError(f"out {out}: the folder {out.parent} does not exist")
    folder = out.with_name(f".{out.name}.parts")
    done = _parts.open_parts(folder, dict(manifest), resume=resume, out=out, labels=dict(labels or {}))
    todo = [(lo, hi) for k, (lo, hi) in enumerate(bounds) if k not in done]
    n, n_t = int(ids.size), int(grid.size)
    finished = n - sum(hi - lo for lo, hi in todo)
    if progress is not None:
        progress(finished, n)
    chunk_size = bounds[0][1] - bounds[0][0] if bounds else 1
    for lo, hi, y, status in solve(todo):
        cols = {"patient": np.repeat(ids[lo:hi], n_t), "time": np.tile(grid, hi - lo)}
        for j, s in enumerate(state_names):
            cols[s] = y[:, :, j].reshape(-1)
        codes, counts = np.unique(status[status != 0], return_counts=True)
        failed = {status_names[int(c)]: int(v) for c, v in zip(codes, counts)}
        _parts.write_part(folder, lo // chunk_size, arrow.table(cols), failed)
        finished += hi - lo
        if progress is not None:
            progress(finished, n)
    failed = _parts.join_parts(folder, len(bounds), out)
    ordered = {k: failed[k] for k in status_names[1:] if failed.get(k)}
    return CohortFile(out, model_id, state_names, n, n_t, ordered)


def _count(data: Any, *, table: bool = True) -> int | None:
    """Rows of a per-patient table (DataFrame, mapping of columns, 2-D array), or None when all scalars."""
    if data is None:
        return None
    if hasattr(data, "columns") and hasattr(data, "iloc"):
        return len(data)
    if isinstance(data, Mapping):
        sizes = {int(np.asarray(v).size) for v in data.values() if np.ndim(v) > 0 and np.asarray(v).size != 1}
        if len(sizes) > 1:
            raise InputError(f"per-patient columns have different lengths {sorted(sizes)}; give one value per patient")
        return sizes.pop() if sizes else None
    arr = np.asarray(data, dtype=float)
    if arr.ndim == 0:
        return None
    return int(np.atleast_2d(arr).shape[0]) if table else int(arr.shape[0])


def _rows(data: Any, lo: int, hi: int, *, table: bool = True) -> Any:
    """Patients lo..hi-1 of a per-patient table (scalars are shared by all)."""
    if data is None:
        return None
    if _count(data, table=table) in (None, 1):
        return data  # one row: shared by every patient
    if hasattr(data, "columns") and hasattr(data, "iloc"):
        return data.iloc[lo:hi]
    if isinstance(data, Mapping):
        return {k: (np.asarray(v).reshape(-1)[lo:hi] if np.ndim(v) > 0 and np.asarray(v).size != 1 else v)
                for k, v in data.items()}  # fmt: skip
    arr = np.asarray(data, dtype=float)
    return arr if arr.ndim == 0 else arr[lo:hi]


def saveat_record(saveat: SaveAt) -> dict[str, Any]:
    """``saveat`` as the manifest records it (plain JSON values)."""
    return {"every": saveat.every, "ts": list(saveat.ts) if saveat.ts is not None else None, "t1": saveat.t1}


def write_cohort(
    model: Model,
    problem: Problem,
    out: str | Path,
    *,
    params: Any,
    initial: Any,
    dose_scale: Any = None,
    patient_ids: Any = None,
    manifest: Mapping[str, Any],
    backend: Backend,
    chunk_size: int = DEFAULT_CHUNK,
    resume: bool = False,
    labels: Mapping[str, str] | None = None,
    progress: Any = None,
) -> CohortFile:
    """Stream a prepared cohort to the Parquet file ``out``, resumably (:mod:`iosim.cohort.output`).

    Every patient's row is validated first (vectorised, cheap), so a bad value fails before any
    work; each chunk's matrices are then built only when it is submitted: memory stays bounded.
    The numbers the kernel sees are hashed on the way, for the manifest (``manifest`` adds what
    the caller knows: the span, the options, the files it read)."""
    # The number of patients: from the columns (a scalar is broadcast), else the ids, else 1.
    counts = (_count(params), _count(initial), _count(dose_scale, table=False))
    sizes = {k for k in counts if k is not None and k != 1}
    if len(sizes) > 1:
        raise InputError(f"per-patient columns have different lengths {sorted(sizes)}; give one value per patient")
    n = sizes.pop() if sizes else (1 if patient_ids is None else int(np.asarray(patient_ids).size))
    ids = patient_id_array(patient_ids, n)

    def block(lo: int, hi: int):
        scale = _rows(dose_scale, lo, hi, table=False)
        return patient_matrices(model, _rows(params, lo, hi), _rows(initial, lo, hi), scale, n_patients=hi - lo)

    numbers = hashlib.sha256()
    for arr in (*problem.schedule.arrays(), problem.grid, problem.thresholds, ids.astype(str)):
        _parts.update_digest(numbers, arr)
    for lo, hi in slices(n, 65536):
        for arr in block(lo, hi):
            _parts.update_digest(numbers, arr)
    record = {**manifest, "model": model.id, "patients": n, "chunk_size": chunk_size,
              "kernel": problem.kernel.key, "inputs": numbers.hexdigest()}  # fmt: skip
    bounds = slices(n, chunk_size)

    def solve(todo):
        if todo:
            compile_kernel(model)
        chunks = ((lo, hi, *block(lo, hi)) for lo, hi in todo)
        for lo, hi, (y, status, _, _) in iter_chunks(problem, chunks, backend=backend):
            yield lo, hi, y, status

    return write_parquet(
        out, manifest=record, bounds=bounds, solve=solve, ids=ids, grid=problem.grid, model_id=model.id,
        state_names=model.state_names, status_names=STATUS_NAMES, resume=resume, labels=labels, progress=progress,
    )  # fmt: skip
