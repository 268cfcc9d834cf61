"""The cohort engine's machinery: validated inputs, the kernel problem, chunks of patients run anywhere.

Work is split into chunks of patients. Each chunk runs in one call of the compiled
kernel; chunks go to threads (the kernel releases the GIL) or to worker processes, and
come back in patient order. Patients never interact, so the result is bit-identical
whatever the chunk size, thread count or worker count.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from iosim.cohort.kernel import KernelFile, compile_first, kernel_file, load_module
from iosim.dosing import DoseEvent, Regimen
from iosim.dosing.schedule import Schedule, encode_schedule
from iosim.errors import InputError, UnknownNameError
from iosim.model.declaration import Model
from iosim.parallel import Backend, run_tasks
from iosim.simulation.options import SaveAt, SolverOptions, saveat_from, solver_from
from iosim.simulation.reference import as_regimen, check_dose_span, resolve_grid

METHODS = {"auto": 0, "dopri5": 1, "rosenbrock": 2, "tsit5": 3}
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
    compile_first(mod, problem.n_states, P.shape[1])  # a worker with an empty cache, too, runs the cached code
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


def options(
    saveat: SaveAt | None = None,
    solver: SolverOptions | None = None,
    *,
    output_every: float | None = None,
    times: Iterable[float] | None = None,
    final_only: bool = False,
    method: str | None = None,
    rtol: float | None = None,
    atol: float | None = None,
    extinction: bool | None = None,
    max_steps: int | None = None,
) -> tuple[SaveAt, SolverOptions]:
    """The cohort engines' :class:`SaveAt` and :class:`SolverOptions`, from the objects or the older
    keywords, with the cohort defaults (``"auto"``, ``rtol=atol=1e-6``, ``DEFAULT_MAX_STEPS``)."""
    save = saveat_from(saveat, output_every=output_every, times=times, final_only=final_only)
    opts = solver_from(solver, method=method, rtol=rtol, atol=atol, max_steps=max_steps, extinction=extinction)
    return save, opts.with_defaults(method="auto", rtol=1e-6, atol=1e-6, max_steps=DEFAULT_MAX_STEPS)


def prepare(
    model: Model | str,
    t_end: float,
    *,
    regimen: Regimen | Iterable[Regimen | DoseEvent] | None = None,
    t_start: float = 0.0,
    saveat: SaveAt | None = None,
    solver: SolverOptions | None = None,
    **older: Any,
) -> tuple[Model, Problem]:
    """Validate the shared inputs and find (or generate) the kernel; compiles nothing.

    ``older``: the older keywords of :func:`options` (``output_every``, ``method``, ...)."""
    saveat, solver = options(saveat, solver, **older)
    method, rtol, atol = str(solver.method), float(solver.rtol or 0), float(solver.atol or 0)
    if isinstance(model, str):
        from iosim.models import get_model

        model = get_model(model)
    if method not in METHODS:
        raise UnknownNameError("cohort method", method, tuple(METHODS))
    t_start, t_end, grid = resolve_grid(t_start, t_end, saveat.interval, saveat.times(t_end))
    reg = as_regimen(regimen)
    for name in reg.states():
        model.state_index(name)
    check_dose_span(reg, t_start, t_end)
    thr = model.extinction_thresholds() if solver.extinction else np.full(len(model.states), np.nan)
    problem = Problem(
        kernel_file(model),
        encode_schedule(model, reg, t_start, t_end),
        np.ascontiguousarray(grid),
        np.ascontiguousarray(thr, dtype=float),
        METHODS[method],
        rtol,
        atol,
        int(solver.max_steps or 0),
        len(model.states),
    )
    return model, problem
