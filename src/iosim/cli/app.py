"""The typer application every command module registers on.

Command modules live beside this one (``iosim/cli/<topic>.py``), decorate functions
with ``@app.command()`` and import heavy libraries inside the function bodies, so that
``iosim --help`` stays fast.
"""

from __future__ import annotations

import typer

app = typer.Typer(
    name="iosim",
    help="Simulate the immune system's fight against cancer and immunotherapies.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
