"""``iosim vpop build`` and ``iosim vpop compare``: virtual populations selected against clinical data."""

from __future__ import annotations

from pathlib import Path

import typer

from iosim.cli.app import app

vpop_app = typer.Typer(help="Virtual populations selected against patient-level data.", no_args_is_help=True)
app.add_typer(vpop_app, name="vpop")

_DATA_HELP = "observed lesions: oak_atezolizumab, oak_docetaxel, or a CSV with patient, day, diameter_mm"


@vpop_app.command("build")
def build(
    spec: Path = typer.Argument(..., help="trial specification (YAML) whose arm the population is selected on"),
    arm: str = typer.Option(..., "--arm", help="the arm whose simulated response is matched to the data"),
    data: str = typer.Option(..., "--data", help=_DATA_HELP),
    out: Path = typer.Option(..., "--out", help="population file to write (.yaml; patients beside it, .parquet)"),
    plausible: int = typer.Option(200_000, "--plausible", help="plausible patients to simulate"),
    seed: int = typer.Option(1, "--seed", help="seed of the plausible patients, their lesions and the selection"),
    workers: int = typer.Option(1, "--workers", help="local worker processes"),
    max_ks: float = typer.Option(0.05, "--max-ks", help="largest Kolmogorov-Smirnov distance accepted per observable"),
    max_patients: int = typer.Option(5000, "--max-patients", help="largest number of selected patients saved"),
    replicates: int = typer.Option(2, "--replicates", help="simulations of each plausible patient, fresh trial noise"),
    cache: Path = typer.Option(None, "--cache", help="Parquet file of the plausible patients' metrics: written once, "
                               "then reused (select again without simulating)"),
) -> None:
    """Simulate plausible patients on one arm and keep those that make the population match the data."""
    from rich.console import Console

    from iosim.cli._progress import progress_bar
    from iosim.trials import load_trial_spec
    from iosim.vpop import build_population
    from iosim.vpop.build import the_arm
    from iosim.vpop.compare import OBSERVED, observed_series

    ts = load_trial_spec(spec)
    the_arm(ts, arm)  # input errors before the progress bar, so that they are one line
    series = observed_series(data)
    label = OBSERVED.get(data, (None, data))[1]
    with progress_bar(f"{ts.name}: plausible patients, chunks") as progress:
        chosen = build_population(
            ts, arm, series, plausible=plausible, seed=seed, out=out, workers=workers, max_ks=max_ks,
            max_patients=max_patients, plausible_cache=cache, replicates=replicates,
            calibrated_to=f"{label}: distributions of best % change, growth rate and baseline size of the first "
            "target lesion", progress=progress,
        )  # fmt: skip
    r = chosen.report
    Console().print(
        f"kept {int(r['selected'])} of {int(r['plausible'])} plausible patients; KS best % change "
        f"{r['ks_best_pct_change']:.3f}, log g {r['ks_log_g']:.3f}, baseline {r['ks_baseline_mm']:.3f}"
    )
    typer.echo(f"wrote {out} and {out.with_suffix('.parquet')}")


@vpop_app.command("compare")
def compare(
    results: Path = typer.Argument(..., help="a trial's output folder"),
    arm: str = typer.Option(..., "--arm", help="the simulated arm"),
    data: str = typer.Option(..., "--data", help=_DATA_HELP),
    plot: Path = typer.Option(None, "--plot", help="write the waterfall / distribution figure (PNG)"),
) -> None:
    """Compare a simulated arm's first target lesions with observed ones (best % change, g, d)."""
    from rich.console import Console
    from rich.table import Table

    from iosim.data import oak  # noqa: F401  (fails early, with one line, if the data are missing)
    from iosim.fitting.tgi import fit_tgi
    from iosim.vpop.compare import compare_trial, observed_series, plot_comparison

    series = observed_series(data)
    table, sim = compare_trial(results, arm, series)
    out = Table("metric", "observed", "simulated", box=None)
    for row in table.itertuples():
        out.add_row(row.metric, f"{row.observed:.4g}", f"{row.simulated:.4g}")
    Console().print(out)
    if plot:
        plot_comparison(sim, fit_tgi(series), plot, title=f"{arm} vs {data}")
        typer.echo(f"wrote {plot}")
