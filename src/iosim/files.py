"""Reading user files and writing generated ones, with typed errors instead of OS exceptions."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from iosim.errors import InputError


def is_file(path: Path) -> bool:
    """``path.is_file()``, False for a name too long to be a path or one with a NUL byte."""
    try:
        return path.is_file()
    except (OSError, ValueError):
        return False


def checked_file(path: Path, what: str, max_bytes: int, error: type[Exception] = InputError) -> Path:
    """``path`` if it is a file of at most ``max_bytes``; else ``error`` naming ``what``."""
    if not is_file(path):
        raise error(f"{what} {str(path)[:200]!r} does not exist")
    if path.stat().st_size > max_bytes:
        raise error(f"{what} {str(path)[:200]!r} is larger than {max_bytes} bytes")
    return path


def load_yaml(path: Path, what: str, max_bytes: int, error: type[Exception] = InputError) -> Any:
    """A small YAML file's content; missing, oversized, undecodable or too deeply nested is ``error``."""
    import yaml

    checked_file(path, what, max_bytes, error)
    shown = repr(str(path)[:200])
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as e:
        first = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise error(f"{what} {shown} is not valid YAML: {first[:200]!r}") from None
    except RecursionError:  # PyYAML composes nested collections recursively
        raise error(f"{what} {shown} nests lists or mappings too deeply") from None


def write_atomically(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` unless it already holds it, through a temporary file and
    ``os.replace``: processes writing the same file at once never see a torn one."""
    if is_file(path) and path.read_text(encoding="utf-8") == text:
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path
