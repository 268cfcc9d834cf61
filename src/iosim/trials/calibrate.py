"""Calibrating a virtual population to observed trial arms.

The unknowns are population-level: multiplicative shifts of the centre of a varying
biological parameter (``immunogenicity``, ``infiltration``, ...) or a model parameter set
for every patient (``ctla4_priming_gain``). They are searched on the log scale with
Nelder–Mead from a wide first simplex (each unknown times e); every evaluation simulates
the same virtual patients (common random numbers), so the objective is deterministic.

Targets come only from the calibration registry (:mod:`iosim.validation`): each must be an entry
with role ``calibrated`` for the spec's trial (:func:`registry_targets`), so nothing outside the
registry is ever fitted and ``predicted`` entries stay predictions.

Objective: the sum over targets of squared relative errors, with rates compared on the
absolute scale (an ORR off by 0.05 counts as (0.05 / 0.1)² — errors of a tenth in a rate
weigh as much as 100% error in a median).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from scipy.optimize import minimize

from iosim.errors import InputError
from iosim.trials.arms import plan_arm
from iosim.trials.population import Population
from iosim.trials.spec import TrialSpec

ENDPOINTS = ("orr", "cr_rate", "dcr", "median_pfs_months", "median_os_months")
RATE_SCALE = 0.1


@dataclass(frozen=True)
class Target:
    arm: str
    values: dict[str, float]


def registry_targets(spec: TrialSpec, texts: list[str]) -> list[Target]:
    """Targets from ``--target`` texts, each a registry entry with role ``calibrated`` for ``spec``'s trial.

    A text is registry ids (``checkmate067/nivolumab/orr``, comma-separated), or
    ``arm=ARM,ENDPOINT[=VALUE],...``: an endpoint without a value takes the registry's; a value given
    must equal it. Anything else is refused with one line naming the registry."""
    from iosim.validation.registry import REGISTRY_NAME, Entry, RegistryError, load_registry

    registry = load_registry()
    chosen: dict[str, dict[str, float]] = {}
    for text in texts:
        if "=" not in text:
            ids = [i.strip() for i in text.split(",") if i.strip()]
            pairs: list[tuple[Entry, float | None]] = [(registry.get(i), None) for i in ids]
        else:
            items = [p.partition("=") for p in text.split(",")]
            arm = next((v.strip() for k, _, v in items if k.strip() == "arm"), "")
            if not arm:
                raise InputError(
                    f"--target {text!r} needs arm=ARM (or give registry ids such as checkmate067/nivolumab/orr)"
                )
            pairs = []
            for key, eq, value in items:
                key = key.strip()
                if key == "arm":
                    continue
                if key not in ENDPOINTS:
                    raise InputError(f"--target: unknown endpoint {key!r}; choose from {', '.join(ENDPOINTS)}")
                entry = registry.find(spec.name, arm, key)
                if entry is None:
                    raise RegistryError(f"--target {spec.name} {arm} {key} is not an entry of {REGISTRY_NAME}; "
                                        "add the observation there first (docs/calibration.md)")  # fmt: skip
                given: float | None = None
                if eq:
                    try:
                        given = float(value)
                    except ValueError:
                        raise InputError(f"--target: {key}={value!r} is not a number") from None
                pairs.append((entry, given))
        if not pairs:
            raise InputError(f"--target {text!r} names no endpoint")
        for entry, given in pairs:
            if entry.trial != spec.name:
                raise RegistryError(f"--target {entry.id} belongs to trial {entry.trial}, not {spec.name}")
            if entry.role != "calibrated":
                raise RegistryError(f"--target {entry.id} has role {entry.role} in {REGISTRY_NAME}: predicted "
                                    "observations are never fitted")  # fmt: skip
            if given is not None and not math.isclose(given, entry.observed, rel_tol=1e-9, abs_tol=1e-12):
                raise RegistryError(
                    f"--target {entry.endpoint}={given:g} differs from {REGISTRY_NAME}, which says "
                    f"{entry.observed:g} ({entry.id}); targets come only from the registry"
                )
            chosen.setdefault(entry.arm, {})[entry.endpoint] = entry.observed
    return [Target(arm, values) for arm, values in chosen.items()]


@dataclass(frozen=True)
class Calibration:
    population: Population
    table: pd.DataFrame
    objective: float
    evaluations: int


def _error(endpoint: str, observed: float, simulated: float) -> float:
    if not math.isfinite(simulated):
        return 10.0
    if endpoint.startswith("median"):
        return (simulated / observed - 1.0) ** 2
    return ((simulated - observed) / RATE_SCALE) ** 2


def simulate_arms(spec: TrialSpec, population: Population, arms: list[str], n: int) -> pd.DataFrame:
    """Per-arm summary for ``n`` patients per arm (the first n virtual patients)."""
    from iosim.endpoints.summary import summarize
    from iosim.trials.runner import simulate_chunk

    outcomes = []
    for arm in spec.arms:
        if arm.name not in arms:
            continue
        plan = plan_arm(spec.cancer, arm.therapies, spec.follow_up_days)
        outcomes.append(simulate_chunk(spec, plan, population, arm.name, np.arange(n))["outcomes"])
    return summarize(pd.concat(outcomes, ignore_index=True)).set_index("arm")


def calibrate(
    spec: TrialSpec,
    population: Population,
    targets: list[Target],
    vary: list[str],
    *,
    patients: int = 400,
    max_evaluations: int = 40,
    progress: Callable[[int, int], None] | None = None,
) -> Calibration:
    """Search ``vary`` so that the simulated arms meet ``targets``; ``progress(evaluations, most)``, if given,
    is called after each evaluation (the most is ``max_evaluations`` plus the final check)."""
    names = {a.name for a in spec.arms}
    # Nothing outside the registry is fitted, whichever way the targets were built.
    registry_targets(spec, [f"arm={t.arm}," + ",".join(f"{k}={v!r}" for k, v in t.values.items()) for t in targets])
    for t in targets:
        if t.arm not in names:
            raise InputError(f"--target arm {t.arm!r} is not an arm of {spec.name}; arms: {', '.join(sorted(names))}")
    varying = {v.name for v in population.variations}
    from iosim.models import get_model

    model = get_model(spec.model)
    for name in vary:
        if name not in varying:
            model.parameter(name)  # raises UnknownNameError with suggestions
    arms = sorted({t.arm for t in targets})
    start = np.zeros(len(vary))
    base_overrides = dict(population.overrides)
    # A drug's parameter (chemotherapy potency, CAR-T expansion) starts from the drug's catalogue value.
    drug_values: dict[str, float] = {}
    for a in spec.arms:
        if a.name in arms:
            drug_values.update(plan_arm(spec.cancer, a.therapies, spec.follow_up_days).params)

    def population_at(x: np.ndarray) -> Population:
        shifts, overrides = dict(population.shifts), dict(base_overrides)
        for name, value in zip(vary, x):
            if name in varying:
                shifts[name] = population.shifts.get(name, 1.0) * math.exp(value)
            else:
                centre = base_overrides.get(name, drug_values.get(name, model.parameter(name).value))
                overrides[name] = centre * math.exp(value)
        return replace(population, shifts=shifts, overrides=overrides)

    count = 0

    def objective(x: np.ndarray) -> float:
        nonlocal count
        count += 1
        summary = simulate_arms(spec, population_at(x), arms, patients)
        if progress is not None:
            progress(min(count, max_evaluations), max_evaluations + 1)
        return sum(_error(k, v, float(summary.loc[t.arm, k])) for t in targets for k, v in t.values.items())

    result = minimize(objective, start, method="Nelder-Mead",
                      options={"maxfev": max_evaluations, "xatol": 0.02, "fatol": 1e-3, "initial_simplex":
                               np.vstack([start, start + 1.0 * np.eye(len(vary))])})  # fmt: skip
    best = population_at(result.x)
    labels = tuple(f"{t.arm}: " + ", ".join(f"{k}={v:g}" for k, v in t.values.items()) for t in targets)
    best = replace(best, calibrated_to=labels)
    summary = simulate_arms(spec, best, arms, patients)
    if progress is not None:
        progress(max_evaluations + 1, max_evaluations + 1)
    rows = [
        {"arm": t.arm, "endpoint": k, "observed": v, "simulated": float(summary.loc[t.arm, k])}
        for t in targets
        for k, v in t.values.items()
    ]
    return Calibration(best, pd.DataFrame(rows), float(result.fun), count)
