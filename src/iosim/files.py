"""Reading user files and writing generated ones, with typed errors instead of OS exceptions."""

from __future__ import annotations

import functools
import os
import tempfile
from pathlib import Path
from typing import Any

from iosim.errors import InputError, IosimError


def is_file(path: Path) -> bool:
    """``path.is_file()``, False for a name too long to be a path or one with a NUL byte."""
    try:
        return path.is_file()
    except (OSError, ValueError):
        return False


def checked_file(path: Path, what: str, max_bytes: int, error: type[IosimError] = InputError) -> Path:
    """``path`` if it is a file of at most ``max_bytes``; else ``error`` naming ``what``."""
    if not is_file(path):
        raise error(f"{what} {str(path)[:200]!r} does not exist")
    if path.stat().st_size > max_bytes:
        raise error(f"{what} {str(path)[:200]!r} is larger than {max_bytes} bytes")
    return path


#: Most YAML nodes a file may stand for once its aliases are expanded (assumed: the largest
#: shipped input, a calibrated population, has a few hundred; a "billion laughs" file of 1.6 KB
#: stands for billions, and formatting such a value into a message ran out of memory).
MAX_YAML_NODES = 100_000


def load_yaml(path: Path, what: str, max_bytes: int, error: type[IosimError] = InputError) -> Any:
    """A small YAML file's content; missing, oversized, undecodable, malformed (with its line and
    column), too deeply nested, with a key given twice, or with aliases that expand past
    :data:`MAX_YAML_NODES` is ``error``."""
    import yaml

    checked_file(path, what, max_bytes, error)
    shown = f"{what} {str(path)[:200]!r}"
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise error(f"{shown} is not UTF-8 text (byte {e.start})") from None
    try:
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            if node is None:
                return None
            size = _expanded_size(node, {}, set())
            if size > MAX_YAML_NODES:
                raise _Refused(f"its aliases expand to more than {MAX_YAML_NODES:,} values; write the values out")
            return loader.construct_document(node)
        finally:
            loader.dispose()
    except _Refused as e:
        raise error(f"{shown}: {e}") from None
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = _plain(e.problem or e.context or "malformed")
        raise error(f"{shown} is not valid YAML{where}: {problem}") from None
    except yaml.YAMLError as e:
        raise error(f"{shown} is not valid YAML: {_plain(str(e))}") from None
    except RecursionError:  # PyYAML composes nested collections recursively
        raise error(f"{shown} nests lists or mappings too deeply") from None


class _Refused(Exception):
    """A YAML document this loader will not build (a duplicate key, an alias bomb)."""


def _plain(text: str, limit: int = 200) -> str:
    """A parser's message as one short line."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _expanded_size(node, sizes: dict[int, int], open_: set[int]) -> int:
    """Values ``node`` stands for once every alias is expanded; each node is counted once
    (``sizes``), so a bomb costs its file's size, not its expansion. A node that contains
    itself is refused."""
    key = id(node)
    if key in sizes:
        return sizes[key]
    if key in open_:
        raise _Refused(f"an alias at line {node.start_mark.line + 1} refers to a value that contains it")
    open_.add(key)
    if isinstance(node.value, list):
        children = [c for pair in node.value for c in (pair if isinstance(pair, tuple) else (pair,))]
        total = 1
        for child in children:
            total += _expanded_size(child, sizes, open_)
            if total > MAX_YAML_NODES:  # stop counting early: the caller refuses it anyway
                break
    else:
        total = 1
    open_.discard(key)
    sizes[key] = total
    return total


@functools.cache
def _loader_class():
    import yaml

    class Loader(yaml.SafeLoader):
        """PyYAML's safe loader, refusing a mapping key given twice (it would keep the last)."""

        def construct_mapping(self, node, deep=False):
            if isinstance(node, yaml.MappingNode):
                seen: dict[object, int] = {}
                for key_node, _ in node.value:
                    if key_node.tag == "tag:yaml.org,2002:merge":
                        continue  # `<<: *base` merges; explicit keys may override merged ones
                    key, line = self.construct_object(key_node, deep=True), key_node.start_mark.line + 1
                    try:
                        first = seen.get(key)
                    except TypeError:  # an unhashable key: the constructor refuses it itself
                        continue
                    if first is not None:
                        where = f"lines {first} and {line}" if first != line else f"both on line {line}"
                        raise _Refused(f"key {_plain(repr(key), 60)} is given twice ({where}); keep one")
                    seen[key] = line
            return super().construct_mapping(node, deep=deep)

    return Loader


def _Loader(text: str):
    return _loader_class()(text)


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
