"""``iosim cohort``: one model, many patients from a table, streamed to Parquet."""

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
    chunk_size: int = typer.Option(1024, "--chunk-size", help="patients per unit of work"),
    no_extinction: bool = typer.Option(False, "--no-extinction", help="let populations fall below one cell"),
) -> None:
    """Simulate a cohort: output columns `patient`, `time`, then the states."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    from iosim.cli.common import check_output_path
    from iosim.cohort.cache import compile_kernel
    from iosim.cohort.engine import iter_chunks, patient_matrices, prepare, slices
    from iosim.cohort.result import STATUS_NAMES
    from iosim.dosing import combine, parse_dose
    from iosim.errors import InputError
    from iosim.models import get_model, is_model_file, load_model_file

    check_output_path(out, (".parquet",), "--out")
    for label, v in (("--workers", workers), ("--threads", threads), ("--chunk-size", chunk_size)):
        if v < 1:
            raise InputError(f"{label} must be at least 1, got {v}")
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
    for lo, hi in slices(n, 65536):
        block(lo, hi)
    _, seconds = compile_kernel(m)
    if seconds > 2:
        typer.echo(f"compiled {m.id} in {seconds:.1f} s (cached for next time)", err=True)
    chunks = ((lo, hi, *block(lo, hi)) for lo, hi in slices(n, chunk_size))
    grid, n_t = problem.grid, problem.grid.size
    names = list(m.state_names)
    failed = {k: 0 for k in STATUS_NAMES[1:]}
    tmp = out.with_name(f".{out.name}.partial")
    writer = None
    try:
        with Progress(
            TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
            TimeRemainingColumn(), transient=True,
        ) as bar:  # fmt: skip
            task = bar.add_task(f"{m.id}: {n} patients", total=n)
            for lo, hi, (y, status, _, _) in iter_chunks(problem, chunks, workers=workers, threads=threads):
                cols = {"patient": np.repeat(ids[lo:hi], n_t), "time": np.tile(grid, hi - lo)}
                for j, s in enumerate(names):
                    cols[s] = y[:, :, j].reshape(-1)
                table = pa.table(cols)
                if writer is None:
                    writer = pq.ParquetWriter(tmp, table.schema)
                writer.write_table(table)
                for code in status[status != 0]:
                    failed[STATUS_NAMES[int(code)]] += 1
                bar.advance(task, hi - lo)
        writer.close()
        writer = None
        tmp.replace(out)
    finally:
        if writer is not None:
            writer.close()
        if tmp.exists():
            tmp.unlink()
    bad = sum(failed.values())
    if bad:
        why = ", ".join(f"{v} {k}" for k, v in failed.items() if v)
        typer.echo(f"warning: {bad} of {n} patients did not finish ({why}); their rows are NaN from there on", err=True)
    typer.echo(f"wrote {n} patients x {n_t} times to {out}", err=True)
