"""``iosim validate``: every calibration-registry entry, simulated and compared with its observed CI."""

from __future__ import annotations

from pathlib import Path

import typer

from iosim.cli.app import app


@app.command()
def validate(
    patients: int = typer.Option(1000, "--patients", help="virtual patients per arm"),
    out: Path = typer.Option(
        Path("out/validation"), "--out", help="folder for validation.csv, validation.md and predicted_vs_observed.png"
    ),  # fmt: skip
    workers: int = typer.Option(1, "--workers", help="local worker processes per trial"),
) -> None:
    """Run every registry trial once and compare each entry with its observed 95% CI."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from iosim.parallel import Backend
    from iosim.validation import load_registry
    from iosim.validation import validate as run
    from iosim.validation.validate import check_patients

    # Input errors before the progress bar, so that they are one line.
    check_patients(patients)
    Backend(workers, 1, None, None)
    registry = load_registry()
    trials = registry.trials()
    console = Console(stderr=True)
    with Progress(
        "[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=console, transient=False,
    ) as bar:  # fmt: skip
        task = bar.add_task("validate", total=None)
        order = {t: i for i, t in enumerate(trials, 1)}

        def progress(trial: str, done: int, total: int) -> None:
            bar.update(task, description=f"trial {order[trial]}/{len(trials)} {trial}: chunks", completed=done,
                       total=total)  # fmt: skip

        result = run(patients=patients, out=out, registry=registry, workers=workers, progress=progress)
    t = result.table
    cal = t[t["role"] == "calibrated"]
    judged = t["within"].notna()
    typer.echo(
        f"{int((cal['within'] == True).sum())} of {len(cal)} calibrated rows and "  # noqa: E712
        f"{int((t[t['role'] == 'predicted']['within'] == True).sum())} of "  # noqa: E712
        f"{int((judged & (t['role'] == 'predicted')).sum())} judged predicted rows within the observed 95% CI"
    )
    for r in result.misses.itertuples():
        typer.echo(f"calibrated row outside its CI: {r.trial} {r.arm} {r.endpoint} (observed {r.observed:.3g}, "
                   f"simulated {r.simulated:.3g})")  # fmt: skip
    typer.echo("wrote " + ", ".join(str(p) for p in result.files))
