"""``simulate_cohort``: one model, many patients, compiled batched kernels.

Work is split into chunks of patients. Each chunk runs in one call of the compiled
kernel; chunks go to threads (the kernel releases the GIL) or to worker processes, and
come back in patient order. Patients never interact, so the result is bit-identical
whatever the chunk size, thread count or worker count.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from iosim.cohort.kernel import KernelFile, kernel_file, load_module, warm_up
from iosim.cohort.result import STATUS_NAMES, CohortResult
from iosim.dosing import DoseEvent, Regimen
from iosim.dosing.schedule import Schedule, encode_schedule
from iosim.errors import InputError, UnknownNameError
from iosim.model.declaration import Model
from iosim.parallel import Backend, run_tasks
from iosim.simulation.reference import as_regimen, check_dose_span, resolve_grid

if TYPE_CHECKING:
    import pandas as pd

METHODS = {"auto": 0, "dopri5": 1, "rosenbrock": 2}
DEFAULT_CHUNK = 512
DEFAULT_MAX_STEPS = 1_000_000


def _column(values: Any, n: int | None, label: str) -> np.ndarray:
    arr = np.asarray(values, dtype=float).reshape(-1)
    if n is not None and arr.size == 1:
        arr = np.full(n, float(arr[0]))
    if not np.all(np.isfinite(arr)):
        bad = int(np.flatnonzero(~np.isfinite(arr))[0])
        raise InputError(f"{label} of patient {bad} is not finite ({arr[bad]}); give a number for every patient")
    return arr


def _table(data: Any, names: tuple[str, ...], kind: str) -> dict[str, np.ndarray]:
    """DataFrame / mapping of arrays / 2-D array (columns in model order) -> {name: column}."""
    if data is None:
        return {}
    if isinstance(data, np.ndarray) or (isinstance(data, (list, tuple)) and data and not isinstance(data[0], str)):
        arr = np.atleast_2d(np.asarray(data, dtype=float))
        if arr.shape[1] != len(names):
            raise InputError(
                f"a {kind} array needs {len(names)} columns in the model's order ({', '.join(names)}), "
                f"got {arr.shape[1]}"
            )
        return {name: arr[:, j] for j, name in enumerate(names)}
    items = data.items() if isinstance(data, Mapping) else ((c, data[c]) for c in data.columns)
    out = {}
    for name, col in items:
        name = str(name)
        if name not in names:
            raise UnknownNameError(kind, name, names)
        out[name] = _column(col, None, f"{kind} {name}")
    return out


def patient_matrices(
    model: Model, params: Any, initial: Any, dose_scale: Any = None, *, n_patients: int | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-patient parameter matrix, initial-state matrix and dose scale, validated.

    The number of patients comes from the columns (a scalar is broadcast), else from
    ``n_patients``, else it is 1.
    """
    pcols = _table(params, model.parameter_names, "parameter")
    icols = _table(initial, model.state_names, "state")
    sizes = {c.size for c in (*pcols.values(), *icols.values()) if c.size != 1}
    if dose_scale is not None and np.ndim(dose_scale) > 0:
        sizes.add(np.asarray(dose_scale).shape[0])
    if len(sizes) > 1:
        raise InputError(f"per-patient columns have different lengths {sorted(sizes)}; give one value per patient")
    n = sizes.pop() if sizes else (n_patients or 1)
    if n_patients is not None and n != n_patients:
        raise InputError(f"per-patient columns have {n} values for {n_patients} patients")
    P = np.tile(model.parameter_values(), (n, 1))
    for name, col in pcols.items():
        j = model.parameter_names.index(name)
        col = _column(col, n, f"parameter {name}")
        lo, hi = model.parameters[j].bounds
        bad = np.flatnonzero((col < lo) | (col > hi))
        if bad.size:
            raise InputError(
                f"parameter {name}={col[bad[0]]} (patient {bad[0]}) is outside its bounds [{lo}, {hi}]; "
                "pick a value inside"
            )
        P[:, j] = col
    Y0 = np.tile(model.initial_values(), (n, 1))
    for name, col in icols.items():
        j = model.state_index(name)
        col = _column(col, n, f"initial {name}")
        if model.states[j].nonnegative and np.any(col < 0):
            first = int(np.flatnonzero(col < 0)[0])
            raise InputError(f"initial {name}={col[first]} (patient {first}) is negative; {name} is nonnegative")
        Y0[:, j] = col
    scale = _dose_scale(dose_scale, n, len(model.states))
    return np.ascontiguousarray(P), np.ascontiguousarray(Y0), np.ascontiguousarray(scale)


def _dose_scale(dose_scale: Any, n: int, n_states: int) -> np.ndarray:
    """(n_patients, n_states) multipliers of doses: from nothing, one factor per patient, or a matrix."""
    if dose_scale is None:
        return np.ones((n, n_states))
    arr = np.asarray(dose_scale, dtype=float)
    if arr.ndim == 2:
        if arr.shape != (n, n_states):
            raise InputError(
                f"dose scale matrix must have shape ({n}, {n_states}): one row per patient, one column per state"
            )
        scale = arr.copy()
    else:
        scale = np.repeat(_column(arr, n, "dose scale")[:, None], n_states, axis=1)
    if not np.all(np.isfinite(scale)) or np.any(scale < 0):
        raise InputError("dose scale must be finite and not negative")
    return scale


@dataclass(frozen=True)
class Problem:
    """Everything a chunk needs except its patients; picklable for worker processes."""

    kernel: KernelFile
    schedule: Schedule
    grid: np.ndarray
    thresholds: np.ndarray
    method: int
    rtol: float
    atol: float
    max_steps: int
    n_states: int


def run_chunk(problem: Problem, P: np.ndarray, Y0: np.ndarray, scale: np.ndarray):
    """Solve one chunk of patients: (y, status, steps, stiff)."""
    mod = load_module(problem.kernel)
    n = P.shape[0]
    out = np.full((n, problem.grid.size, problem.n_states), np.nan)
    status = np.zeros(n, np.int64)
    steps = np.zeros(n, np.int64)
    stiff = np.zeros(n, np.bool_)
    mod.solve_batch(
        P, Y0, scale, *problem.schedule.arrays(), problem.grid, problem.thresholds,
        problem.method, problem.rtol, problem.atol, problem.max_steps, out, status, steps, stiff,
    )  # fmt: skip
    return out, status, steps, stiff


def iter_chunks(
    problem: Problem,
    chunks: Iterable[tuple[int, int, np.ndarray, np.ndarray, np.ndarray]],
    *,
    workers: int = 1,
    threads: int = 1,
    backend: Backend | None = None,
) -> Iterator[tuple[int, int, tuple]]:
    """Solve ``(lo, hi, P, Y0, scale)`` chunks; yield ``(lo, hi, result)`` in the order given.

    ``backend`` (else ``workers`` processes or ``threads``) says where chunks run.
    ``chunks`` may be a generator: only a few chunks per worker are in flight, so a
    caller that builds its chunks lazily keeps memory bounded.
    """
    backend = backend or Backend(workers=workers, threads=threads)
    bounds: list[tuple[int, int]] = []

    def tasks():
        for lo, hi, P, Y0, scale in chunks:
            bounds.append((lo, hi))
            yield problem, P, Y0, scale

    for i, result in run_tasks(run_chunk, tasks(), backend):
        yield *bounds[i], result


def patient_id_array(patient_ids: Any, n: int) -> np.ndarray:
    """The patients' ids (0..n-1 by default), checked before any work is done."""
    ids = np.arange(n) if patient_ids is None else np.asarray(patient_ids)
    if ids.shape != (n,):
        raise InputError(f"patient_ids needs one id per patient ({n}), got {ids.size}")
    return ids


def slices(n: int, chunk_size: int) -> list[tuple[int, int]]:
    return [(lo, min(n, lo + chunk_size)) for lo in range(0, n, chunk_size)]


def prepare(
    model: Model | str,
    t_end: float,
    *,
    regimen: Regimen | Iterable[Regimen | DoseEvent] | None = None,
    t_start: float = 0.0,
    output_every: float = 1.0,
    times: Iterable[float] | None = None,
    final_only: bool = False,
    method: str = "auto",
    rtol: float = 1e-6,
    atol: float = 1e-6,
    extinction: bool = True,
    max_steps: int = DEFAULT_MAX_STEPS,
) -> tuple[Model, Problem]:
    """Validate the shared inputs and find (or generate) the kernel; compiles nothing."""
    if isinstance(model, str):
        from iosim.models import get_model

        model = get_model(model)
    if method not in METHODS:
        raise UnknownNameError("cohort method", method, tuple(METHODS))
    for label, v in (("rtol", rtol), ("atol", atol)):
        if not (math.isfinite(v) and v > 0):
            raise InputError(f"{label} must be a positive number, got {v}")
    t_start, t_end, grid = resolve_grid(t_start, t_end, output_every, [t_end] if final_only else times)
    reg = as_regimen(regimen)
    for name in reg.states():
        model.state_index(name)
    check_dose_span(reg, t_start, t_end)
    thr = model.extinction_thresholds() if extinction else np.full(len(model.states), np.nan)
    problem = Problem(
        kernel_file(model),
        encode_schedule(model, reg, t_start, t_end),
        np.ascontiguousarray(grid),
        np.ascontiguousarray(thr, dtype=float),
        METHODS[method],
        float(rtol),
        float(atol),
        int(max_steps),
        len(model.states),
    )
    return model, problem


def simulate_cohort(
    model: Model | str,
    t_end: float,
    *,
    params: pd.DataFrame | Mapping[str, Any] | np.ndarray | None = None,
    initial: pd.DataFrame | Mapping[str, Any] | np.ndarray | None = None,
    regimen: Regimen | Iterable[Regimen | DoseEvent] | None = None,
    dose_scale: Any = None,
    patient_ids: Any = None,
    t_start: float = 0.0,
    output_every: float = 1.0,
    times: Iterable[float] | None = None,
    final_only: bool = False,
    method: str = "auto",
    rtol: float = 1e-6,
    atol: float = 1e-6,
    extinction: bool = True,
    workers: int = 1,
    threads: int = 1,
    cluster: str | None = None,
    scheduler: str | None = None,
    chunk_size: int = DEFAULT_CHUNK,
    max_steps: int = DEFAULT_MAX_STEPS,
) -> CohortResult:
    """Simulate many patients of one model with a compiled batched kernel.

    Parameters
    ----------
    model : a :class:`Model` or a model id.
    t_end : end time (days for the built-in models).
    params, initial : per-patient parameter values and initial states: a DataFrame or a
        mapping of name -> array (a scalar is broadcast), or a 2-D array with one column per
        parameter (state) in the model's order. Missing names keep the model's defaults.
    regimen : doses shared by every patient (one outside [t_start, t_end] raises
        :class:`DosingError`); ``dose_scale`` (one factor per patient, or a
        matrix with one row per patient and one column per state) multiplies bolus amounts
        and infusion rates (not set-events).
    output_every, times, final_only : the output grid; at a dose time the value reported
        is the one after the dose.
    method : ``"auto"`` (Dormand–Prince, switching a patient to Rosenbrock when Hairer's
        stiffness test fires), ``"dopri5"`` or ``"rosenbrock"``.
    rtol, atol : local error tolerances of the adaptive step control.
    extinction : apply the extinction rule (a cell state below its threshold becomes 0).
    workers, threads, chunk_size : local processes or threads, and patients per chunk.
    cluster, scheduler : run the chunks on Dask: ``cluster="local"`` starts a local cluster
        of ``workers`` processes, ``scheduler="tcp://HOST:PORT"`` uses a running one.
        None of these changes the numbers.

    Returns a :class:`CohortResult`; a patient whose integration fails gets a status
    ("max_steps", "step_too_small", "not_finite") and NaN after the failure.
    """
    if not isinstance(chunk_size, (int, np.integer)) or chunk_size < 1:
        raise InputError(f"chunk_size must be a whole number of at least 1, got {chunk_size!r}")
    backend = Backend(workers, threads, cluster, scheduler)
    model, problem = prepare(
        model, t_end, regimen=regimen, t_start=t_start, output_every=output_every, times=times,
        final_only=final_only, method=method, rtol=rtol, atol=atol, extinction=extinction, max_steps=max_steps,
    )  # fmt: skip
    P, Y0, scale = patient_matrices(model, params, initial, dose_scale)
    n = P.shape[0]
    ids = patient_id_array(patient_ids, n)
    warm_up(load_module(problem.kernel), len(model.states), len(model.parameters))
    y = np.empty((n, problem.grid.size, len(model.states)))
    status = np.empty(n, np.int64)
    steps = np.empty(n, np.int64)
    stiff = np.empty(n, np.bool_)
    chunks = ((lo, hi, P[lo:hi], Y0[lo:hi], scale[lo:hi]) for lo, hi in slices(n, chunk_size))
    for lo, hi, (cy, cs, cn, cf) in iter_chunks(problem, chunks, backend=backend):
        y[lo:hi], status[lo:hi], steps[lo:hi], stiff[lo:hi] = cy, cs, cn, cf
    return CohortResult(
        model=model,
        t=problem.grid,
        y=y,
        status=np.asarray(STATUS_NAMES)[status],
        steps=steps,
        stiff=stiff,
        parameters=P,
        patient=ids,
    )
