"""Which population each cancer's virtual patients come from, read from the registry's trial specs.

A cancer is *calibrated* when a registry trial with a ``calibrated`` entry is of that cancer; its
population is then that trial's population file (a calibrated trial's first, else any registry
trial's), and the cancer type's default spread otherwise.
"""

from __future__ import annotations

import functools
from pathlib import Path

from iosim.trials.spec import load_trial_spec
from iosim.validation.registry import Registry, load_registry


@functools.lru_cache(maxsize=32)
def _spec_cancer(path: Path) -> str:
    return load_trial_spec(path).cancer


def trial_cancer(trial: str, registry: Registry | None = None) -> str:
    """The cancer type of a registry trial, read from its spec."""
    return _spec_cancer((registry or load_registry()).spec_path(trial))


def calibrated_trials(cancer: str, registry: Registry | None = None) -> list[str]:
    """Trials with a ``calibrated`` entry whose cancer is ``cancer``: where its population comes from."""
    registry = registry or load_registry()
    return [t for t in registry.trials() if trial_cancer(t, registry) == cancer
            and any(e.role == "calibrated" for e in registry.for_trial(t))]  # fmt: skip


def population_path(cancer: str, registry: Registry | None = None) -> Path | None:
    """The population file a registry trial of ``cancer`` uses (a calibrated trial's first), if any."""
    from iosim.library import EXAMPLES

    registry = registry or load_registry()
    trials = [t for t in registry.trials() if trial_cancer(t, registry) == cancer]
    calibrated = set(calibrated_trials(cancer, registry))
    for trial in sorted(trials, key=lambda t: t not in calibrated):
        population = load_trial_spec(registry.spec_path(trial)).population
        if population:
            return EXAMPLES / population
    return None


def calibration_status(cancer: str) -> str:
    """``"calibrated (trial, ...)"`` when a registry trial calibrated this cancer's population, else
    ``"uncalibrated"`` (the population is the cancer type's default, or calibrated on nothing)."""
    trials = calibrated_trials(cancer)
    return f"calibrated ({', '.join(trials)})" if trials else "uncalibrated"
