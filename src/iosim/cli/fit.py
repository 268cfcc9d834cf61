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


@app.command()
def fit(
    model: str = typer.Argument(..., help="model id, model file, or a growth model (exponential, logistic, gompertz)"),
    data: Path = typer.Option(..., "--data", help="CSV with time and value columns (and id for a population)"),
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
    names = [s.strip() for s in estimate.split(",") if s.strip()]
    m = _model(model)
    if "id" in table.columns and table["id"].nunique() > 1:
        pop = fit_population(m, table, observe=observe, estimate=names, error_model=error, starts=starts, seed=seed)
        result, fits = pop.population, list(pop.individual.values())
        typer.echo(result.to_string(index=False))
        typer.echo(f"two-stage fit of {len(fits)} subjects ({len(pop.failed)} failed); sum of AIC {pop.aic:.2f}")
        if out:
            pop.estimates().to_csv(out, index=False)
    else:
        f = fit_individual(m, table, observe=observe, estimate=names, error_model=error, starts=starts, seed=seed)
        result, fits = f.summary(), [f]
        typer.echo(result.to_string(index=False))
        typer.echo(f"-2 log-likelihood {2 * f.nll:.3f}, AIC {f.aic:.3f}, {f.n_obs} observations")
        if out:
            result.to_csv(out, index=False)
    if plot:
        plot_gof(fits, path=plot, title=f"{m.id}: {', '.join(names)}")
