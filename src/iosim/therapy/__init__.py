"""Therapies as first-class objects: drugs, dose units, regimens, toxicity indicators."""

from iosim.therapy.catalogue import DRUGS, drug_ids, get_drug
from iosim.therapy.drugs import Drug, Value
from iosim.therapy.regimens import RegimenSpec, parse_regimen
from iosim.therapy.units import Patient, bsa_mosteller, to_absolute

__all__ = [
    "DRUGS",
    "Drug",
    "Patient",
    "RegimenSpec",
    "Value",
    "bsa_mosteller",
    "drug_ids",
    "get_drug",
    "parse_regimen",
    "to_absolute",
]
