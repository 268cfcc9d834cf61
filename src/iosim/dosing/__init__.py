"""Dosing: boluses, infusions, set-events and regimens built from them."""

from iosim.dosing.parse import parse_dose
from iosim.dosing.regimen import (
    NO_DOSING,
    Bolus,
    DoseEvent,
    Infusion,
    Regimen,
    SetState,
    bolus,
    combine,
    infusion,
    set_state,
)

__all__ = [
    "NO_DOSING",
    "Bolus",
    "DoseEvent",
    "Infusion",
    "Regimen",
    "SetState",
    "bolus",
    "combine",
    "infusion",
    "parse_dose",
    "set_state",
]
