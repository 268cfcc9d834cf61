"""Hypothesis strategies for malformed input: odd values, mutated trees, mutated text."""

from __future__ import annotations

import math
from typing import Any

from hypothesis import strategies as st

#: Numbers that break naive parsers: non-finite, signed zero, extremes, huge integers.
NASTY_NUMBERS = (math.nan, math.inf, -math.inf, -0.0, 0, -1, 1e-320, 1e-9, 1e308, -1e308, 2**63, 10**30, True)
#: Text that breaks naive parsers: empty, control characters, markup, formulas, long.
NASTY_TEXT = ("", " ", "\n", "a\nb", "\x00", "\t", "nan", "inf", "1e999", "-1", "<", "&", "{", "[", "'",
              "ü", "中", "\u202e", "x" * 300, "3mg/kg-q2w", "T:1@0", "melanoma", "nivolumab")  # fmt: skip

numbers = st.one_of(
    st.sampled_from(NASTY_NUMBERS),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
)
texts = st.one_of(st.sampled_from(NASTY_TEXT), st.text(max_size=12))
scalars = st.one_of(st.none(), st.booleans(), numbers, texts)
#: Anything a YAML file can hold (keys as text, as YAML files mostly have).
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(texts, inner, max_size=4),
    max_leaves=8,
)


def _paths(tree: Any, prefix: tuple = ()) -> list[tuple]:
    """Every path (keys and list indices) to a node of a nested dict/list."""
    out = [prefix]
    if isinstance(tree, dict):
        for k, v in tree.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(tree, list):
        for i, v in enumerate(tree):
            out += _paths(v, (*prefix, i))
    return out


def _get(tree: Any, path: tuple) -> Any:
    for p in path:
        tree = tree[p]
    return tree


@st.composite
def mutated_tree(draw, base: Any, steps: int = 3) -> Any:
    """``base`` (a nested dict/list, copied) with 1..steps mutations: a node replaced by any
    value, deleted, duplicated (a list item), or a key added."""
    import copy

    tree = copy.deepcopy(base)
    for _ in range(draw(st.integers(1, steps))):
        paths = _paths(tree)
        path = draw(st.sampled_from(paths))
        kind = draw(st.sampled_from(["replace", "delete", "duplicate", "add_key", "nudge"]))
        if not path:  # the root: replace it (rarely) or add a key
            if kind == "replace":
                tree = draw(values)
                continue
            kind = "add_key"
        parent = _get(tree, path[:-1]) if path else None
        node = _get(tree, path)
        if kind == "replace":
            parent[path[-1]] = draw(values)
        elif kind == "delete" and isinstance(parent, (dict, list)):
            del parent[path[-1]]
        elif kind == "duplicate" and isinstance(parent, list):
            parent.insert(path[-1], copy.deepcopy(node))
        elif kind == "add_key" and isinstance(node, dict):
            node[draw(texts)] = draw(values)
        elif kind == "nudge" and isinstance(node, (int, float)) and not isinstance(node, bool):
            # Scale a number: keeps the type, explores ranges (0, negative, tiny, huge).
            parent[path[-1]] = node * draw(st.sampled_from([0, -1, 1e-12, 1e-3, 1e3, 1e12, 1e300]))
        elif path:
            parent[path[-1]] = draw(scalars)
    return tree


@st.composite
def mutated_text(draw, base: str, steps: int = 3) -> bytes:
    """``base`` (text, as UTF-8 bytes) with 1..steps edits: truncation, inserted bytes (invalid
    UTF-8, NUL, markup), a deleted or duplicated line, a number replaced by an extreme one,
    or deep nesting."""
    data = base.encode("utf-8")
    for _ in range(draw(st.integers(1, steps))):
        kind = draw(st.sampled_from(["truncate", "insert", "delete_line", "duplicate_line", "number", "nest"]))
        pos = draw(st.integers(0, len(data)))
        if kind == "truncate":
            data = data[:pos]
        elif kind == "insert":
            junk = draw(st.sampled_from([b"\xff\xfe", b"\xed\xb3\xbf", b"\x00", b"\n", b"\t", b": ", b"- ", b"[",
                                         b"{", b"<", b"&", b"]]>", b"*a", b"&a ", b"!!binary", b"%"]))  # fmt: skip
            data = data[:pos] + junk + data[pos:]
        elif kind in ("delete_line", "duplicate_line"):
            lines = data.split(b"\n")
            i = draw(st.integers(0, len(lines) - 1))
            lines[i:i + 1] = [] if kind == "delete_line" else [lines[i], lines[i]]  # fmt: skip
            data = b"\n".join(lines)
        elif kind == "number":
            import re

            spans = [m.span() for m in re.finditer(rb"\d+(\.\d+)?", data)]
            if spans:
                a, b = draw(st.sampled_from(spans))
                new = draw(st.sampled_from([b"1e999", b"-1", b"0", b".nan", b"NaN", b"1e308", b"99999999999999999999",
                                            b"1e-320", b"-0"]))  # fmt: skip
                data = data[:a] + new + data[b:]
        else:
            depth = draw(st.sampled_from([20, 200, 2000]))
            data = data[:pos] + b"[" * depth + b"]" * depth + data[pos:]
    return data
