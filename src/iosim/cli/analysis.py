"""``iosim scan`` and ``iosim basins``: bifurcation diagrams and basins of attraction."""

from __future__ import annotations

from pathlib import Path

import typer

from iosim.cli.app import app


def _range(text: str, option: str) -> tuple[float, float, int]:
    from iosim.errors import InputError

    parts = text.split(":")
    try:
        lo, hi, n = float(parts[0]), float(parts[1]), int(parts[2])
    except (ValueError, IndexError):
        raise InputError(f"{option} {text!r}: write LOW:HIGH:POINTS, e.g. 1e-3:1:20") from None
    if not (0 < lo < hi) or not 2 <= n <= 400:
        raise InputError(f"{option} {text!r}: need 0 < LOW < HIGH and 2 to 400 points")
    return lo, hi, n


@app.command()
def scan(
    model: str = typer.Argument(..., help="model id or model file"),
    param: str = typer.Option(..., "--param", help="parameter to vary"),
    values: str = typer.Option(..., "--values", help="LOW:HIGH:POINTS (log-spaced)"),
    state: str = typer.Option(None, "--state", help="state to plot (default: the last state)"),
    set_: list[str] = typer.Option(None, "--set", help="other parameter values NAME=VALUE"),
    out: Path = typer.Option(None, "--out", help="equilibria table (.csv or .parquet)"),
    plot: Path = typer.Option(None, "--plot", help="bifurcation diagram (.png)"),
) -> None:
    """Equilibria and their stability as one parameter varies (a bifurcation diagram)."""
    import numpy as np

    from iosim.analysis import plot_scan, scan_parameter
    from iosim.cli._progress import progress_bar
    from iosim.cli.common import check_output_path, load_model, parse_assignments, write_table

    check_output_path(out, (".csv", ".parquet"), "--out")
    check_output_path(plot, (".png", ".svg", ".pdf"), "--plot")
    m = load_model(model)
    lo, hi, n = _range(values, "--values")
    state = state or m.state_names[-1]
    m.state_index(state)
    overrides = parse_assignments(set_, "--set")
    with progress_bar(f"scan {param}: values") as progress:
        df = scan_parameter(m, param, np.geomspace(lo, hi, n), params=overrides, progress=progress)
    if out:
        write_table(df, out)
    else:
        typer.echo(df.to_csv(index=False), nl=False)
    if plot:
        plot_scan(df, param, state, path=plot)


@app.command()
def basins(
    model: str = typer.Argument(..., help="model id or model file"),
    x: str = typer.Option(..., "--x", help="STATE=LOW:HIGH:POINTS for the horizontal axis"),
    y: str = typer.Option(..., "--y", help="STATE=LOW:HIGH:POINTS for the vertical axis"),
    outcome: str = typer.Option(..., "--outcome", help="state whose final value is recorded"),
    days: float = typer.Option(..., "--days", help="simulated time per initial condition"),
    set_: list[str] = typer.Option(None, "--set", help="parameter values NAME=VALUE"),
    out: Path = typer.Option(None, "--out", help="table of final values (.csv or .parquet)"),
    plot: Path = typer.Option(None, "--plot", help="basin map (.png)"),
) -> None:
    """Simulate a grid of initial conditions and map where each one ends up."""
    import pandas as pd

    from iosim.analysis import basins as run_basins
    from iosim.analysis import plot_basins
    from iosim.cli._progress import progress_bar
    from iosim.cli.common import check_output_path, load_model, parse_assignments, write_table
    from iosim.errors import InputError

    check_output_path(out, (".csv", ".parquet"), "--out")
    check_output_path(plot, (".png", ".svg", ".pdf"), "--plot")
    m = load_model(model)
    axes = []
    for text, option in ((x, "--x"), (y, "--y")):
        name, eq, rng = text.partition("=")
        if not eq:
            raise InputError(f"{option} {text!r}: write STATE=LOW:HIGH:POINTS")
        m.state_index(name.strip())
        axes.append((name.strip(), *_range(rng, option)))
    m.state_index(outcome)
    overrides = parse_assignments(set_, "--set")
    with progress_bar("basins: initial conditions") as progress:
        b = run_basins(m, axes[0], axes[1], outcome=outcome, t_end=days, params=overrides, progress=progress)
    rows = [
        {b.x_state: xv, b.y_state: yv, f"final_{outcome}": b.final[i, j]}
        for i, yv in enumerate(b.y)
        for j, xv in enumerate(b.x)
    ]
    df = pd.DataFrame(rows)
    if out:
        write_table(df, out)
    else:
        typer.echo(df.to_csv(index=False), nl=False)
    if plot:
        plot_basins(b, path=plot)
