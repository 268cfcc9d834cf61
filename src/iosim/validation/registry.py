"""The calibration registry: every observation iosim was calibrated on or is compared with.

One file, ``registry.yaml`` beside this module, is the only source of observed results:
``iosim calibrate`` fits only to its ``calibrated`` entries, the example trials' reports read
their observed rows from it, and ``iosim validate`` runs every entry. ``predicted`` entries are
comparisons only and are never tuned (docs/calibration.md).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Literal

from iosim.errors import InputError
from iosim.files import load_yaml

REGISTRY_PATH = Path(str(resources.files("iosim.validation") / "registry.yaml"))  # package data
#: How messages name the registry (the path inside the package).
REGISTRY_NAME = "the calibration registry (iosim/validation/registry.yaml)"
MAX_REGISTRY_BYTES = 1_000_000
_FIELDS = ("id", "trial", "spec", "arm", "endpoint", "observed", "ci_low", "ci_high", "n", "role", "source",
           "ci_source")  # fmt: skip
_REQUIRED = ("id", "trial", "spec", "arm", "endpoint", "observed", "role", "source")


class RegistryError(InputError):
    """The registry file is malformed, or a request names no registry entry."""


@dataclass(frozen=True)
class Entry:
    """One observed result of one arm of one real trial, with its 95% CI where known."""

    id: str
    trial: str
    spec: str
    arm: str
    endpoint: str
    observed: float
    ci_low: float | None
    ci_high: float | None
    n: int | None
    role: Literal["calibrated", "predicted"]
    source: str
    ci_source: str = "reported"

    @property
    def key(self) -> tuple[str, str, str]:
        return self.trial, self.arm, self.endpoint


@dataclass(frozen=True)
class Registry:
    entries: tuple[Entry, ...]

    def __iter__(self):
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    def trials(self) -> list[str]:
        """Trial names in order of first appearance."""
        return list(dict.fromkeys(e.trial for e in self.entries))

    def for_trial(self, trial: str) -> list[Entry]:
        return [e for e in self.entries if e.trial == trial]

    def find(self, trial: str, arm: str, endpoint: str) -> Entry | None:
        return next((e for e in self.entries if e.key == (trial, arm, endpoint)), None)

    def get(self, entry_id: str) -> Entry:
        for e in self.entries:
            if e.id == entry_id:
                return e
        raise RegistryError(f"{entry_id!r} is not an entry of {REGISTRY_NAME}; docs/validation.md lists them")

    def spec_path(self, trial: str) -> Path:
        from iosim.library import trial_path

        return trial_path(self.for_trial(trial)[0].spec)


def load_registry(path: str | Path | None = None) -> Registry:
    """The registry (the shipped one by default); every entry is checked when it is read."""
    return _load(Path(path) if path is not None else REGISTRY_PATH)


@functools.lru_cache(maxsize=8)
def _load(path: Path) -> Registry:
    from iosim.validation.endpoints import ENDPOINTS

    data = load_yaml(path, "calibration registry", MAX_REGISTRY_BYTES, RegistryError)
    if not (isinstance(data, dict) and isinstance(data.get("entries"), list)):
        raise RegistryError(f"{path}: expected a mapping with a list 'entries'")
    entries: list[Entry] = []
    for k, raw in enumerate(data["entries"]):
        where = f"{path.name}: entries[{k}]"
        if not isinstance(raw, dict):
            raise RegistryError(f"{where} must be a mapping with {', '.join(_REQUIRED)}")
        unknown = sorted(str(f) for f in raw if f not in _FIELDS)
        if unknown:
            raise RegistryError(f"{where}: unknown field {unknown[0]!r}; use {', '.join(_FIELDS)}")
        missing = [f for f in _REQUIRED if raw.get(f) is None]
        if missing:
            raise RegistryError(f"{where}: missing field {missing[0]!r}")
        entry = Entry(
            id=str(raw["id"]), trial=str(raw["trial"]), spec=str(raw["spec"]), arm=str(raw["arm"]),
            endpoint=str(raw["endpoint"]), observed=_number(where, "observed", raw["observed"]),
            ci_low=_optional(where, "ci_low", raw.get("ci_low")),
            ci_high=_optional(where, "ci_high", raw.get("ci_high")),
            n=_count(where, raw.get("n")), role=raw["role"], source=str(raw["source"]),
            ci_source=str(raw.get("ci_source") or "reported"),
        )  # fmt: skip
        if entry.role not in ("calibrated", "predicted"):
            raise RegistryError(f"{where}: role must be 'calibrated' or 'predicted', got {entry.role!r}")
        if entry.endpoint not in ENDPOINTS:
            raise RegistryError(f"{where}: unknown endpoint {entry.endpoint!r}; choose from {', '.join(ENDPOINTS)}")
        if (entry.ci_low is None) != (entry.ci_high is None):
            raise RegistryError(f"{where}: give both ci_low and ci_high, or neither")
        low, high = entry.ci_low, entry.ci_high
        if low is not None and high is not None and not low <= entry.observed <= high:
            raise RegistryError(f"{where}: observed {entry.observed:g} lies outside its CI [{entry.ci_low:g}, "
                                f"{entry.ci_high:g}]")  # fmt: skip
        if Path(entry.spec).is_absolute() or ".." in Path(entry.spec).parts:
            raise RegistryError(f"{where}: spec is a path relative to examples/, got {entry.spec!r}")
        entries.append(entry)
    ids = [e.id for e in entries]
    keys = ["/".join(e.key) for e in entries]
    for seen, what in ((ids, "id"), (keys, "trial/arm/endpoint")):
        dup = next((x for x in seen if seen.count(x) > 1), None)
        if dup is not None:
            raise RegistryError(f"{path.name}: {what} {dup!r} appears twice")
    return Registry(tuple(entries))


def _number(where: str, field: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise RegistryError(f"{where}: {field} must be a finite number, got {value!r}"[:300])
    return float(value)


def _optional(where: str, field: str, value: object) -> float | None:
    return None if value is None else _number(where, field, value)


def _count(where: str, value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise RegistryError(f"{where}: n must be a whole number of patients, got {value!r}"[:300])
    return value


def check_observed(spec) -> None:
    """A trial spec's (deprecated) ``observed`` blocks must repeat the registry for a registry trial."""
    registry = load_registry()
    if not registry.for_trial(spec.name):
        return
    for arm in spec.arms:
        if arm.observed is None:
            continue
        for endpoint in ("orr", "cr_rate", "median_pfs_months", "median_os_months"):
            value = getattr(arm.observed, endpoint)
            if value is None:
                continue
            entry = registry.find(spec.name, arm.name, endpoint)
            if (
                entry is None
                or not math.isclose(value, entry.observed, rel_tol=1e-9, abs_tol=1e-12)
                or arm.observed.role_of(endpoint) != entry.role
            ):
                said = "has no such entry" if entry is None else f"says {entry.observed:g} ({entry.role})"
                raise RegistryError(
                    f"arm {arm.name!r}: observed {endpoint}={value:g} does not match {REGISTRY_NAME}, which {said}; "
                    "remove the deprecated 'observed' block (the registry is the one source)"
                )
