"""Entry point of the ``iosim`` command: loads every command module, maps errors to exit codes.

User errors (any :class:`iosim.IosimError` except a numerical failure, and bad option
values) print one line and exit with code 2; a numerical failure exits with code 1.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys

from iosim.cli import __path__ as _cli_path
from iosim.cli.app import app

_NOT_COMMANDS = {"app", "main", "common"}


def _load_commands() -> None:
    for info in sorted(pkgutil.iter_modules(_cli_path), key=lambda i: i.name):
        if info.name not in _NOT_COMMANDS and not info.name.startswith("_"):
            importlib.import_module(f"iosim.cli.{info.name}")


def run(argv: list[str] | None = None) -> None:
    """Run the CLI. Typer handles usage errors (exit 2) and ``--help``; iosim's own errors
    are caught here and printed as one line."""
    from iosim.errors import IosimError, SimulationError

    _load_commands()
    try:
        app(args=argv)
    except SimulationError as e:
        _fail(f"numerical failure: {e}", 1)
    except IosimError as e:
        _fail(str(e), 2)
    except OSError as e:
        _fail(f"{e.strerror or e}: {e.filename or ''}".rstrip(": "), 2)
    except KeyboardInterrupt:
        _fail("interrupted", 130)


def _fail(message: str, code: int) -> None:
    print(f"iosim: error: {message}", file=sys.stderr)
    sys.exit(code)


if __name__ == "__main__":
    run()
