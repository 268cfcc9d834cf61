"""Which integrator an arm of a trial uses: the explicit Tsitouras 5(4) pair, unless the arm is stiff.

The cohort engine's ``auto`` hands a patient whose explicit steps its stiffness test finds stuck at the
stability limit to Rosenbrock (Rodas4P2) for the rest of the course. Rosenbrock's steps cost 4-10x an explicit
step in the flagship model, so the switch pays only where it saves most of the steps: in the IL-2 and
cell-therapy arms (aldesleukin: 3,145 explicit steps per patient against 368 with ``auto``; lifileucel: 3,009
against 160), not in the ipilimumab arms, which are only mildly stiff (nivolumab + ipilimumab in million.yaml:
660 against 558, the explicit pair 5x faster; docs/performance.md, 7 Dec).

Each arm decides once, from a pilot of its first :data:`PILOT_PATIENTS` patients simulated both ways: the explicit
pair unless it needs more than :data:`MAX_STEP_RATIO` times ``auto``'s steps. The pilot's patients and inputs are
fixed by the spec, so every process (any chunking, any number of workers) makes the same choice.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import numpy as np

EXPLICIT, AUTO = "tsit5", "auto"
#: Patients of the pilot (chosen: the mean steps of 16 patients rank the two methods the same way as of 100 on
#: every arm of the example trials).
PILOT_PATIENTS = 16
#: Steps of the explicit pair per ``auto`` step above which ``auto`` is used (chosen from the example trials'
#: arms, 100 patients each: at ratios up to 3 the explicit pair took at most the CPU of ``auto``, from 4.3 on
#: at least as much).
MAX_STEP_RATIO = 4.0
_CHOSEN: dict[str, str] = {}


def choose(key: str, steps: Callable[[str], float]) -> str:
    """The method for the arm ``key`` (its spec and population, as text), from ``steps(method)``: the pilot's
    mean steps per patient with that method. Remembered per process."""
    method = _CHOSEN.get(key)
    if method is None:
        method = EXPLICIT if steps(EXPLICIT) <= MAX_STEP_RATIO * steps(AUTO) else AUTO
        _CHOSEN[key] = method
    return method


def arm_key(spec, population, arm: str) -> str:
    """What the choice depends on, as text: the spec but its number of patients, the population and the arm."""
    fields = spec.model_dump(mode="json")
    fields.pop("patients_per_arm", None)
    return json.dumps([fields, population.to_dict(), arm], sort_keys=True, default=str)


def pilot_patients() -> np.ndarray:
    """The pilot's patients: the first of every trial, however many patients it has (a patient's course then
    does not depend on the trial's size)."""
    return np.arange(PILOT_PATIENTS, dtype=np.int64)
