"""``iosim data`` (list the shipped data sets) and ``iosim data show NAME`` (their source)."""

from __future__ import annotations

import typer

from iosim.cli.app import app

data_app = typer.Typer(
    help="Real tumour data shipped with iosim: list them, or show one's source and licence.",
    invoke_without_command=True,
)
app.add_typer(data_app, name="data")


@data_app.callback()
def data(ctx: typer.Context) -> None:
    """List the shipped data sets (name, rows, licence, source); `iosim data show NAME` for one."""
    if ctx.invoked_subcommand is not None:
        return
    from rich.console import Console
    from rich.table import Table

    from iosim.data import datasets

    table = Table("name", "rows", "licence", "source", box=None)
    for ds in datasets():
        table.add_row(ds.name, str(ds.rows), ds.licence, ds.citation)
    Console().print(table)


@data_app.command()
def show(name: str = typer.Argument(..., help="data set name, as listed by `iosim data`")) -> None:
    """Print a data set's origin, citation, licence and columns."""
    from iosim.data import source_text

    print(source_text(name), end="")
