"""``iosim sensitivity``: Sobol or Morris global sensitivity of a model output (SALib)."""

from __future__ import annotations

from pathlib import Path

import typer

from iosim.cli.app import app


@app.command("sensitivity")
def sensitivity_command(
    model: str = typer.Argument(..., help="model id or model file"),
    output: str = typer.Option(..., "--output", help="state or output to analyse"),
    at_day: float = typer.Option(..., "--at-day", help="day at which the output is read"),
    method: str = typer.Option("sobol", "--method", help="sobol or morris"),
    n: int = typer.Option(256, "--n", max=2**20, help="base sample size (Sobol: n*(k+2) runs; Morris: n*(k+1))"),
    spread: float = typer.Option(0.5, "--spread", help="log-uniform range [v/(1+s), v*(1+s)] around each value"),
    params: str = typer.Option("", "--params", help="comma-separated parameters (default: all)"),
    init: list[str] = typer.Option(None, "--init", help="initial states NAME=VALUE"),
    seed: int = typer.Option(0, "--seed", min=0, help="sampling and bootstrap seed"),
    out: Path = typer.Option(None, "--out", help="indices table (.csv)"),
    plot: Path = typer.Option(None, "--plot", help="bar chart (.png)"),
) -> None:
    """First-order and total Sobol indices (or Morris mu*, sigma) with 95% intervals, on the cohort engine."""
    from iosim.analysis.sensitivity import plot_sensitivity, sensitivity
    from iosim.cli._progress import progress_bar
    from iosim.cli.common import check_output_path, load_model, parse_assignments

    check_output_path(out, (".csv",), "--out")
    check_output_path(plot, (".png",), "--plot")
    names = [p.strip() for p in params.split(",") if p.strip()] or None
    m, initial = load_model(model), parse_assignments(init, "--init") or None
    with progress_bar(f"{method}: runs") as progress:
        table = sensitivity(
            m, output, at_day, method=method, parameters=names, spread=spread, n=n, seed=seed, initial=initial,
            progress=progress,
        )  # fmt: skip
    typer.echo(table.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    typer.echo(f"{table.attrs['runs']} runs, {table.attrs['failed']} failed")
    if out:
        table.to_csv(out, index=False)
    if plot:
        plot_sensitivity(table, path=plot)
