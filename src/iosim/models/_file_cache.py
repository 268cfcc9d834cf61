"""Model files already read, kept by content: a rerun on the same file skips libAntimony and libSBML.

Reading a model file imports libSBML (and libAntimony for ``.ant``) and translates the document:
~0.25 s of ``iosim cohort``'s ~1 s start-up (docs/performance.md), spent again on every run of the
same file. The translated ``(Model, Regimen)`` is a pure function of the file's bytes, its suffix
and the code that reads it, so it is pickled under ``$IOSIM_CACHE_DIR/models/`` (default
``~/.cache/iosim``), named by a hash of all of those: the file's content, iosim's reader and model
code (the text of :data:`READER_PACKAGES`) and the installed libSBML and libAntimony. Editing the
file, iosim or either library gives a new name, never a stale model.

Only successful reads are kept (a bad file raises as before, every time). An unreadable entry
is read from the file again and replaced; an unwritable cache folder only costs the speed-up.
The entries are trusted as the generated kernels beside them are: the folder is the user's own.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import pickle
import tempfile
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

#: The iosim packages whose code turns a file into a Model (their text is part of every key).
READER_PACKAGES = ("sbml", "model", "expr", "dosing")
#: The libraries the readers call (their installed files are part of every key).
LIBRARIES = ("libsbml", "antimony")
_FORMAT = b"iosim model file cache 1"
#: Largest file the readers accept (``iosim.sbml.reader.MAX_BYTES``, not imported: it loads libSBML).
MAX_BYTES = 20 * 1024 * 1024


@cache
def _code_fingerprint() -> bytes:
    """A hash of the reader's code: iosim's reader packages' text and the libraries' installed files."""
    root = Path(__file__).resolve().parents[1]  # the iosim package
    h = hashlib.sha256(_FORMAT)
    for package in READER_PACKAGES:
        for file in sorted((root / package).glob("*.py")):
            h.update(f"\n# {package}/{file.name}\n".encode())
            h.update(file.read_bytes())
    h.update((root / "models" / "__init__.py").read_bytes())
    for name in LIBRARIES:  # an upgrade rewrites the package's files: their sizes and times change
        spec = importlib.util.find_spec(name)
        for where in (spec.origin, *(spec.submodule_search_locations or ())) if spec else ():
            if where and os.path.exists(where):
                st = os.stat(where)
                h.update(f"\n{name} {where} {st.st_size} {st.st_mtime_ns}".encode())
    return h.digest()


def _entry(path: Path, content: bytes) -> Path:
    from iosim.kernels.loader import cache_root

    h = hashlib.sha256(_code_fingerprint())
    h.update(path.suffix.lower().encode() + b"\0")
    h.update(content)
    return cache_root() / "models" / f"m_{h.hexdigest()[:32]}.pickle"


def cached_read(path: Path, read: Callable[[Path], Any]) -> Any:
    """``read(path)``, or what it returned for a file with the same content and suffix before."""
    try:
        if path.stat().st_size > MAX_BYTES:
            return read(path)  # it refuses the file in its own words, before reading it all
        content = path.read_bytes()
    except OSError:
        return read(path)  # it reports the problem in its own words
    entry = _entry(path, content)
    try:
        with open(entry, "rb") as f:
            return pickle.load(f)
    except Exception:  # none yet, or one that cannot be unpickled (torn, foreign): read the file
        pass
    value = read(path)
    try:
        if path.read_bytes() == content:  # not rewritten while it was read
            _write(entry, pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
    except Exception:  # unwritable folder, unpicklable or too deeply nested value: no cache this time
        pass
    return value


def _write(entry: Path, data: bytes) -> None:
    """Write through a temporary file and ``os.replace``: a concurrent reader never sees a torn entry."""
    entry.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{entry.stem}.", suffix=".tmp", dir=entry.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, entry)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
