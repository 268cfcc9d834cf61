"""Dose units and their conversion with the patient's weight and body-surface area.

Supported units: ``mg``, ``mg/kg``, ``mg/m2``, ``IU``, ``IU/kg``, ``MIU``, ``MIU/m2``,
``cells``, ``cells/kg``. A per-kg dose needs ``weight_kg``; a per-m² dose needs ``weight_kg``
and ``height_cm`` (BSA by Mosteller 1987, N Engl J Med 317:1098: sqrt(height_cm * weight_kg / 3600)).
:func:`to_absolute` converts a dose to mg, IU or cells for one patient; :func:`from_absolute` is its inverse.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from iosim.errors import DosingError, InputError

#: unit -> (base unit, per-what: "" | "kg" | "m2", factor to the base unit)
UNITS: dict[str, tuple[str, str, float]] = {
    "mg": ("mg", "", 1.0),
    "mg/kg": ("mg", "kg", 1.0),
    "mg/m2": ("mg", "m2", 1.0),
    "IU": ("IU", "", 1.0),
    "IU/kg": ("IU", "kg", 1.0),
    "MIU": ("IU", "", 1e6),
    "MIU/m2": ("IU", "m2", 1e6),
    "cells": ("cells", "", 1.0),
    "cells/kg": ("cells", "kg", 1.0),
}
_ALIASES = {"mg/m^2": "mg/m2", "mg/m²": "mg/m2", "miu/m2": "MIU/m2", "iu/kg": "IU/kg", "iu": "IU", "miu": "MIU"}

#: A typical adult patient, used when the scenario gives no covariates.
TYPICAL_PATIENT = {"weight_kg": 70.0, "height_cm": 170.0}


def normalise_unit(unit: str) -> str:
    u = unit.strip()
    if u.startswith("mIU"):  # lower-case m is milli: reading it as million (the "miu" alias) is a 1e9-fold error
        raise DosingError(f"dose unit {unit!r} reads as milli-IU; write IU, or MIU for million IU")
    u = _ALIASES.get(u, _ALIASES.get(u.lower(), u))
    if u not in UNITS:
        raise DosingError(f"unknown dose unit {unit!r}; use one of {', '.join(UNITS)}")
    return u


def bsa_mosteller(weight_kg: float, height_cm: float) -> float:
    """Body-surface area in m² (Mosteller 1987)."""
    return math.sqrt(height_cm * weight_kg / 3600.0)


@dataclass(frozen=True)
class Patient:
    """Covariates used to convert doses. Validates itself; errors name the field and the fix."""

    weight_kg: float = TYPICAL_PATIENT["weight_kg"]
    height_cm: float | None = None

    def __post_init__(self) -> None:
        _check_range("weight_kg", self.weight_kg, 2.0, 400.0)
        if self.height_cm is not None:
            _check_range("height_cm", self.height_cm, 40.0, 260.0)

    @property
    def bsa_m2(self) -> float:
        if self.height_cm is None:
            raise InputError(
                "a dose in mg/m2 needs the body-surface area: give the patient's height_cm (e.g. "
                "--patient weight_kg=70,height_cm=175)"
            )
        return bsa_mosteller(self.weight_kg, self.height_cm)

    @classmethod
    def from_mapping(cls, values: Mapping[str, float] | None) -> Patient:
        if values is None:  # no covariates at all: the typical adult, height included
            return cls(TYPICAL_PATIENT["weight_kg"], TYPICAL_PATIENT["height_cm"])
        values = dict(values)
        known = {"weight_kg", "height_cm"}
        unknown = sorted(set(values) - known)
        if unknown:
            raise InputError(f"unknown patient covariate {unknown[0]!r}; use weight_kg and height_cm")
        return cls(
            weight_kg=float(values.get("weight_kg", TYPICAL_PATIENT["weight_kg"])),
            height_cm=None if values.get("height_cm") is None else float(values["height_cm"]),
        )


def _check_range(name: str, value: float, lo: float, hi: float) -> None:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise InputError(f"patient {name} must be a number, got {value!r}") from None
    if not (math.isfinite(v) and lo <= v <= hi):
        raise InputError(f"patient {name}={value} is outside [{lo:g}, {hi:g}]; give a plausible value")


def _per_patient(per: str, patient: Patient) -> float:
    """What a per-kg or per-m² dose is multiplied by for this patient (1 for a flat dose)."""
    if per == "kg":
        return patient.weight_kg
    if per == "m2":
        return patient.bsa_m2
    return 1.0


def to_absolute(amount: float, unit: str, patient: Patient) -> tuple[float, str]:
    """Convert ``amount`` in ``unit`` to an absolute amount in mg, IU or cells for this patient."""
    u = normalise_unit(unit)
    base, per, factor = UNITS[u]
    if not (math.isfinite(amount) and amount > 0):
        raise DosingError(f"dose amount must be a positive number, got {amount}")
    return amount * factor * _per_patient(per, patient), base


def from_absolute(value: float, unit: str, patient: Patient) -> float:
    """The dose in ``unit`` (mg/kg, MIU/m2, ...) that gives ``value`` mg, IU or cells to this patient.

    The inverse of :func:`to_absolute`: ``from_absolute(to_absolute(a, u, p)[0], u, p) == a`` up to rounding.
    """
    u = normalise_unit(unit)
    _, per, factor = UNITS[u]
    if not (math.isfinite(value) and value > 0):
        raise DosingError(f"absolute dose must be a positive number, got {value}")
    return value / (factor * _per_patient(per, patient))
