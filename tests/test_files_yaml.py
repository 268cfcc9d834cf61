"""The one YAML loader every input file goes through (trial specs, populations, scenarios):
what it refuses, and that each refusal is one line naming the file and the place."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from iosim.errors import InputError
from iosim.files import MAX_YAML_NODES, load_yaml


def _load(tmp_path: Path, text: str):
    path = tmp_path / "input.yaml"
    path.write_text(text, encoding="utf-8")
    return load_yaml(path, "test file", 1_000_000)


def _refusal(tmp_path: Path, text: str) -> str:
    with pytest.raises(InputError) as info:
        _load(tmp_path, text)
    message = str(info.value)
    assert "\n" not in message and len(message) < 500
    assert "test file" in message
    return message


def test_a_key_given_twice_is_refused_with_both_lines(tmp_path):
    message = _refusal(tmp_path, "seed: 1\nname: x\nseed: 2\n")
    assert "key 'seed' is given twice (lines 1 and 3)" in message


def test_a_key_given_twice_in_a_nested_or_flow_mapping_is_refused(tmp_path):
    assert "key 'a' is given twice (both on line 2)" in _refusal(tmp_path, "x: 1\ny: {a: 1, a: 2}\n")
    assert "key 'growth_rate'" in _refusal(tmp_path, "shifts:\n  growth_rate: 1\n  growth_rate: 2\n")


def test_a_merge_key_may_be_overridden(tmp_path):
    # YAML merge keys are the one place a later explicit key legitimately replaces one.
    assert _load(tmp_path, "base: &b {a: 1, b: 2}\nc:\n  <<: *b\n  a: 3\n")["c"] == {"a": 3, "b": 2}


def test_syntax_errors_give_line_and_column(tmp_path):
    message = _refusal(tmp_path, "a: 1\nb: [1, 2\nc: 3\n")
    assert "is not valid YAML at line 3, column 2" in message


def test_an_alias_bomb_is_refused_quickly_and_briefly(tmp_path):
    # "billion laughs": 9^10 strings from a few hundred bytes.
    items = ['&a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    items += [f"&a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 10)]
    start = time.monotonic()
    message = _refusal(tmp_path, "growth_rate: [" + ", ".join(items) + "]\n")
    assert time.monotonic() - start < 5.0
    assert f"expand to more than {MAX_YAML_NODES:,} values" in message


def test_aliases_within_the_bound_still_work(tmp_path):
    data = _load(tmp_path, "base: &b {growth_rate: 0.1}\narms: [*b, *b, *b]\n")
    assert data["arms"] == [{"growth_rate": 0.1}] * 3


def test_a_value_containing_itself_is_refused(tmp_path):
    assert "refers to a value that contains it" in _refusal(tmp_path, "shifts: &s\n  growth_rate: *s\n")


def test_text_that_is_not_utf8_is_refused(tmp_path):
    path = tmp_path / "input.yaml"
    path.write_bytes(b"name: caf\xe9\n")
    with pytest.raises(InputError, match="not UTF-8"):
        load_yaml(path, "test file", 1000)


def test_an_empty_file_is_none(tmp_path):
    assert _load(tmp_path, "") is None


def test_every_yaml_input_goes_through_the_shared_loader():
    """No module reads YAML on its own (each would need the checks above again)."""
    src = Path(__file__).resolve().parents[1] / "src" / "iosim"
    readers = [
        p
        for p in src.rglob("*.py")
        if p.name != "files.py"
        and any(f"yaml.{f}(" in p.read_text() for f in ("safe_load", "load", "full_load", "unsafe_load"))
    ]
    assert not readers, f"read YAML through iosim.files.load_yaml: {readers}"
