"""The typer application every command module registers on.

Command modules live beside this one (``iosim/cli/<topic>.py``), decorate functions
with ``@app.command()`` and import heavy libraries inside the function bodies, so that
``iosim --help`` stays fast.
"""

from __future__ import annotations

import typer
import typer.core

from iosim.cli._plain_values import PlainValuesGroup

app = typer.Typer(
    name="iosim",
    cls=PlainValuesGroup,  # its --help option skips pydantic (start-up, cli/_plain_values.py)
    help="Simulate the immune system's fight against cancer and immunotherapies.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _flags_take_no_value() -> None:
    """Typer's rich help writes ``<bool>`` beside on/off flags (``--resume <bool>``), which reads as
    if the flag took a value; click refuses ``--resume true``. Show no type for flags."""
    option = typer.core.TyperOption
    shown = getattr(option, "display_type_rich", None)
    if shown is None or getattr(shown, "_iosim_flags", False):
        return

    def display_type_rich(self, ctx):
        if getattr(self, "is_flag", False) and not getattr(self, "count", False):
            return None
        return shown(self, ctx)

    display_type_rich._iosim_flags = True  # type: ignore[attr-defined]
    option.display_type_rich = display_type_rich  # type: ignore[method-assign]  # replacing typer's method on purpose


_flags_take_no_value()


@app.callback()
def _group() -> None:
    """Keeps ``iosim`` a group of commands when only the one asked for is loaded (cli/main.py): with a
    single command and no callback, typer would make that command the whole program."""
