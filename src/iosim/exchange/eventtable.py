"""NONMEM / nlmixr2 event tables: doses and observations, one row per event.

Columns (upper case, as NONMEM and nlmixr2 write them):

``ID``     subject; ``TIME`` time in the model's unit (days for every built-in model);
``AMT``    dose amount in the model's units of the dosed state;
``EVID``   0 observation, 1 dose, 4 reset every state to its initial value then dose
           (2 "other" and 3 "reset only" are rejected: iosim has no use for them);
``CMT``    dosed compartment: a state name or its 1-based index in the model's order;
``DV``, ``MDV`` observed value and "missing DV" flag (observations only);
``RATE``   zero-order infusion rate (amount per time unit; AMT/RATE is the duration);
``DUR``    infusion duration instead of RATE (``RATE=-2`` in NONMEM); RATE=-1 (modelled
           rate) is rejected;
``ADDL``, ``II`` additional doses and the interval between them.

Missing optional columns mean 0. A ``.`` is read as missing, as NONMEM does.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from iosim.dosing import Bolus, Infusion, Regimen, SetState
from iosim.errors import InputError
from iosim.model.declaration import Model

REQUIRED = ("TIME", "AMT", "CMT")
OPTIONAL = ("ID", "EVID", "DV", "MDV", "RATE", "DUR", "ADDL", "II")
EXPORT_COLUMNS = ("ID", "TIME", "AMT", "EVID", "CMT", "DV", "MDV", "RATE", "ADDL", "II")
#: Largest expansion of ADDL per table, to keep a malformed table from exhausting memory.
MAX_EVENTS = 1_000_000


class EventTableError(InputError):
    """An event table is malformed: a missing column, an unknown compartment, an unsupported EVID."""


def _normalise(df: pd.DataFrame) -> pd.DataFrame:
    if not isinstance(df, pd.DataFrame):
        raise EventTableError(f"an event table is a pandas DataFrame, got {type(df).__name__}")
    if isinstance(df.columns, pd.MultiIndex):
        raise EventTableError("an event table has one row of column names (TIME, AMT, CMT, ...), not several levels")
    out = df.rename(columns={c: str(c).strip().upper() for c in df.columns})
    dup = out.columns[out.columns.duplicated()].tolist()
    if dup:
        raise EventTableError(f"event table has duplicate column {dup[0]}")
    return out.replace(".", np.nan)


def _number(df: pd.DataFrame, col: str, default: float = 0.0) -> np.ndarray:
    if col not in df.columns:
        return np.full(len(df), default)
    if df[col].dtype.kind in "cmM":  # complex numbers, dates and durations are not event-table numbers
        raise EventTableError(f"column {col} holds {df[col].dtype} values; it needs plain numbers")
    values = pd.to_numeric(df[col], errors="coerce")
    bad = df[col].notna() & values.isna()
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise EventTableError(f"column {col}, row {row + 1}: {df[col].iloc[row]!r} is not a number")
    return values.fillna(default).to_numpy(dtype=float)


def _compartment(value, model: Model, row: int) -> str:
    names = model.state_names
    if isinstance(value, str) and value.strip() in names:
        return value.strip()
    try:
        k = float(value)
    except (TypeError, ValueError):
        raise EventTableError(
            f"row {row + 1}: CMT {value!r} is not a state of {model.id}; use a state name "
            f"({', '.join(names)}) or its 1-based index"
        ) from None
    if not (k.is_integer() and 1 <= k <= len(names)):
        raise EventTableError(f"row {row + 1}: CMT {value!r} is not a state index 1..{len(names)} of {model.id}")
    return names[int(k) - 1]


def regimen_from_table(df: pd.DataFrame, model: Model, *, id=None) -> Regimen:
    """The doses of one subject of an event table as a :class:`~iosim.dosing.Regimen`.

    Parameters
    ----------
    df : the table (columns are matched case-insensitively; see the module docstring).
    model : the model the compartments (CMT) refer to.
    id : the subject to read; needed when the table holds several IDs.

    Dose rows (EVID 1 and 4, or rows with AMT > 0 when there is no EVID column) become
    boluses, or infusions when RATE > 0 or DUR > 0; ADDL/II are expanded. EVID 4 first
    resets every state to its initial value (one :class:`SetState` per state at that time).
    Observation rows are ignored.
    """
    df = _normalise(df)
    missing = [c for c in REQUIRED if c not in df.columns]
    if missing:
        raise EventTableError(f"event table has no {', '.join(missing)} column; it needs {', '.join(REQUIRED)}")
    if "ID" in df.columns:
        try:
            ids = pd.unique(df["ID"])
        except TypeError:  # lists or other unhashable cells
            raise EventTableError("column ID holds values that are not subject ids (numbers or names)") from None
        if id is None:
            if len(ids) > 1:
                raise EventTableError(f"event table holds {len(ids)} subjects; choose one with id=")
        else:
            df = df[df["ID"].astype(str) == str(id)]
            if df.empty:
                raise EventTableError(f"event table has no subject ID={id}")
    df = df.reset_index(drop=True)
    time, amt = _number(df, "TIME", math.nan), _number(df, "AMT")
    if np.isnan(time).any():
        raise EventTableError(f"row {int(np.flatnonzero(np.isnan(time))[0]) + 1}: TIME is missing")
    evid = _number(df, "EVID", -1.0)
    if "EVID" not in df.columns:
        evid = np.where(amt > 0, 1.0, 0.0)
    rate, dur = _number(df, "RATE"), _number(df, "DUR")
    addl, ii = _number(df, "ADDL"), _number(df, "II")

    events: list = []
    for row in range(len(df)):
        e = evid[row]
        if e == 0:
            continue
        if e not in (1, 4):
            raise EventTableError(
                f"row {row + 1}: EVID {e:g} is not supported; use 0 (observation), 1 (dose), 4 (reset and dose)"
            )
        if rate[row] < 0:
            raise EventTableError(
                f"row {row + 1}: RATE {rate[row]:g} (modelled rate or duration) is not supported; give RATE or DUR"
            )
        if addl[row] < 0 or not float(addl[row]).is_integer():
            raise EventTableError(f"row {row + 1}: ADDL must be a whole number, got {addl[row]:g}")
        if addl[row] > 0 and not (0 < ii[row] < math.inf):
            raise EventTableError(f"row {row + 1}: ADDL={addl[row]:g} needs an interval II > 0 (and finite)")
        if dur[row] < 0:
            raise EventTableError(f"row {row + 1}: DUR {dur[row]:g} is negative; give the infusion's duration")
        n_doses = int(addl[row]) + 1
        if len(events) + n_doses > MAX_EVENTS:
            raise EventTableError(f"event table expands to more than {MAX_EVENTS:,} doses; check ADDL")
        state = _compartment(df["CMT"].iloc[row], model, row)
        for k in range(n_doses):
            t = time[row] + k * ii[row]
            if e == 4 and k == 0:
                events.extend(SetState(s.name, s.initial, t) for s in model.states)
            if amt[row] == 0:
                continue
            if rate[row] > 0:
                events.append(Infusion(state, rate[row], t, amt[row] / rate[row]))
            elif dur[row] > 0:
                events.append(Infusion(state, amt[row] / dur[row], t, dur[row]))
            else:
                events.append(Bolus(state, amt[row], t))
    return Regimen(tuple(events), label=f"event table ID={id}" if id is not None else "event table")


def regimen_to_table(regimen: Regimen, model: Model, id=1) -> pd.DataFrame:
    """Dose rows (EVID 1) of one subject; CMT is the state's 1-based index in ``model``.

    Infusions carry RATE (and AMT = rate x duration). Set-events have no NONMEM dose form
    and are refused, except a reset of every state to its initial value at one time
    (written as EVID 4)."""
    rows = []
    sets: dict[float, dict[str, float]] = {}
    for e in regimen.events:
        if isinstance(e, SetState):
            sets.setdefault(e.time, {})[e.state] = e.value
    initial = {s.name: s.initial for s in model.states}
    for t, values in sets.items():
        if values != initial:
            raise EventTableError(
                f"a set-event at time {t:g} ({', '.join(f'{k}={v:g}' for k, v in values.items())}) has no event-table "
                "form; only a reset of every state to its initial value (EVID 4) does"
            )
    reset_done: set[float] = set()
    for e in regimen.events:
        if isinstance(e, SetState):
            continue
        cmt = model.state_index(e.state) + 1
        evid = 1
        if e.time in sets and e.time not in reset_done:
            evid = 4
            reset_done.add(e.time)
        rate = e.rate if isinstance(e, Infusion) else 0.0
        rows.append((id, e.time, e.amount, evid, cmt, 0.0, 1, rate, 0, 0.0))
    for t in sorted(set(sets) - reset_done):
        rows.append((id, t, 0.0, 4, 1, 0.0, 1, 0.0, 0, 0.0))
    out = pd.DataFrame(rows, columns=list(EXPORT_COLUMNS))
    return out.sort_values(["ID", "TIME", "EVID"], ascending=[True, True, False], kind="stable").reset_index(drop=True)


def trial_to_table(results_folder: str | Path, *, doses: bool = True) -> pd.DataFrame:
    """A virtual trial's data set as one NONMEM / nlmixr2 table.

    Observations (EVID 0) are the RECIST sums of diameters (DV in mm) at every assessment,
    with TIME in days since the start of treatment; an assessment without a value (after
    death, or a failed integration) has MDV 1. With ``doses=True`` each arm's regimen,
    rebuilt from the stored trial spec and scaled by the patient's weight and height as the
    trial did, adds dose rows (EVID 1, AMT in model units, CMT the dosed state's index).
    ``ID`` numbers patients 1..N across arms; ``ARM``, ``PATIENT``, ``WT`` (kg) and ``HT``
    (cm) are carried on every row.
    """
    from iosim.trials.store import ResultStore

    folder = Path(results_folder)
    path = folder / "results.duckdb" if folder.is_dir() else folder
    with ResultStore(path, read_only=True) as store:
        patients = store.table("patients")
        obs = store.table("assessments")
        spec_json = store.query("SELECT spec FROM trial")["spec"].iloc[0]
    keys = patients[["arm", "patient"]].copy()
    keys["ID"] = np.arange(1, len(keys) + 1)
    patients = patients.merge(keys, on=["arm", "patient"])
    obs = obs.merge(patients[["arm", "patient", "ID", "weight_kg", "height_cm"]], on=["arm", "patient"])
    dv = obs["sld_mm"].to_numpy(dtype=float)
    table = pd.DataFrame({
        "ID": obs["ID"], "TIME": obs["week"].to_numpy(float) * 7.0, "AMT": 0.0, "EVID": 0, "CMT": 0,
        "DV": np.where(np.isfinite(dv), dv, 0.0), "MDV": (~np.isfinite(dv)).astype(int), "RATE": 0.0,
        "ADDL": 0, "II": 0.0, "ARM": obs["arm"], "PATIENT": obs["patient"],
        "WT": obs["weight_kg"], "HT": obs["height_cm"],
    })  # fmt: skip
    if doses:
        table = pd.concat([table, _trial_doses(spec_json, patients)], ignore_index=True)
    table = table.sort_values(["ID", "TIME", "EVID"], ascending=[True, True, False], kind="stable")
    return table.reset_index(drop=True)


def _trial_doses(spec_json: str, patients: pd.DataFrame) -> pd.DataFrame:
    import json

    from iosim.trials.arms import plan_arm
    from iosim.trials.spec import parse_trial_spec

    spec = parse_trial_spec(json.loads(spec_json))
    frames = []
    for arm in spec.arms:
        plan = plan_arm(spec.cancer, arm.therapies, spec.follow_up_days)
        people = patients[patients["arm"] == arm.name]
        if not len(plan.regimen) or people.empty:
            continue
        scale = plan.dose_scale(people["weight_kg"].to_numpy(), people["height_cm"].to_numpy())
        base = regimen_to_table(plan.regimen, plan.model, id=0)
        n, m = len(people), len(base)
        rows = base.iloc[np.tile(np.arange(m), n)].reset_index(drop=True)
        who = np.repeat(np.arange(n), m)
        factor = scale[who, rows["CMT"].to_numpy() - 1]
        rows["AMT"] = rows["AMT"].to_numpy() * factor
        rows["RATE"] = rows["RATE"].to_numpy() * factor
        for col, src in (("ID", "ID"), ("PATIENT", "patient"), ("WT", "weight_kg"), ("HT", "height_cm")):
            rows[col] = people[src].to_numpy()[who]
        rows["ARM"] = arm.name
        frames.append(rows)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=list(EXPORT_COLUMNS))
