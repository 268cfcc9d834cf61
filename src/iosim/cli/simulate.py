"""``iosim simulate`` and ``iosim equilibria``."""

from __future__ import annotations

from pathlib import Path

import typer

from iosim.cli._plain_values import PlainValuesCommand
from iosim.cli.app import app

_TABLES = (".csv", ".parquet")


@app.command(cls=PlainValuesCommand)  # its values skip pydantic: start-up (docs/performance.md)
def simulate(
    model: str = typer.Argument(..., help="model id (see `iosim models`) or model file"),
    days: float = typer.Option(..., "--days", help="simulated time, in days"),
    set_: list[str] = typer.Option(None, "--set", help="parameter value NAME=VALUE (repeatable)"),
    init: list[str] = typer.Option(None, "--init", help="initial state STATE=VALUE (repeatable)"),
    dose: list[str] = typer.Option(
        None, "--dose", help="STATE:AMOUNT@DAY[,every=DAYS,count=N,over=DAYS] or STATE=VALUE@DAY (repeatable)"
    ),
    cancer: str = typer.Option(None, "--cancer", help="cancer type (flagship model `core`; see `iosim cancers`)"),
    therapy: list[str] = typer.Option(None, "--therapy", help="DRUG[:REGIMEN], a+b for a combination (repeatable)"),
    patient: str = typer.Option(None, "--patient", help="patient covariates, e.g. weight_kg=70,height_cm=175"),
    tumour_cells: float = typer.Option(None, "--tumour-cells", help="initial tumour burden (flagship model)"),
    scenario: Path = typer.Option(None, "--scenario", help="scenario YAML file (flagship model)"),
    every: float = typer.Option(1.0, "--every", help="output interval in days"),
    method: str = typer.Option("LSODA", "--method", help="LSODA, BDF, Radau, RK45 or DOP853"),
    rtol: float = typer.Option(1e-8, "--rtol"),
    atol: float = typer.Option(1e-8, "--atol"),
    no_extinction: bool = typer.Option(False, "--no-extinction", help="let populations fall below one cell"),
    out: Path = typer.Option(None, "--out", help="write the table to FILE.csv or FILE.parquet"),
    plot: Path = typer.Option(None, "--plot", help="write a figure to FILE.png"),
) -> None:
    """Simulate one model and write the trajectory table (time, then states and outputs).

    A --dose outside the simulated days is refused."""
    from iosim.cli.common import check_output_path, parse_assignments, split_therapies, write_table
    from iosim.dosing import combine, parse_dose
    from iosim.errors import InputError
    from iosim.simulation import SaveAt, SolverOptions
    from iosim.simulation import simulate as run
    from iosim.simulation.reference import doses_within

    check_output_path(out, _TABLES, "--out")
    check_output_path(plot, (".png", ".svg", ".pdf"), "--plot")
    params = parse_assignments(set_, "--set")
    initial = parse_assignments(init, "--init")
    regimen = combine(parse_dose(d) for d in dose or [])
    notes: tuple[str, ...] = ()
    sc = None
    if cancer or therapy or patient or tumour_cells is not None or scenario:
        if model != "core":
            raise InputError("--cancer, --therapy, --patient, --tumour-cells and --scenario apply to the model `core`")
        from iosim.scenario import build_scenario, load_scenario
        from iosim.therapy.regimens import DEFAULT_HORIZON_DAYS

        if scenario is not None:
            sc = load_scenario(scenario)
        else:
            if not cancer:
                raise InputError("--cancer is required with --therapy/--patient/--tumour-cells; see `iosim cancers`")
            sc = build_scenario(
                cancer=cancer,
                therapies=split_therapies(therapy),
                patient=parse_assignments([patient] if patient else [], "--patient"),
                tumour_cells=tumour_cells,
                # doses up to the simulated end (treatment stops at two years at the latest), so
                # that the notes name a therapy none of whose doses falls within --days
                horizon_days=days if 0 < days < DEFAULT_HORIZON_DAYS else None,
            )
        m = sc.model
        params, initial = {**sc.params, **params}, {**sc.initial, **initial}
        # the plan goes on after --days (a scenario file's horizon); --dose doses do not: they must fall within
        regimen, notes = doses_within(sc.regimen, days) + regimen, sc.notes
    else:
        from iosim.models import load

        m, carried = load(model)
        # doses written in a model file as SBML events happen when their time comes, if it comes
        regimen = doses_within(carried, days) + regimen
    result = run(
        m,
        days,
        params=params,
        initial=initial,
        regimen=regimen,
        saveat=SaveAt(every=every),
        solver=SolverOptions(method=method, rtol=rtol, atol=atol, extinction=not no_extinction),
    )
    for note in notes:
        typer.echo(f"note: {note}", err=True)
    result.raise_for_status()
    df = result.to_dataframe()
    if out is not None:
        write_table(df, out)
    if plot is not None:
        result.plot(path=plot, title=_title(sc) if m.id == "core" else "")
    if out is None and plot is None:
        typer.echo(df.to_csv(index=False), nl=False)
    for state, t in result.extinctions:
        typer.echo(f"note: {state} fell below its extinction threshold at t={t:.4g} and was set to 0", err=True)
    if m.id == "core":
        _echo_best_response(result, sc)


def _title(sc) -> str:
    if sc is None:
        return "core"
    from iosim.cancers import get_cancer

    return f"{get_cancer(sc.cancer).name}: {' + '.join(sc.therapies) if sc.therapies else 'no therapy'}"


def _echo_best_response(result, sc) -> None:
    """The RECIST read-out, on stderr so that the table on stdout stays a table (as the web app shows it)."""
    from iosim.plots import best_response

    untreated = "" if sc is not None and sc.therapies else " (no therapy given: the tumour's natural course)"
    typer.echo(f"best response (RECIST 1.1, scans every 8 weeks){untreated}: {best_response(result).describe()}",
               err=True)  # fmt: skip


@app.command()
def equilibria(
    model: str = typer.Argument(..., help="model id or model file"),
    set_: list[str] = typer.Option(None, "--set", help="parameter value NAME=VALUE (repeatable)"),
) -> None:
    """Print the model's equilibria and their stability (Jacobian eigenvalues)."""
    from rich.console import Console
    from rich.table import Table

    from iosim.analysis import find_equilibria
    from iosim.cli.common import load_model, parse_assignments

    m = load_model(model)
    eqs = find_equilibria(m, params=parse_assignments(set_, "--set"))
    table = Table(*m.state_names, "stability", "eigenvalues", box=None)
    for e in eqs:
        ev = ", ".join(f"{z.real:.4g}{z.imag:+.4g}i" if abs(z.imag) > 0 else f"{z.real:.4g}" for z in e.eigenvalues)
        table.add_row(*(f"{v:.6g}" for v in e.values.values()), e.kind, ev)
    Console().print(table)
