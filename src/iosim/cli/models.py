"""``iosim models`` and ``iosim show``."""

from __future__ import annotations

import typer

from iosim.cli.app import app


@app.command()
def models() -> None:
    """List the models in the library with one-line descriptions."""
    from rich.console import Console
    from rich.table import Table

    from iosim.models import get_model, model_ids

    table = Table("id", "model", "reference", box=None)
    for model_id in model_ids():
        m = get_model(model_id)
        table.add_row(model_id, m.title, m.reference.citation.split(".")[0])
    Console().print(table)


@app.command()
def show(model: str = typer.Argument(..., help="model id or model file")) -> None:
    """Print a model's equations and its parameter table with units and sources."""
    from rich.console import Console
    from rich.table import Table

    from iosim.cli.common import load_model
    from iosim.model.describe import equation_lines, parameter_rows

    m = load_model(model)
    console = Console()
    console.print(f"[bold]{m.id}[/bold] — {m.title}\n{m.reference}\n")
    states = Table("state", "unit", "description", "initial", title="States", box=None)
    for s in m.states:
        states.add_row(s.name, s.unit, s.description, f"{s.initial:g}")
    console.print(states)
    console.print("\n[bold]Equations[/bold]")
    for line in equation_lines(m):
        console.print("  " + line, highlight=False)
    params = Table("name", "value", "unit", "description", "source", title="\nParameters", box=None)
    for row in parameter_rows(m):
        params.add_row(*row)
    console.print(params)
    if m.notes:
        console.print("\n[bold]Decisions and corrections[/bold]")
        for n in m.notes:
            console.print("  - " + n, highlight=False)
