"""``iosim cohort``: one model, many patients from a table, streamed to Parquet (resumable, see
:mod:`iosim.cohort.parts`)."""

from __future__ import annotations

from pathlib import Path

import typer

from iosim.cli._plain_values import PlainValuesCommand
from iosim.cli.app import app


@app.command(cls=PlainValuesCommand)  # its values skip pydantic: start-up (docs/performance.md)
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
    method: str = typer.Option("auto", "--method", help="auto, tsit5, dopri5 or rosenbrock"),
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
    from iosim.cli._progress import progress_bar
    from iosim.cli.common import check_output_path, check_scheduler
    from iosim.cohort.engine import prepare
    from iosim.cohort.kernel import compile_kernel, kernel_compiled
    from iosim.cohort.output import write_cohort
    from iosim.cohort.parts import file_sha256
    from iosim.cohort.patients import read_patient_table
    from iosim.dosing import combine, parse_dose
    from iosim.errors import InputError
    from iosim.models import is_model_file, load
    from iosim.parallel import Backend
    from iosim.simulation.options import SaveAt, SolverOptions
    from iosim.simulation.reference import doses_within

    check_output_path(out, (".parquet",), "--out")
    if chunk_size < 1:
        raise InputError(f"--chunk-size must be at least 1, got {chunk_size}")
    backend = Backend(workers, threads, cluster, scheduler)
    if scheduler:  # before the output's parts folder exists: a rerun needs no --resume
        check_scheduler(scheduler)
    m, carried = load(model)  # a model file's doses (SBML events) come with it, those within --days kept
    regimen = doses_within(carried, days) + combine(parse_dose(d) for d in dose or [])
    ids, pcols, icols, n = read_patient_table(m, params)
    saveat = SaveAt(t1=True) if final_only else SaveAt(every=every)
    solver = SolverOptions(method=method, rtol=rtol, atol=atol, extinction=not no_extinction)
    m, problem = prepare(m, days, regimen=regimen, saveat=saveat, solver=solver)
    compiled_before = kernel_compiled(m)
    _, seconds = compile_kernel(m)
    if not compiled_before:
        typer.echo(f"compiled {m.id} in {seconds:.1f} s (cached for next time)", err=True)
    elif seconds > 2:
        typer.echo(f"loaded the compiled {m.id} kernel in {seconds:.1f} s", err=True)
    # What the command line read, first: a refusal to resume names the option that changed.
    manifest = {
        "model_sha256": file_sha256(Path(model)) if is_model_file(model) else None,
        "params_sha256": file_sha256(params), "dose": list(dose or []), "days": days, "final_only": final_only,
        "every": every, "method": method, "rtol": rtol, "atol": atol, "extinction": not no_extinction,
    }  # fmt: skip
    with progress_bar(f"{m.id}: {n} patients") as progress:
        written = write_cohort(
            m, problem, out, params=pcols, initial=icols, patient_ids=ids,
            manifest=manifest, backend=backend, chunk_size=chunk_size, resume=resume, labels=_LABELS,
            progress=progress,
        )  # fmt: skip
    bad = written.patients - written.status_counts().get("ok", 0)
    if bad:
        why = ", ".join(f"{v} {k}" for k, v in written.failed.items())
        typer.echo(f"warning: {bad} of {n} patients did not finish ({why}); their rows are NaN from there on", err=True)
    typer.echo(f"wrote {n} patients x {written.times} times to {out}", err=True)


#: The command's options, as a refusal to resume names them.
_LABELS = {
    "out": "--out", "resume": "--resume", "model_sha256": "the model file's content",
    "params_sha256": "the --params file's content", "dose": "--dose", "days": "--days", "t_end": "--days",
    "final_only": "--final-only", "every": "--every", "saveat": "--every or --final-only", "method": "--method",
    "rtol": "--rtol", "atol": "--atol", "extinction": "--no-extinction", "chunk_size": "--chunk-size",
}  # fmt: skip
