"""``iosim cohort``: one model, many patients from a table, streamed to Parquet (resumable, see
:mod:`iosim.cohort.parts`)."""

from __future__ import annotations

from pathlib import Path

import typer

from iosim.cli.app import app


def read_patients(model, path: Path):
    """Per-patient table -> (ids, parameter columns, initial-state columns); unknown columns are errors."""
    import pandas as pd

    from iosim.errors import InputError, UnknownNameError

    suffix = path.suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise InputError(f"--params {path}: use a .csv or .parquet file")
    if not path.is_file():
        raise InputError(f"--params {path}: no such file")
    df = pd.read_parquet(path) if suffix == ".parquet" else pd.read_csv(path)
    if len(df) == 0:
        raise InputError(f"--params {path}: the table has no rows; give one row per patient")
    allowed = ("patient", *model.parameter_names, *model.state_names)
    for col in df.columns:
        if str(col) not in allowed:
            raise UnknownNameError("column (parameter, state or 'patient')", str(col), allowed)
    ids = df["patient"].to_numpy() if "patient" in df.columns else None
    params = {c: df[c].to_numpy(float) for c in df.columns if c in model.parameter_names}
    initial = {c: df[c].to_numpy(float) for c in df.columns if c in model.state_names}
    return ids, params, initial, len(df)


@app.command()
def cohort(
    model: str = typer.Argument(..., help="model id (see `iosim models`)"),
    params: Path = typer.Option(
        ...,
        "--params",
        help="CSV or Parquet, one row per patient: parameters, optional initial states, optional `patient` id",
    ),  # fmt: skip
    days: float = typer.Option(..., "--days", help="simulated time, in days"),
    dose: list[str] = typer.Option(
        None, "--dose", help="STATE:AMOUNT@DAY[,every=DAYS,count=N,over=DAYS] or STATE=VALUE@DAY (repeatable)"
    ),
    out: Path = typer.Option(..., "--out", help="write the long table to FILE.parquet"),
    final_only: bool = typer.Option(False, "--final-only", help="write only the state at the last day"),
    every: float = typer.Option(1.0, "--every", help="output interval in days"),
    method: str = typer.Option("auto", "--method", help="auto, dopri5 or rosenbrock"),
    rtol: float = typer.Option(1e-6, "--rtol"),
    atol: float = typer.Option(1e-6, "--atol"),
    workers: int = typer.Option(1, "--workers", help="local worker processes"),
    threads: int = typer.Option(1, "--threads", help="threads in this process (when --workers is 1)"),
    cluster: str = typer.Option(None, "--cluster", help="'local': run the chunks on a Dask LocalCluster (127.0.0.1)"),
    scheduler: str = typer.Option(None, "--scheduler", help="run the chunks on a running Dask cluster: tcp://HOST:PORT"),
    chunk_size: int = typer.Option(1024, "--chunk-size", help="patients per unit of work (and of --resume)"),
    no_extinction: bool = typer.Option(False, "--no-extinction", help="let populations fall below one cell"),
    resume: bool = typer.Option(
        False, "--resume", help="continue an interrupted run with the same inputs: keep its finished chunks"
    ),
) -> None:
    """Simulate a cohort: output columns `patient`, `time`, then the states."""
    import hashlib

    import numpy as np
    import pyarrow as pa
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    from iosim.cli.common import check_output_path, check_scheduler
    from iosim.cohort import compile_kernel
    from iosim.cohort.engine import iter_chunks, patient_matrices, prepare, slices
    from iosim.cohort.parts import file_sha256, join_parts, open_parts, update_digest, write_part
    from iosim.cohort.result import STATUS_NAMES
    from iosim.dosing import combine, parse_dose
    from iosim.errors import InputError
    from iosim.models import get_model, is_model_file, load_model_file
    from iosim.parallel import Backend

    check_output_path(out, (".parquet",), "--out")
    if chunk_size < 1:
        raise InputError(f"--chunk-size must be at least 1, got {chunk_size}")
    backend = Backend(workers, threads, cluster, scheduler)
    if scheduler:  # before the output's parts folder exists: a rerun needs no --resume
        check_scheduler(scheduler)
    regimen = combine(parse_dose(d) for d in dose or [])
    if is_model_file(model):
        m, carried = load_model_file(model)
        regimen = carried + regimen  # doses written in the file as SBML events
    else:
        m = get_model(model)
    ids, pcols, icols, n = read_patients(m, params)
    m, problem = prepare(
        m, days, regimen=regimen, output_every=every, final_only=final_only, method=method,
        rtol=rtol, atol=atol, extinction=not no_extinction,
    )  # fmt: skip
    ids = np.arange(n) if ids is None else ids

    def block(lo: int, hi: int):
        cut = {k: v[lo:hi] for k, v in pcols.items()}, {k: v[lo:hi] for k, v in icols.items()}
        return patient_matrices(m, *cut, n_patients=hi - lo)

    # Validate every row first (vectorised, cheap), so a bad value fails before any work; the
    # run then builds each chunk's matrices only when it is submitted: memory stays bounded.
    # The numbers the kernel will see are hashed on the way, for the manifest.
    numbers = hashlib.sha256()
    for arr in (*problem.schedule.arrays(), problem.grid, problem.thresholds):
        update_digest(numbers, arr)
    for lo, hi in slices(n, 65536):
        for arr in block(lo, hi):
            update_digest(numbers, arr)
    manifest = {
        "model": m.id, "model_sha256": file_sha256(Path(model)) if is_model_file(model) else None,
        "params_sha256": file_sha256(params), "patients": n, "days": days, "dose": list(dose or []),
        "final_only": final_only, "every": every, "method": method, "rtol": rtol, "atol": atol,
        "extinction": not no_extinction, "chunk_size": chunk_size, "kernel": problem.kernel.key,
        "inputs": numbers.hexdigest(),
    }  # fmt: skip
    parts = out.with_name(f".{out.name}.parts")
    bounds = slices(n, chunk_size)
    done = open_parts(parts, manifest, resume=resume, out=out)
    todo = [(k, lo, hi) for k, (lo, hi) in enumerate(bounds) if k not in done]
    if todo:
        _, seconds = compile_kernel(m)
        if seconds > 2:
            typer.echo(f"compiled {m.id} in {seconds:.1f} s (cached for next time)", err=True)
    chunks = ((lo, hi, *block(lo, hi)) for _, lo, hi in todo)
    grid, n_t = problem.grid, problem.grid.size
    names = list(m.state_names)
    with Progress(
        TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
        TimeRemainingColumn(), transient=True,
    ) as bar:  # fmt: skip
        task = bar.add_task(f"{m.id}: {n} patients", total=n)
        bar.advance(task, n - sum(hi - lo for _, lo, hi in todo))
        for lo, hi, (y, status, _, _) in iter_chunks(problem, chunks, backend=backend):
            cols = {"patient": np.repeat(ids[lo:hi], n_t), "time": np.tile(grid, hi - lo)}
            for j, s in enumerate(names):
                cols[s] = y[:, :, j].reshape(-1)
            codes, counts = np.unique(status[status != 0], return_counts=True)
            failed = {STATUS_NAMES[int(c)]: int(v) for c, v in zip(codes, counts)}
            write_part(parts, lo // chunk_size, pa.table(cols), failed)
            bar.advance(task, hi - lo)
    failed = join_parts(parts, len(bounds), out)
    bad = sum(failed.values())
    if bad:
        why = ", ".join(f"{failed[k]} {k}" for k in STATUS_NAMES[1:] if failed.get(k))
        typer.echo(f"warning: {bad} of {n} patients did not finish ({why}); their rows are NaN from there on", err=True)
    typer.echo(f"wrote {n} patients x {n_t} times to {out}", err=True)
