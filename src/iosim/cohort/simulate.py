"""``simulate_cohort``: one model, many patients, compiled batched kernels.

Work is split into chunks of patients. Each chunk runs in one call of the compiled
kernel; chunks go to threads (the kernel releases the GIL) or to worker processes, and
come back in patient order. Patients never interact, so the result is bit-identical
whatever the chunk size, thread count or worker count. With ``out=`` the cohort streams to a
resumable Parquet file instead (:mod:`iosim.cohort.output`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, overload

import numpy as np

from iosim.cohort.engine import (
    DEFAULT_CHUNK,
    iter_chunks,
    options,
    patient_id_array,
    patient_matrices,
    prepare,
    slices,
)
from iosim.cohort.kernel import load_module, warm_up
from iosim.cohort.output import CohortFile, saveat_record, write_cohort
from iosim.cohort.result import STATUS_NAMES, CohortResult
from iosim.dosing import DoseEvent, Regimen
from iosim.errors import InputError
from iosim.model.declaration import Model
from iosim.parallel import Backend
from iosim.simulation.options import SaveAt, SolverOptions

if TYPE_CHECKING:
    import pandas as pd


@overload
def simulate_cohort(model: Model | str, t_end: float, *, out: None = None, **options: Any) -> CohortResult: ...
@overload
def simulate_cohort(model: Model | str, t_end: float, *, out: str | Path, **options: Any) -> CohortFile: ...
def simulate_cohort(  # type: ignore[misc]  # the overloads name only `out`; the rest is keyword-only below
    model: Model | str,
    t_end: float,
    *,
    params: pd.DataFrame | Mapping[str, Any] | np.ndarray | None = None,
    initial: pd.DataFrame | Mapping[str, Any] | np.ndarray | None = None,
    regimen: Regimen | Iterable[Regimen | DoseEvent] | None = None,
    dose_scale: Any = None,
    patient_ids: Any = None,
    t_start: float = 0.0,
    saveat: SaveAt | None = None,
    solver: SolverOptions | None = None,
    workers: int = 1,
    threads: int = 1,
    cluster: str | None = None,
    scheduler: str | None = None,
    chunk_size: int = DEFAULT_CHUNK,
    out: str | Path | None = None,
    resume: bool = False,
    output_every: float | None = None,
    times: Iterable[float] | None = None,
    final_only: bool = False,
    method: str | None = None,
    rtol: float | None = None,
    atol: float | None = None,
    extinction: bool | None = None,
    max_steps: int | None = None,
) -> CohortResult | CohortFile:
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
    saveat : the output times (:class:`SaveAt`, default a grid every day); at a dose time the
        value reported is the one after the dose.
    solver : :class:`SolverOptions`. ``method``: ``"auto"`` (default; Tsitouras 5(4), switching
        a patient to Rosenbrock when Hairer's stiffness test fires), ``"tsit5"``, ``"dopri5"``
        (Dormand–Prince 5(4)) or ``"rosenbrock"``; ``rtol``, ``atol`` (default 1e-6): local error tolerances;
        ``max_steps``: accepted plus rejected steps per patient; ``extinction``: the extinction
        rule (a cell state below its threshold becomes 0).
    workers, threads, chunk_size : local processes or threads, and patients per chunk.
    cluster, scheduler : run the chunks on Dask: ``cluster="local"`` starts a local cluster
        of ``workers`` processes, ``scheduler="tcp://HOST:PORT"`` uses a running one.
        None of these changes the numbers.
    out, resume : stream the long table (``patient``, ``time``, the states) to the Parquet file
        ``out`` chunk by chunk instead of holding it in memory, and return a :class:`CohortFile`;
        with ``resume=True`` an interrupted run with the same inputs keeps its finished chunks
        (:mod:`iosim.cohort.output`).
    output_every, times, final_only, method, rtol, atol, extinction, max_steps : the older
        keywords, which build ``saveat`` and ``solver``.

    Returns a :class:`CohortResult`; a patient whose integration fails gets a status
    ("max_steps", "step_too_small", "not_finite") and NaN after the failure.
    """
    if not isinstance(chunk_size, (int, np.integer)) or chunk_size < 1:
        raise InputError(f"chunk_size must be a whole number of at least 1, got {chunk_size!r}")
    backend = Backend(workers, threads, cluster, scheduler)
    saveat, solver = options(
        saveat, solver, output_every=output_every, times=times, final_only=final_only, method=method, rtol=rtol,
        atol=atol, extinction=extinction, max_steps=max_steps,
    )  # fmt: skip
    if resume and out is None:
        raise InputError("resume=True needs out=PATH: only a run written to a file can be resumed")
    model, problem = prepare(model, t_end, regimen=regimen, t_start=t_start, saveat=saveat, solver=solver)
    if out is not None:
        return write_cohort(
            model, problem, out, params=params, initial=initial, dose_scale=dose_scale, patient_ids=patient_ids,
            manifest={"t_start": float(t_start), "t_end": float(t_end), "saveat": saveat_record(saveat),
                      "method": solver.method, "rtol": solver.rtol, "atol": solver.atol,
                      "max_steps": solver.max_steps, "extinction": solver.extinction},
            backend=backend, chunk_size=int(chunk_size), resume=resume,
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
