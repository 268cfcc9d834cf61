"""Helpers shared by command modules: parsing NAME=VALUE options, loading models, writing tables."""

from __future__ import annotations

import math
from pathlib import Path

from iosim.errors import InputError


def parse_assignments(items: list[str] | None, option: str) -> dict[str, float]:
    """``["a=1", "b=2e3"]`` -> ``{"a": 1.0, "b": 2000.0}`` with one-line errors."""
    out: dict[str, float] = {}
    for item in items or []:
        for part in item.split(","):
            name, eq, value = part.partition("=")
            name = name.strip()
            if not eq or not name:
                raise InputError(f"{option} {part!r} is malformed; write NAME=VALUE")
            try:
                v = float(value)
            except ValueError:
                raise InputError(f"{option} {part!r}: {value!r} is not a number") from None
            if not math.isfinite(v):
                raise InputError(f"{option} {part!r}: value must be finite")
            out[name] = v
    return out


def load_model(name: str):
    """A model id from the library, or a model file (.xml/.sbml SBML, .ant Antimony), through the
    shared loader :func:`iosim.models.load`, for the commands that analyse a model without doses
    (equilibria, sensitivity, fitting); the commands that simulate take its regimen too."""
    from iosim.models import load

    return load(name)[0]


def check_output_path(path: Path | None, suffixes: tuple[str, ...], option: str) -> None:
    """Fail before any work when an output path cannot be written."""
    if path is None:
        return
    if path.suffix.lower() not in suffixes:
        raise InputError(f"{option} {path}: use a file ending in {' or '.join(suffixes)}")
    parent = path.expanduser().resolve().parent
    if not parent.is_dir():
        raise InputError(f"{option} {path}: folder {parent} does not exist; create it first")
    import os

    if not os.access(parent, os.W_OK):
        raise InputError(f"{option} {path}: folder {parent} is not writable")


def write_table(df, path: Path) -> None:
    if path.suffix.lower() == ".parquet":
        df.to_parquet(path, index=False)
    else:
        df.to_csv(path, index=False)


def split_therapies(items: list[str] | None) -> list[str]:
    """``["nivolumab+ipilimumab:3mg/kg-q3w-x4", "x"]`` -> three therapies: ``+`` joins a combination, as
    in ``iosim matrix``; a ``+`` inside a number's exponent (``2e+8cells``) is not a join."""
    import re

    return [part for item in items or [] for part in re.split(r"(?<![0-9][eE])\+", item)]


#: Seconds to wait for a Dask scheduler's port before giving up (as iosim.parallel waits).
SCHEDULER_TIMEOUT_S = 10.0


def check_scheduler(scheduler: str) -> None:
    """Refuse a scheduler whose address does not answer, before any output is written."""
    import socket
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(scheduler)
        host, port = parts.hostname, parts.port
    except ValueError:
        host = port = None
    if not host or port is None:
        raise InputError(f"--scheduler {scheduler[:200]!r}: give an address such as tcp://127.0.0.1:8786")
    try:
        socket.create_connection((host, port), timeout=SCHEDULER_TIMEOUT_S).close()
    except OSError as e:
        reason = e.strerror or type(e).__name__
        raise InputError(
            f"cannot reach the Dask scheduler at {scheduler[:200]}: {reason}; start it, or run without --scheduler"
        ) from None
