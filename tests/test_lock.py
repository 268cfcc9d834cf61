"""requirements.lock, which `make run` and `make test` install from, covers pyproject.toml:
every dependency of iosim and of its `dev` extra is pinned, with hashes, at a version the
project accepts. A dependency added to pyproject.toml without `make lock` fails here."""

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "requirements.lock"
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)")


def _pins() -> dict[str, tuple[str, int]]:
    """name -> (version, number of hashes) of every pin in the lock."""
    pins: dict[str, tuple[str, int]] = {}
    name = None
    for line in LOCK.read_text().splitlines():
        m = PIN.match(line)
        if m:
            name = canonicalize_name(m[1])
            pins[name] = (m[2], 0)
        elif name and line.strip().startswith("--hash=sha256:"):
            pins[name] = (pins[name][0], pins[name][1] + 1)
    return pins


def _declared() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return [Requirement(r) for r in project["dependencies"] + project["optional-dependencies"]["dev"]]


@pytest.mark.parametrize("req", _declared(), ids=str)
def test_every_declared_dependency_is_locked_at_an_accepted_version(req):
    pins = _pins()
    name = canonicalize_name(req.name)
    assert name in pins, f"{req.name} is in pyproject.toml but not in requirements.lock: run `make lock`"
    version, hashes = pins[name]
    assert req.specifier.contains(version, prereleases=True), f"{req.name}=={version} does not satisfy {req}"
    assert hashes >= 1, f"{req.name} is pinned without a hash"


def test_extras_and_the_build_backend_are_locked():
    # dask[distributed] needs distributed itself in the lock, not only dask
    pins = _pins()
    assert "distributed" in pins
    assert all(n in pins for n in ("hatchling", "editables")), "the build backend is locked too (--no-build-isolation)"
