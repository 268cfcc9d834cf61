"""``iosim sbml-suite`` and ``iosim export``: SBML conformance and model export."""

from __future__ import annotations

from pathlib import Path

import typer

from iosim.cli.app import app


@app.command("sbml-suite")
def sbml_suite(
    directory: Path = typer.Argument(..., help="SBML Test Suite folder (or its 'semantic' folder)."),
    cases: str = typer.Option("", "--cases", help="Case numbers, e.g. 1-100,200 (default: all)."),
    show_failures: int = typer.Option(20, "--show-failures", help="How many failing cases to list."),
    all_time_courses: bool = typer.Option(
        False, "--all-time-courses", help="Also run cases with events, delays, packages (mostly unsupported)."
    ),
) -> None:
    """Run the pure-ODE cases of the SBML Test Suite; print passes and failures by tag."""
    from rich.console import Console
    from rich.table import Table

    from iosim.errors import InputError
    from iosim.sbml.suite import parse_cases, run_suite

    if not directory.is_dir():
        raise InputError(f"{directory} is not a folder")
    from iosim.cli._progress import progress_bar

    with progress_bar("SBML Test Suite: cases run") as progress:
        done: list = []

        def case_done(result) -> None:
            done.append(result)
            progress(len(done), None)

        report = run_suite(directory, parse_cases(cases), pure_ode=not all_time_courses, progress=case_done)
    console = Console()
    table = Table(title=f"SBML Test Suite: {report.passed}/{len(report.results)} cases pass")
    table.add_column("tag")
    table.add_column("pass", justify="right")
    table.add_column("fail", justify="right")
    for tag, (ok, bad) in report.by_tag().items():
        table.add_row(tag, str(ok), str(bad))
    console.print(table)
    for r in report.failed[:show_failures]:
        console.print(f"{r.case} {r.status}: {r.message}", markup=False)
    if report.failed:
        raise typer.Exit(1)


@app.command("export")
def export(
    model: str = typer.Argument(..., help="Model id (see 'iosim models') or model file (.xml, .sbml, .ant)."),
    format: str = typer.Option("sbml", "--format", help="Export format (sbml)."),
    out: Path = typer.Option(None, "--out", help="File to write (default: print)."),
    dose: list[str] = typer.Option([], "--dose", help="Dose as STATE:AMOUNT@TIME[,every=..,count=..]; repeatable."),
) -> None:
    """Export a model (and doses, as SBML events) to SBML Level 3 Version 2.

    A model file's own doses (SBML events) are exported with it, beside the --dose ones; an Antimony
    file comes out as SBML."""
    from iosim.dosing import combine, parse_dose
    from iosim.errors import InputError
    from iosim.models import load
    from iosim.sbml import write_sbml

    if format.lower() != "sbml":
        raise InputError(f"unknown export format {format!r}; choose sbml")
    m, carried = load(model)
    regimen = carried + combine(parse_dose(d) for d in dose)
    text = write_sbml(m, out, regimen=regimen if len(regimen) else None)
    if out is None:
        typer.echo(text)
    else:
        typer.echo(f"wrote {out}")
