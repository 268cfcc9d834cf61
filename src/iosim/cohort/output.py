"""A cohort streamed to one Parquet file, chunk by chunk, resumable (``simulate_cohort(..., out=path)``).

Each finished chunk of patients is written as one part (:mod:`iosim.cohort.parts`) with a
manifest of the inputs that made it; at the end the parts are joined in patient order. Memory
holds one chunk per worker, whatever the cohort's size. With ``resume=True`` a run interrupted
at any moment computes only its missing chunks, and refuses to continue a run made from other
inputs (the manifest names what changed).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from iosim.cohort import parts as _parts
from iosim.errors import InputError
from iosim.simulation import status as _status

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
    import pyarrow as pa

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
        _parts.write_part(folder, lo // chunk_size, pa.table(cols), failed)
        finished += hi - lo
        if progress is not None:
            progress(finished, n)
    failed = _parts.join_parts(folder, len(bounds), out)
    ordered = {k: failed[k] for k in status_names[1:] if failed.get(k)}
    return CohortFile(out, model_id, state_names, n, n_t, ordered)
