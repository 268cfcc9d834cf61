"""``iosim trial`` and ``iosim results``: virtual clinical trials and their results store."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from iosim.cli.app import app
from iosim.errors import InputError

if TYPE_CHECKING:  # rich is imported when a bar is drawn (start-up time)
    from rich.progress import Progress


@app.command()
def trial(
    spec: Path = typer.Argument(..., help="trial specification (YAML)"),
    out: Path = typer.Option(None, "--out", help="output folder (default: out/<trial name>)"),
    patients: int = typer.Option(None, "--patients", help="patients per arm (overrides the spec)"),
    workers: int = typer.Option(1, "--workers", help="local worker processes (with --cluster local: Dask workers)"),
    cluster: str = typer.Option(None, "--cluster", help="'local': run the chunks on a Dask LocalCluster (127.0.0.1)"),
    scheduler: str = typer.Option(None, "--scheduler", help="run the chunks on a running Dask cluster: tcp://HOST:PORT"),
    chunk_size: int = typer.Option(
        500, "--chunk-size", help="patients per chunk (the unit of work and of resume; --resume needs the same)"
    ),
    resume: bool = typer.Option(False, "--resume", help="continue an interrupted trial in the same folder"),
) -> None:
    """Run a virtual trial: results.duckdb, summary.csv and report.html in the output folder."""
    from rich.console import Console
    from rich.table import Table

    from iosim.cli.common import check_scheduler
    from iosim.endpoints.criteria import describe
    from iosim.parallel import Backend
    from iosim.trials import load_trial_spec, run_trial
    from iosim.trials.arms import plan_arm
    from iosim.trials.runner import population_for

    ts = load_trial_spec(spec)
    if patients is not None:
        ts = ts.with_patients(patients)
    folder = out or Path("out") / _folder_name(ts.name)
    # Every input and the backend checked before the output folder and its store exist, so that an
    # error is one line and leaves nothing that a rerun would have to --resume.
    population_for(ts, spec.resolve().parent)
    for arm in ts.arms:
        plan_arm(ts.cancer, [t.text for t in arm.therapies], ts.follow_up_days)
    Backend(workers, 1, cluster, scheduler)
    if scheduler:
        check_scheduler(scheduler)
    created = _first_missing(folder)
    bar = _LazyProgress(Console(stderr=True), f"{ts.name}: chunks")
    try:
        with bar:
            run = run_trial(
                ts, folder, workers=workers, cluster=cluster, scheduler=scheduler, chunk_size=chunk_size,
                resume=resume, spec_dir=spec.resolve().parent, progress=bar.update,
            )  # fmt: skip
    except BaseException:
        if created is not None and not bar.wrote_chunk:
            shutil.rmtree(created, ignore_errors=True)  # made by this run, and it holds no finished chunk
        raise

    def months(x: float) -> str:
        return "not reached" if x != x else f"{x:.1f}"

    def ratio(hr: float, lo: float, hi: float) -> str:
        return "–" if hr != hr else f"{hr:.2f} ({lo:.2f}–{hi:.2f})"

    control = run.spec.control_arm
    columns = ["arm", "n", "failed", "ORR", "CR", "DCR", "median PFS (mo)", "median OS (mo)"]
    table = Table(*columns, *(["OS HR (95% CI)"] if control else []), box=None)
    for row in run.summary.itertuples():
        cells = [
            row.arm, str(row.n), str(row.n_failed), f"{row.orr:.1%}", f"{row.cr_rate:.1%}", f"{row.dcr:.1%}",
            months(row.median_pfs_months), months(row.median_os_months),
        ]  # fmt: skip
        if control:
            cells.append(ratio(row.hr_os, row.hr_os_ci_low, row.hr_os_ci_high))
        table.add_row(*cells)
    Console().print(table)
    typer.echo(f"response criteria: {describe(ts.response_criteria)}")
    if control:
        typer.echo(f"hazard ratios against the control arm {control} (Cox; PFS ratios in summary.csv)")
    for row in run.summary.dropna(subset=["ida_arms"]).itertuples():
        typer.echo(
            f"{row.arm} if its drugs acted independently (IDA, from {row.ida_arms}): ORR {row.orr_ida:.1%}, "
            f"median PFS {months(row.median_pfs_ida_months)} mo"
        )
    typer.echo(f"wrote {folder}/results.duckdb, {folder}/summary.csv and {folder}/report.html")


def _folder_name(name: str) -> str:
    """The trial's name as the default output folder under out/; "." and ".." would name out/ itself
    or the folder above it."""
    if name in (".", ".."):
        raise InputError(f"trial name {name!r} cannot name its output folder; rename the trial or give --out")
    return name


def _first_missing(folder: Path) -> Path | None:
    """The outermost folder of ``folder``'s path that does not exist yet (this run will make it)."""
    missing = None
    for p in (folder, *folder.parents):
        if p.exists():
            break
        missing = p
    return missing


class _LazyProgress:
    """A progress bar drawn from the first progress report on, and erased when the run fails before
    its first chunk: an error raised before any work (the store refusing the folder, say) is then
    the only line printed."""

    def __init__(self, console, description: str):
        from rich.progress import TaskID

        self.console, self.description = console, description
        self.bar: Progress | None = None
        self.task = TaskID(0)
        self.first, self.wrote_chunk = 0, False

    def update(self, done: int, total: int) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn, TimeRemainingColumn

        if self.bar is None:
            self.bar = Progress(
                "[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                TimeRemainingColumn(), console=self.console, transient=False,
            )  # fmt: skip
            self.bar.start()
            self.task, self.first = self.bar.add_task(self.description, total=total), done
        self.wrote_chunk = done > self.first
        self.bar.update(self.task, completed=done, total=total)

    def __enter__(self) -> _LazyProgress:
        return self

    def __exit__(self, kind, error, tb) -> None:
        if self.bar is not None:
            if kind is not None and not self.wrote_chunk:
                self.bar.live.transient = True  # an empty bar above the error line says nothing
            self.bar.stop()


@app.command()
def results(
    folder: Path = typer.Argument(..., help="a trial's output folder"),
    sql: str = typer.Option(None, "--sql", help="SQL query on the tables patients, assessments, outcomes"),
    export: str = typer.Option(None, "--export", help="write every table as parquet or csv into the folder"),
) -> None:
    """Query a trial's results store, or export it to Parquet/CSV."""
    from iosim.trials.store import ResultStore

    with ResultStore(folder / "results.duckdb", read_only=True) as store:
        if export:
            for path in store.export(folder / "export", export):
                typer.echo(f"wrote {path}")
            return
        df = store.query(sql) if sql else store.query("SELECT * FROM chunks ORDER BY arm, chunk")
        typer.echo(df.to_csv(index=False), nl=False)


@app.command()
def calibrate(
    spec: Path = typer.Argument(..., help="trial specification (YAML) of a registry trial"),
    target: list[str] = typer.Option(
        ..., "--target", help="calibration-registry entries: checkmate067/nivolumab/orr,... or arm=ARM,orr,... "
        "(role calibrated only; repeatable)"
    ),  # fmt: skip
    vary: str = typer.Option(
        "immunogenicity,infiltration", "--vary", help="population centres or model parameters to fit, comma-separated"
    ),  # fmt: skip
    patients: int = typer.Option(400, "--patients", help="virtual patients per arm in each evaluation"),
    max_evaluations: int = typer.Option(40, "--max-evaluations"),
    population: str = typer.Option(
        None, "--population", help="start from this population file, or 'default' for the cancer's uncalibrated one"
    ),
    out: Path = typer.Option(..., "--out", help="write the calibrated population to FILE.yaml"),
) -> None:
    """Fit population-level parameters to calibration-registry entries; save the calibrated population."""
    from rich.console import Console

    from iosim.cli._progress import progress_bar
    from iosim.cli.common import check_output_path
    from iosim.trials import load_trial_spec
    from iosim.trials.calibrate import calibrate as fit
    from iosim.trials.calibrate import registry_targets
    from iosim.trials.population import Population, load_population
    from iosim.trials.runner import population_for

    check_output_path(out, (".yaml", ".yml"), "--out")
    ts = load_trial_spec(spec)
    start = (Population(ts.cancer) if population == "default"
             else load_population(population) if population else population_for(ts, spec.resolve().parent))  # fmt: skip
    targets = registry_targets(ts, target)
    with progress_bar(f"calibrate {ts.name}: evaluations") as progress:
        result = fit(
            ts, start, targets, [v.strip() for v in vary.split(",") if v.strip()], patients=patients,
            max_evaluations=max_evaluations, progress=progress,
        )  # fmt: skip
    result.population.save(out)
    console = Console()
    console.print(result.table.to_string(index=False))
    console.print(f"objective {result.objective:.4g} after {result.evaluations} evaluations; wrote {out}")
