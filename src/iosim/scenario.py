"""Scenarios for the flagship model ``core``: a cancer type, a patient, therapies -> model inputs.

    sc = build_scenario(cancer="melanoma", therapies=["nivolumab", "ipilimumab:3mg/kg-q3w-x4"])
    result = iosim.simulate(sc.model, 365, params=sc.params, initial=sc.initial, regimen=sc.regimen)

A therapy whose target the cancer lacks is not an error: it is given, acts on nothing, and
``sc.notes`` says so.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from iosim.dosing import Bolus, Regimen, SetState
from iosim.errors import DosingError, InputError
from iosim.files import load_yaml
from iosim.model import Model

#: Fraction of NK cells and Tregs left after fludarabine/cyclophosphamide lymphodepletion
#: (assumed: lymphocyte counts fall ~10-fold; Neelapu 2017 NEJM 377:2531 supplementary).
LYMPHODEPLETION_REMAINING = 0.1


@dataclass(frozen=True)
class Scenario:
    model: Model
    params: dict[str, float]
    initial: dict[str, float]
    regimen: Regimen
    notes: tuple[str, ...]
    cancer: str = ""
    therapies: tuple[str, ...] = ()

    def simulate(self, days: float, **kwargs):
        """Run the reference engine on this scenario (keyword options as :func:`iosim.simulate`).

        The treatment plan goes on after ``days``: its later doses act on nothing simulated and are
        left out."""
        from iosim.simulation import simulate
        from iosim.simulation.reference import doses_within

        regimen = doses_within(self.regimen, days)
        return simulate(self.model, days, params=self.params, initial=self.initial, regimen=regimen, **kwargs)


#: Longest treatment horizon accepted (100 years): any longer is a typo, and would only
#: multiply the doses generated for an open-ended regimen.
MAX_HORIZON_DAYS = 36_525.0
#: Largest scenario file accepted.
MAX_SCENARIO_BYTES = 1_000_000


def _number(value: object, what: str) -> float:
    """A float from a number (or numeric text, as YAML 1.1 reads ``2e10``); a one-line InputError otherwise."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise InputError(f"{what} must be a number, got {value!r}"[:200])
    try:
        return float(value)
    except ValueError:
        raise InputError(f"{what} must be a number, got {value!r}"[:200]) from None


def _patient(patient: Mapping[str, float] | None):
    from iosim.therapy.units import Patient

    if patient is None:
        return Patient.from_mapping(None)
    if not isinstance(patient, Mapping):
        raise InputError("patient covariates are a mapping, e.g. {weight_kg: 70, height_cm: 175}")
    # height_cm may be None (unknown: mg/m2 doses then fail with a hint); every other value is a number.
    values = {k: None if v is None and k == "height_cm" else _number(v, f"patient {k}") for k, v in patient.items()}
    return Patient.from_mapping(values)


def _split(therapy: str) -> tuple[str, str | None]:
    if not isinstance(therapy, str) or not therapy.strip():
        raise InputError("empty therapy; write DRUG or DRUG:REGIMEN (see `iosim drugs`)")
    name, sep, regimen = therapy.partition(":")
    return name.strip(), (regimen.strip() or None) if sep else None


def build_scenario(
    *,
    cancer: str,
    therapies: Sequence[str] = (),
    patient: Mapping[str, float] | None = None,
    tumour_cells: float | None = None,
    horizon_days: float | None = None,
    start_days: Sequence[float] | None = None,
) -> Scenario:
    """Parameters, initial state and doses of the core model for one patient.

    ``therapies`` holds ``"DRUG"`` (its labelled default regimen), ``"DRUG:LABEL"`` (another
    labelled regimen) or ``"DRUG:REGIMEN"`` (a regimen string such as ``3mg/kg-q3w-x4``).
    ``start_days`` (one per therapy, default 0) shifts each therapy's whole schedule, its
    lymphodepletion and companion drugs included, to start on that day; doses are given up to
    ``horizon_days``, so a therapy starting after it gives none (``notes`` says so).
    """
    from iosim.cancers import get_cancer
    from iosim.models import get_model
    from iosim.therapy.catalogue import get_drug
    from iosim.therapy.regimens import DEFAULT_HORIZON_DAYS, parse_regimen

    if not isinstance(cancer, str):
        raise InputError(f"cancer must be a cancer id (see `iosim cancers`), got {cancer!r}"[:200])
    listed = isinstance(therapies, Sequence) and not isinstance(therapies, str)
    if not (listed and all(isinstance(t, str) for t in therapies)):
        raise InputError("therapies are a list of 'DRUG' or 'DRUG:REGIMEN' texts (see `iosim drugs`)")
    ct = get_cancer(cancer)
    pt = _patient(patient)
    horizon = DEFAULT_HORIZON_DAYS if horizon_days is None else _number(horizon_days, "horizon_days")
    if not 0 < horizon <= MAX_HORIZON_DAYS:
        raise InputError(f"horizon_days={horizon:g} must be positive and at most {MAX_HORIZON_DAYS:g} (100 years)")
    starts = _start_days(start_days, len(therapies))
    model = get_model("core")
    params = ct.model_parameters()
    notes: list[str] = []
    burden = ct.tumour_cells.value if tumour_cells is None else _number(tumour_cells, "tumour_cells")
    if not burden > 0 or burden >= model.parameter("capacity").value:
        raise InputError(f"tumour_cells={tumour_cells} must be positive and below the carrying capacity 1e12")

    drugs = []
    for item in therapies:
        name, reg = _split(item)
        drug = get_drug(name)
        text = drug.regimens.get(reg or "default", reg or "")
        if not any(ch.isdigit() for ch in text):  # a label, not a regimen string
            raise DosingError(
                f"{drug.id} has no labelled regimen {reg!r}; use one of {', '.join(drug.regimens)} "
                "or write AMOUNT UNIT-FREQ, e.g. 3mg/kg-q2w"
            )
        drugs.append((drug, parse_regimen(text)))
    mechanisms = [d.mechanism for d, _ in drugs]
    for m in set(mechanisms):
        if mechanisms.count(m) > 1:
            same = [d.id for d, _ in drugs if d.mechanism == m]
            raise InputError(f"{' and '.join(same)} act through the same mechanism ({m}); give one of them")

    targets = {d.target for d, _ in drugs if d.targeted}
    if len(targets) > 1:
        raise InputError(f"the core model follows one therapy target at a time; got {', '.join(sorted(targets))}")
    target = targets.pop() if targets else None
    fraction = ct.target_fraction(target) if target else 1.0
    params["target_fraction"] = fraction
    initial = {"Tp": burden * fraction, "Tn": burden * (1.0 - fraction)}

    events: list = []
    for (drug, spec), first_day in zip(drugs, starts):
        params.update(drug.parameter_values())
        if drug.targeted and fraction == 0.0:
            notes.append(f"{drug.id}: {ct.id} does not express {drug.target}; the drug has no target here")
        elif drug.targeted:
            notes.append(f"{drug.id}: {fraction:.0%} of {ct.id} cells express {drug.target}")
        if first_day > horizon:
            notes.append(f"{drug.id}: starts on day {first_day:g}, after the {horizon:g}-day horizon; no dose is given")
            continue
        if first_day > 0:
            notes.append(f"{drug.id}: treatment starts on day {first_day:g}")
        start = first_day
        if drug.lymphodepletion_days is not None:
            start = first_day + drug.lymphodepletion_days
            events += _lymphodepletion(model, first_day)
            notes.append(f"{drug.id}: lymphodepletion on day {first_day:g}, infusion on day {start:g}")
        doses = _doses(drug, spec, pt, horizon, start)
        if not doses:
            notes.append(f"{drug.id}: no dose of {spec.text} falls within the {horizon:g}-day horizon")
        events += doses
        for companion, text, offset in drug.companions:
            cd = get_drug(companion)
            params.update(cd.parameter_values())
            events += _doses(cd, parse_regimen(text), pt, horizon, start + offset)
            notes.append(f"{drug.id}: with {companion} {text} from day {start + offset:g}")
    return Scenario(
        model=model,
        params=params,
        initial=initial,
        regimen=Regimen(tuple(events), " + ".join(therapies)),
        notes=tuple(notes),
        cancer=ct.id,
        therapies=tuple(therapies),
    )


def _start_days(start_days: Sequence[float] | None, n: int) -> list[float]:
    if start_days is None:
        return [0.0] * n
    if isinstance(start_days, str) or not isinstance(start_days, Sequence) or len(start_days) != n:
        raise InputError(f"start_days needs one day per therapy ({n}), e.g. [0, 28]")
    days = [_number(d, "start day") for d in start_days]
    for d in days:
        if not 0 <= d <= MAX_HORIZON_DAYS:
            raise InputError(f"start day {d:g} must be between 0 and {MAX_HORIZON_DAYS:g} (100 years)")
    return days


def _lymphodepletion(model: Model, day: float) -> list:
    p = {x.name: x.value for x in model.parameters}
    nk = p["nk_supply"] / p["nk_death"] * LYMPHODEPLETION_REMAINING
    treg = p["treg_supply"] / p["treg_death"] * LYMPHODEPLETION_REMAINING
    return [SetState("N", nk, day), SetState("R", treg, day)]


def _doses(drug, spec, patient, horizon: float, start: float) -> list:
    base = spec.base_unit
    expected = {"pd1": "mg", "pdl1": "mg", "ctla4": "mg", "mab": "mg", "il2": "IU", "ifn": "IU", "chemo": "mg"}.get(
        drug.mechanism, "cells"
    )
    if base != expected:
        raise DosingError(f"{drug.id} is dosed in {expected} (or {expected}/kg, {expected}/m2), not {base}")
    events = []
    for t, amount, _ in spec.absolute_doses(patient, horizon - start):
        if drug.dose_volume is not None:
            amount = amount / drug.dose_volume.value
        if drug.active_fraction is not None:
            amount = amount * drug.active_fraction.value
        events.append(Bolus(drug.state, amount, t + start))
    return events


def load_scenario(path: str | Path) -> Scenario:
    """Read a scenario YAML file::

    cancer: melanoma
    patient: {weight_kg: 80, height_cm: 180}
    tumour_cells: 2e10
    therapies:
      - nivolumab:1mg/kg-q3w-x4,480mg-q4w@84d
      - drug: ipilimumab
        regimen: 3mg/kg-q3w-x4
    """

    path = Path(path)
    data = load_yaml(path, "scenario file", MAX_SCENARIO_BYTES)
    if not isinstance(data, dict):
        raise InputError(f"scenario {path}: expected a mapping with keys cancer, patient, tumour_cells, therapies")
    unknown = set(data) - {"cancer", "patient", "tumour_cells", "therapies", "horizon_days"}
    if unknown:
        raise InputError(
            f"scenario {path}: unknown key {sorted(unknown)[0]!r}; use cancer, patient, tumour_cells, therapies"
        )
    if "cancer" not in data:
        raise InputError(f"scenario {path}: missing 'cancer' (see `iosim cancers`)")
    if not isinstance(data["cancer"], str):
        raise InputError(f"scenario {path}: 'cancer' must be a cancer id (see `iosim cancers`)")
    items = data.get("therapies") or []
    if not isinstance(items, list):
        raise InputError(f"scenario {path}: 'therapies' is a list of 'DRUG[:REGIMEN]' or {{drug: ..., regimen: ...}}")
    therapies = []
    for item in items:
        if isinstance(item, str):
            therapies.append(item)
        elif isinstance(item, dict) and isinstance(item.get("drug"), str) and set(item) <= {"drug", "regimen"}:
            regimen = item.get("regimen")
            if regimen is not None and not isinstance(regimen, str):
                raise InputError(f"scenario {path}: the regimen of {item['drug']!r} must be text, e.g. 3mg/kg-q2w")
            therapies.append(f"{item['drug']}:{regimen}" if regimen else item["drug"])
        else:
            raise InputError(f"scenario {path}: a therapy is 'DRUG[:REGIMEN]' or {{drug: ..., regimen: ...}}")
    cells = data.get("tumour_cells")
    return build_scenario(
        cancer=data["cancer"],
        therapies=therapies,
        patient=data.get("patient"),
        tumour_cells=None if cells is None else _number(cells, "tumour_cells"),
        horizon_days=data.get("horizon_days"),
    )
