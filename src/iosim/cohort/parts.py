"""Resumable Parquet output of a cohort: one part per finished chunk, joined at the end.

Each finished chunk of patients is kept as one Parquet part in a hidden folder beside the
output (``.F.parquet.parts/part-000123.parquet``, written under a temporary name and moved
into place), with a manifest of the inputs that made it. At the end the parts are joined,
in patient order, into the output (written as ``.F.parquet.partial`` and moved into place)
and the folder is removed. A run killed at any moment leaves only whole parts: resuming
computes the missing ones and refuses to continue a run made from other inputs. Without
resuming, a parts folder left by an interrupted run is an error rather than being
deleted, so a long interrupted run is never thrown away by mistake.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import numpy as np

from iosim.errors import InputError

MANIFEST = "manifest.json"
_FAILED = b"iosim.failed"  # Parquet metadata key of a part: its patients that did not finish, by reason
#: Manifest entries, as a library user would name what changed (a caller such as the CLI passes
#: its own option names to :func:`open_parts`).
LABELS = {
    "out": "out", "resume": "resume=True", "model": "the model", "patients": "the number of patients",
    "t_start": "t_start", "t_end": "t_end", "saveat": "saveat (the output times)", "method": "the solver method",
    "rtol": "rtol", "atol": "atol", "max_steps": "max_steps", "extinction": "extinction",
    "chunk_size": "chunk_size", "kernel": "the model's equations or iosim's solver (iosim or numba was updated?)",
    "inputs": "the per-patient values, the doses or the model's parameter values (iosim was updated?)",
}  # fmt: skip
#: Quoted in the refusal with their old and new values.
_SHOWN = ("patients", "days", "t_end", "dose", "every", "saveat", "method", "rtol", "atol", "max_steps", "chunk_size")


def _part(parts: Path, k: int) -> Path:
    return parts / f"part-{k:06d}.parquet"


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def update_digest(h, arr) -> None:
    arr = np.ascontiguousarray(arr)
    h.update(f"{arr.dtype.str}{arr.shape}".encode())
    h.update(arr.tobytes())


def _replace_with_text(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def open_parts(
    parts: Path, manifest: dict, *, resume: bool, out: Path, labels: dict[str, str] | None = None
) -> set[int]:
    """The chunk numbers already in ``parts``, after checking they were made from ``manifest``'s inputs
    (``labels`` names each entry in a refusal, as the caller's user knows it).

    Leftovers that hold no finished work are removed: a part or manifest cut off mid-write,
    a finished run's folder cut off mid-removal, a half-joined output, a folder without
    parts (whose manifest is then rewritten).
    """
    shutil.rmtree(parts.with_name(parts.name + ".done"), ignore_errors=True)
    out.with_name(f".{out.name}.partial").unlink(missing_ok=True)
    parts.mkdir(exist_ok=True)
    for stale in parts.glob("*.tmp"):
        stale.unlink()
    finished = {int(p.name[len("part-") : -len(".parquet")]) for p in parts.glob("part-*.parquet")}
    path = parts / MANIFEST
    if not finished:
        _replace_with_text(path, json.dumps(manifest, indent=1))
        return finished
    what = {**LABELS, **(labels or {})}
    if not resume:
        raise InputError(
            f"{what['out']} {out}: an interrupted run left {len(finished)} finished chunks in {parts}; "
            f"pass {what['resume']} to continue it, or delete that folder to start afresh"
        )
    resume_name = what["resume"]
    try:
        stored = json.loads(path.read_text())
    except (OSError, ValueError):
        raise InputError(f"{resume_name}: {path} is missing or unreadable; delete {parts} to start afresh") from None
    for key, value in json.loads(json.dumps(manifest)).items():  # compared as it reads back: lists, not tuples
        if stored.get(key) != value:
            was = f" (it was {stored.get(key)!r}, now {value!r})" if key in _SHOWN else ""
            raise InputError(
                f"{resume_name}: {what.get(key, key)} differs from the interrupted run's{was}; "
                f"use the same inputs, or delete {parts} to start afresh"
            )
    return finished


def write_part(parts: Path, k: int, table, failed: dict[str, int]) -> None:
    """Chunk ``k`` as one Parquet file, moved into place only once complete."""
    import pyarrow.parquet as pq

    path = _part(parts, k)
    tmp = path.with_name(path.name + ".tmp")
    pq.write_table(table.replace_schema_metadata({_FAILED: json.dumps(failed)}), tmp)
    os.replace(tmp, path)


def join_parts(parts: Path, n_parts: int, out: Path) -> dict[str, int]:
    """Stream the parts, in order, into ``out`` (moved into place at the end); remove the folder.

    Returns the patients that did not finish, by reason, over all parts.
    """
    import pyarrow.parquet as pq

    tmp = out.with_name(f".{out.name}.partial")
    failed: dict[str, int] = {}
    writer = None
    try:
        for k in range(n_parts):
            part = pq.ParquetFile(_part(parts, k))
            for reason, count in json.loads((part.schema_arrow.metadata or {}).get(_FAILED, b"{}")).items():
                failed[reason] = failed.get(reason, 0) + count
            table = part.read().replace_schema_metadata(None)
            if writer is None:
                writer = pq.ParquetWriter(tmp, table.schema)
            writer.write_table(table)
        assert writer is not None, "join_parts needs at least one part"
        writer.close()
        writer = None
        os.replace(tmp, out)
    finally:
        if writer is not None:
            writer.close()
        tmp.unlink(missing_ok=True)
    # Renamed first, so a kill during the removal never leaves a half-emptied parts folder.
    done = parts.with_name(parts.name + ".done")
    os.replace(parts, done)
    shutil.rmtree(done)
    return failed
