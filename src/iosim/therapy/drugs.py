"""The :class:`Drug` value object: class, target, pharmacokinetics, regimens, mechanism binding.

A drug binds to the flagship model ``core`` through its ``mechanism`` (which slot of the
model it fills: ``pd1``, ``pdl1``, ``ctla4``, ``mab``, ``car``, ``til``, ``vaccine``, ``il2``,
``ifn``). Its PK and PD parameters override that slot's defaults; its dose enters the slot's
state after conversion to model units.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from iosim.errors import ModelError

DRUG_CLASSES = ("checkpoint inhibitor", "antibody", "cell therapy", "vaccine", "cytokine", "chemotherapy")

#: mechanism -> (dosed state of the core model, how a dose becomes model units)
MECHANISMS: dict[str, tuple[str, str]] = {
    "pd1": ("pd1_c", "mg / Vc"),
    "pdl1": ("pdl1_c", "mg / Vc"),
    "ctla4": ("ctla4_c", "mg / Vc"),
    "mab": ("mab_c", "mg / Vc"),
    "car": ("C", "CAR+ cells"),
    "til": ("E", "cells x tumour-reactive fraction"),
    "vaccine": ("vac", "presenting cells"),
    "il2": ("il2x", "IU / distribution volume (mL)"),
    "ifn": ("ifn", "IU / distribution volume (mL)"),
    "chemo": ("chemo", "mg / effective volume (L)"),
}


@dataclass(frozen=True)
class Value:
    """A number with its unit and source."""

    value: float
    unit: str
    source: str

    def __post_init__(self) -> None:
        if not self.source.strip():
            raise ModelError("every drug parameter needs a source")


@dataclass(frozen=True)
class Drug:
    id: str
    name: str
    drug_class: str
    #: Molecular target, e.g. "PD-1", "CD20"; for targeted drugs the cancer must express it.
    target: str
    mechanism: str
    description: str
    #: Core-model parameters this drug sets (PK and PD), by name.
    parameters: dict[str, Value] = field(default_factory=dict)
    #: Terminal half-life reported by the source (days); what the PK test checks.
    half_life: Value | None = None
    #: Volume a dose is divided by to give the dosed state's units (L for mg/L, mL for IU/mL).
    dose_volume: Value | None = None
    #: Labelled regimens, label -> regimen string; ``default`` is used when none is given.
    regimens: dict[str, str] = field(default_factory=dict)
    regimen_sources: str = ""
    #: Whether the tumour must express ``target`` for the drug to act (CD19, CD20, HER2, PAP).
    targeted: bool = False
    #: Cell therapies: lymphodepletion (fludarabine/cyclophosphamide) before infusion, in days.
    lymphodepletion_days: float | None = None
    #: Other drugs given with this one, (drug id, regimen, start day relative to this drug).
    companions: tuple[tuple[str, str, float], ...] = ()
    #: Fraction of infused cells that act (TIL: tumour-reactive fraction).
    active_fraction: Value | None = None

    def __post_init__(self) -> None:
        if self.drug_class not in DRUG_CLASSES:
            raise ModelError(f"drug {self.id}: class {self.drug_class!r} is not one of {DRUG_CLASSES}")
        if self.mechanism not in MECHANISMS:
            raise ModelError(f"drug {self.id}: mechanism {self.mechanism!r} is not one of {tuple(MECHANISMS)}")
        if "default" not in self.regimens:
            raise ModelError(f"drug {self.id} needs a 'default' labelled regimen")

    @property
    def state(self) -> str:
        return MECHANISMS[self.mechanism][0]

    def parameter_values(self) -> dict[str, float]:
        return {k: v.value for k, v in self.parameters.items()}
