"""``iosim fit``: maximum-likelihood fit of a model to one time series, or two-stage to many."""

from __future__ import annotations

from pathlib import Path

import typer

from iosim.cli.app import app


def _model(name: str):
    from iosim.cli.common import load_model
    from iosim.fitting import GROWTH_MODELS, growth_model

    if name.removeprefix("growth_") in GROWTH_MODELS:
        return growth_model(name)
    return load_model(name)


#: Column names recognised without a mapping (the bundled mouse data use day, volume_mm3, animal_id).
_ALIASES = {
    "time": ("time", "day", "days", "t"),
    "value": ("value", "volume_mm3", "volume", "diameter_mm", "cells"),
    "id": ("id", "animal_id", "animal", "subject", "patient"),
}


def _columns(table, data: Path, given: dict[str, str | None]):
    """``table`` with columns ``time``, ``value`` (and ``id``), read from the mapped or recognised columns."""
    from iosim.errors import InputError

    have = list(table.columns)
    chosen: dict[str, str] = {}
    for role, aliases in _ALIASES.items():
        name = given[role]
        if name is not None:
            if name not in have:
                raise InputError(f"--{role}-column {name!r}: {data} has no such column; its columns: {', '.join(have)}")
            chosen[role] = name
            continue
        found = [a for a in aliases if a in have]
        if found:
            chosen[role] = found[0]
        elif role != "id":
            raise InputError(
                f"--data {data}: no {role} column (its columns: {', '.join(map(str, have))}); "
                f"name it with --{role}-column COLUMN"
            )
    renamed = [f"{role} from {col!r}" for role, col in chosen.items() if role != col]
    if renamed:
        typer.echo(f"note: reading {', '.join(renamed)}", err=True)
    out = table[list(chosen.values())].copy()
    out.columns = list(chosen)
    return out


@app.command()
def fit(
    model: str = typer.Argument(..., help="model id, model file, or a growth model (exponential, logistic, gompertz)"),
    data: Path = typer.Option(..., "--data", help="CSV with time and value columns (and id for a population)"),
    time_column: str = typer.Option(None, "--time-column", help="column holding the time (default: time or day)"),
    value_column: str = typer.Option(
        None, "--value-column", help="column holding the measured values (default: value or volume_mm3)"
    ),
    id_column: str = typer.Option(None, "--id-column", help="column naming the subject (default: id or animal_id)"),
    observe: str = typer.Option(..., "--observe", help="state or output the values measure"),
    estimate: str = typer.Option(..., "--estimate", help="comma-separated parameters (or initial states) to fit"),
    error: str = typer.Option("proportional", "--error", help="error model: proportional, additive or combined"),
    starts: int = typer.Option(5, "--starts", help="number of optimiser starts"),
    seed: int = typer.Option(0, "--seed", min=0, help="seed of the random starts"),
    out: Path = typer.Option(None, "--out", help="estimates table (.csv)"),
    plot: Path = typer.Option(None, "--plot", help="goodness-of-fit plot (.png)"),
) -> None:
    """Fit parameters to data: one subject with profile-likelihood 95% intervals, or (id column) a two-stage fit."""
    import pandas as pd

    from iosim.cli._progress import progress_bar
    from iosim.cli.common import check_output_path
    from iosim.errors import InputError
    from iosim.fitting import fit_individual, fit_population, plot_gof

    check_output_path(out, (".csv",), "--out")
    check_output_path(plot, (".png",), "--plot")
    if not data.is_file():
        raise InputError(f"--data {data} does not exist")
    try:
        table = pd.read_csv(data)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as e:
        raise InputError(f"--data {data} is not a readable CSV: {str(e).splitlines()[0]}") from None
    table = _columns(table, data, {"time": time_column, "value": value_column, "id": id_column})
    names = [s.strip() for s in estimate.split(",") if s.strip()]
    m = _model(model)
    if "id" in table.columns and table["id"].nunique() > 1:
        with progress_bar(f"fit {m.id}: subjects") as progress:
            pop = fit_population(
                m, table, observe=observe, estimate=names, error_model=error, starts=starts, seed=seed,
                progress=progress,
            )  # fmt: skip
        result, fits = pop.population, list(pop.individual.values())
        typer.echo(result.to_string(index=False))
        typer.echo(f"two-stage fit of {len(fits)} subjects ({len(pop.failed)} failed); sum of AIC {pop.aic:.2f}")
        if out:
            pop.estimates().to_csv(out, index=False)
    else:
        with progress_bar(f"fit {m.id}: starts and profiles") as progress:
            f = fit_individual(
                m, table, observe=observe, estimate=names, error_model=error, starts=starts, seed=seed,
                progress=progress,
            )  # fmt: skip
        result, fits = f.summary(), [f]
        typer.echo(result.to_string(index=False))
        typer.echo(f"-2 log-likelihood {2 * f.nll:.3f}, AIC {f.aic:.3f}, {f.n_obs} observations")
        if out:
            result.to_csv(out, index=False)
    if plot:
        plot_gof(fits, path=plot, title=f"{m.id}: {', '.join(names)}")
