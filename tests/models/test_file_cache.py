"""A model file read before comes back from the cache, equal to a fresh read and without libSBML; any
change to the file reads it again; a failed read is never kept (iosim.models._file_cache)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from iosim.models import _file_cache, _read_model_file, load_model_file
from iosim.sbml import SBMLError
from iosim.sbml.reader import MAX_BYTES

ANT = "model m\n  x' = -k*x\n  x = 2\n  k = 0.5\n  at time >= 3: x = x + 1\nend\n"
SRC = str(Path(__file__).resolve().parents[2] / "src")


@pytest.fixture
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("IOSIM_CACHE_DIR", str(folder))
    return folder


def _entries(cache: Path) -> list[Path]:
    return sorted((cache / "models").glob("m_*.pickle"))


def test_a_second_read_equals_the_first_and_a_fresh_parse(tmp_path, cache):
    path = tmp_path / "m.ant"
    path.write_text(ANT)
    first = load_model_file(str(path))
    assert len(_entries(cache)) == 1
    second = load_model_file(str(path))
    assert second == first and second[0] is not first[0]
    assert second == _read_model_file(path, str(path))  # what parsing the file gives
    assert second[0].state_names == ("x",) and second[0].parameter("k").value == 0.5
    assert [e.time for e in second[1].events] == [3.0]  # the event's dose comes with it


def test_a_cached_read_does_not_load_libsbml_or_libantimony(tmp_path, cache):
    path = tmp_path / "m.ant"
    path.write_text(ANT)
    code = (
        "import json, sys\nfrom iosim.models import load_model_file\n"
        f"m, r = load_model_file({str(path)!r})\n"
        "print(json.dumps([m.state_names, sorted(k for k in sys.modules if k.split('.')[0] in "
        "('libsbml', 'antimony') or k.startswith('iosim.sbml'))]))"
    )
    env = {**os.environ, "PYTHONPATH": SRC, "IOSIM_CACHE_DIR": str(cache)}
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
            for _ in range(2)]  # fmt: skip
    first, second = (json.loads(r.stdout.strip().splitlines()[-1]) for r in runs)
    assert first[0] == second[0] == ["x"]
    assert "libsbml" in first[1] and "antimony" in first[1]  # the first run parsed the file
    assert second[1] == []


def test_an_edited_file_is_read_again(tmp_path, cache):
    path = tmp_path / "m.ant"
    path.write_text(ANT)
    assert load_model_file(str(path))[0].parameter("k").value == 0.5
    path.write_text(ANT.replace("k = 0.5", "k = 0.25"))
    assert load_model_file(str(path))[0].parameter("k").value == 0.25
    assert len(_entries(cache)) == 2


def test_the_same_text_as_sbml_and_as_antimony_are_kept_apart(tmp_path, cache):
    # The suffix chooses the reader: the same bytes under another suffix are another entry.
    ant = tmp_path / "m.ant"
    ant.write_text(ANT)
    load_model_file(str(ant))
    xml = tmp_path / "m.xml"
    xml.write_text(ANT)
    with pytest.raises(SBMLError):
        load_model_file(str(xml))


def test_a_damaged_entry_is_read_from_the_file_again(tmp_path, cache):
    path = tmp_path / "m.ant"
    path.write_text(ANT)
    expected = load_model_file(str(path))
    (entry,) = _entries(cache)
    entry.write_bytes(b"not a pickle")
    assert load_model_file(str(path)) == expected
    assert entry.read_bytes() != b"not a pickle"  # replaced


def test_an_unwritable_cache_still_reads(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("IOSIM_CACHE_DIR", str(blocker))  # a file: no folder can be made under it
    path = tmp_path / "m.ant"
    path.write_text(ANT)
    assert load_model_file(str(path))[0].state_names == ("x",)


def test_a_bad_file_fails_every_time(tmp_path, cache):
    path = tmp_path / "bad.ant"
    path.write_text("model m\n  x' = -k*\nend\n")
    for _ in range(2):
        with pytest.raises(SBMLError, match="cannot read Antimony"):
            load_model_file(str(path))
    assert _entries(cache) == []


def test_the_size_limit_is_the_readers():
    assert _file_cache.MAX_BYTES == MAX_BYTES
