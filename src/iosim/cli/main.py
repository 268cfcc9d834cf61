"""Entry point of the ``iosim`` command: loads every command module, maps errors to exit codes.

User errors (any :class:`iosim.IosimError` except a numerical failure, and bad option
values) print one line and exit with code 2; a numerical failure exits with code 1.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys

import click

from iosim.cli import __path__ as _cli_path
from iosim.cli.app import app

_NOT_COMMANDS = {"app", "main", "common"}


def _load_commands() -> None:
    for info in sorted(pkgutil.iter_modules(_cli_path), key=lambda i: i.name):
        if info.name not in _NOT_COMMANDS and not info.name.startswith("_"):
            importlib.import_module(f"iosim.cli.{info.name}")


def run(argv: list[str] | None = None) -> None:
    from iosim.errors import IosimError, SimulationError

    _load_commands()
    try:
        app(args=argv, standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("iosim: interrupted", err=True)
        sys.exit(130)
    except click.ClickException as e:
        click.echo(f"iosim: {e.format_message()}", err=True)
        sys.exit(2)
    except SimulationError as e:
        click.echo(f"iosim: numerical failure: {e}", err=True)
        sys.exit(1)
    except IosimError as e:
        click.echo(f"iosim: {e}", err=True)
        sys.exit(2)
    except OSError as e:
        click.echo(f"iosim: {e.strerror or e}: {e.filename or ''}".rstrip(": "), err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        click.echo("iosim: interrupted", err=True)
        sys.exit(130)


if __name__ == "__main__":
    run()
