"""The :class:`CancerType` value object: a cancer type's measured biology, each field with its source."""

from __future__ import annotations

from dataclasses import dataclass, field

from iosim.cancers import mapping
from iosim.errors import ModelError
from iosim.therapy.drugs import Value


@dataclass(frozen=True)
class CancerType:
    id: str
    name: str
    doubling_days: Value
    tumour_cells: Value
    neoantigen_load: Value
    presentation: Value
    infiltration: Value
    pdl1: Value
    #: Fraction of tumour cells expressing each therapy target (absent = 0).
    targets: dict[str, Value] = field(default_factory=dict)
    #: Whether response assessment counts a residual (dead, fibrotic) mass: 1 for CT (RECIST), 0 for PET.
    residue_seen: Value = Value(1.0, "1", "response by CT (RECIST 1.1, Eisenhauer 2009): residual masses measured")
    description: str = ""
    #: Response criteria a trial uses unless its spec says otherwise (iosim.endpoints.criteria): RECIST 1.1
    #: for solid tumours (Eisenhauer 2009), Lugano 2014 for lymphoma (Cheson 2014 JCO 32:3059), marrow
    #: remission for B-ALL (Maude 2018 NEJM 378:439).
    response_criteria: str = "recist1.1"

    def __post_init__(self) -> None:
        for label, v in (("presentation", self.presentation), ("infiltration", self.infiltration),
                         ("pdl1", self.pdl1), *self.targets.items()):  # fmt: skip
            if not 0.0 <= v.value <= 1.0:
                raise ModelError(f"cancer {self.id}: {label} must lie in [0, 1], got {v.value}")
        if self.doubling_days.value <= 0 or self.tumour_cells.value <= 0:
            raise ModelError(f"cancer {self.id}: doubling time and burden must be positive")

    @property
    def growth_rate(self) -> float:
        return mapping.growth_rate(self.doubling_days.value)

    @property
    def immunogenicity(self) -> float:
        return mapping.immunogenicity(self.presentation.value, self.neoantigen_load.value)

    def target_fraction(self, target: str) -> float:
        v = self.targets.get(target)
        return 0.0 if v is None else v.value

    def model_parameters(self) -> dict[str, float]:
        return {
            "growth_rate": self.growth_rate,
            "immunogenicity": self.immunogenicity,
            "infiltration": self.infiltration.value,
            "pdl1_base": self.pdl1.value,
            "residue_seen": self.residue_seen.value,
        }


def value(number: float, source: str, unit: str = "1") -> Value:
    """A measured or chosen quantity of a cancer type, with its source."""
    return Value(number, unit, source)


def doubling(days: float, source: str) -> Value:
    return Value(days, "day", source)


def tmb(mutations_per_mb: float, source: str) -> Value:
    return Value(mutations_per_mb, "mut/Mb", source)
