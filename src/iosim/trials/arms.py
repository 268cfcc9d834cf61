"""An arm of a trial as cohort-engine inputs: one shared regimen, per-patient dose scaling.

Doses in clinical units depend on the patient (mg/kg on weight, mg/m² on body-surface
area, flat doses on neither). The arm's regimen is built once for a reference patient;
each patient's doses into a drug state are that regimen scaled by the patient's weight
or BSA ratio. Which rule applies to each state is read off the scenario built for probe
patients, so the trial follows exactly what ``iosim simulate core`` does for one patient.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from iosim.dosing import Bolus, Infusion, Regimen
from iosim.errors import DosingError
from iosim.model.declaration import Model
from iosim.trials.spec import TherapySpec

REFERENCE = {"weight_kg": 70.0, "height_cm": 170.0}
_PROBES = {"weight": {"weight_kg": 140.0, "height_cm": 170.0}, "height": {"weight_kg": 70.0, "height_cm": 200.0}}


def _bsa(weight_kg, height_cm):
    return np.sqrt(np.asarray(weight_kg) * np.asarray(height_cm) / 3600.0)  # Mosteller 1987


@dataclass(frozen=True)
class ArmPlan:
    model: Model
    params: dict[str, float]
    regimen: Regimen
    #: Per dosed state: "weight", "bsa" or "flat".
    scaling: dict[str, str]
    notes: tuple[str, ...]
    #: The reference patient's doses in clinical units: ``day, drug, state, amount, unit`` (mg, IU, cells).
    doses: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: Per drug: its mechanism (``pd1``, ``ctla4``, ``car``, ``il2``, ...), for the toxicity models.
    mechanisms: dict[str, str] = field(default_factory=dict)

    def dose_scale(self, weight_kg: np.ndarray, height_cm: np.ndarray) -> np.ndarray:
        """(n_patients, n_states) multipliers of the reference patient's doses."""
        n = np.asarray(weight_kg).size
        scale = np.ones((n, len(self.model.states)))
        ref_bsa = float(_bsa(REFERENCE["weight_kg"], REFERENCE["height_cm"]))
        for state, rule in self.scaling.items():
            i = self.model.state_index(state)
            if rule == "weight":
                scale[:, i] = np.asarray(weight_kg) / REFERENCE["weight_kg"]
            elif rule == "bsa":
                scale[:, i] = _bsa(weight_kg, height_cm) / ref_bsa
        return scale


def _amounts(regimen: Regimen) -> list[tuple[str, float, float]]:
    out = []
    for e in regimen:
        if isinstance(e, Bolus):
            out.append((e.state, e.time, e.amount))
        elif isinstance(e, Infusion):
            out.append((e.state, e.time, e.rate))
    return out


def plan_arm(cancer: str, therapies: Sequence[str | TherapySpec], horizon_days: float) -> ArmPlan:
    """The arm's regimen up to ``horizon_days``; ``therapies`` are a trial spec's therapies (each
    with its ``start_day``) or ``DRUG[:REGIMEN]`` texts (starting on day 0)."""
    from iosim.scenario import build_scenario

    texts = [t if isinstance(t, str) else t.text for t in therapies]
    starts = [0.0 if isinstance(t, str) else t.start_day for t in therapies]

    def scenario(patient):
        return build_scenario(
            cancer=cancer, therapies=texts, patient=patient, horizon_days=horizon_days, start_days=starts
        )

    ref = scenario(REFERENCE)
    probes = {k: scenario(p) for k, p in _PROBES.items()}
    base = _amounts(ref.regimen)
    ratios: dict[str, set[tuple[float, float]]] = {}
    for k, (state, t, amount) in enumerate(base):
        rw = _amounts(probes["weight"].regimen)[k]
        rh = _amounts(probes["height"].regimen)[k]
        if rw[:2] != (state, t) or rh[:2] != (state, t):
            raise DosingError("dose times depend on the patient; trials need a schedule shared by all patients")
        if amount > 0:
            ratios.setdefault(state, set()).add((round(rw[2] / amount, 9), round(rh[2] / amount, 9)))
    bsa_w = float(_bsa(140.0, 170.0) / _bsa(70.0, 170.0))
    bsa_h = float(_bsa(70.0, 200.0) / _bsa(70.0, 170.0))
    scaling = {}
    for state, found in ratios.items():
        if len(found) > 1:
            raise DosingError(
                f"doses into {state} mix unit kinds (per kg, per m², flat); use one kind per drug in a trial arm"
            )
        w, h = found.pop()
        if math.isclose(w, 2.0, rel_tol=1e-6) and math.isclose(h, 1.0, rel_tol=1e-6):
            scaling[state] = "weight"
        elif math.isclose(w, bsa_w, rel_tol=1e-6) and math.isclose(h, bsa_h, rel_tol=1e-6):
            scaling[state] = "bsa"
        elif math.isclose(w, 1.0, rel_tol=1e-6) and math.isclose(h, 1.0, rel_tol=1e-6):
            scaling[state] = "flat"
        else:
            raise DosingError(f"doses into {state} scale with the patient in a way trials cannot reproduce")
    doses, mechanisms = _clinical_doses(ref.regimen, texts)
    return ArmPlan(ref.model, dict(ref.params), ref.regimen, scaling, ref.notes, doses, mechanisms)


_UNITS = {"pd1": "mg", "pdl1": "mg", "ctla4": "mg", "mab": "mg", "il2": "IU", "ifn": "IU", "chemo": "mg"}


def _clinical_doses(regimen: Regimen, texts: Sequence[str]) -> tuple[pd.DataFrame, dict[str, str]]:
    """The regimen's boluses back in clinical units, named by drug (an arm has one drug per dosed state)."""
    from iosim.therapy.catalogue import get_drug

    drugs = []
    for text in texts:
        drug = get_drug(text.split(":", 1)[0])
        drugs += [drug, *(get_drug(c) for c, _, _ in drug.companions)]
    by_state = {d.state: d for d in drugs}
    rows = []
    for e in regimen:
        if isinstance(e, Bolus) and e.state in by_state:
            d = by_state[e.state]
            amount = e.amount * (d.dose_volume.value if d.dose_volume is not None else 1.0)
            amount /= d.active_fraction.value if d.active_fraction is not None else 1.0
            rows.append((e.time, d.id, e.state, amount, _UNITS.get(d.mechanism, "cells")))
    table = pd.DataFrame(rows, columns=["day", "drug", "state", "amount", "unit"])
    return table, {d.id: d.mechanism for d in drugs}
