"""Entry point of the ``iosim`` command: loads the command modules, maps errors to exit codes.

A command whose module bears its name loads only that module (start-up, docs/performance.md);
help, a misspelt command and the other commands load them all.

User errors (any :class:`iosim.IosimError` except a numerical failure, and bad option
values, unknown commands and missing arguments) print one line and exit with code 2; a
numerical failure exits with code 1.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
import warnings

from iosim.cli import __path__ as _cli_path
from iosim.cli.app import app

_NOT_COMMANDS = {"app", "main", "common"}
#: Longest error line printed (the longest real message, an unknown name with every choice, is ~1.5 kB).
_MAX_MESSAGE = 2000


def _load_commands(asked: str | None = None) -> None:
    """Register the commands: only the one ``asked`` for where its module bears its name (``iosim cohort``
    loads ``cli/cohort.py``, not the other nineteen), else all of them (help, a typo, ``iosim show``)."""
    names = sorted(i.name for i in pkgutil.iter_modules(_cli_path))
    module = (asked or "").replace("-", "_")
    if module in names and module not in _NOT_COMMANDS and not module.startswith("_"):
        importlib.import_module(f"iosim.cli.{module}")
        if any(_command_name(c) == asked for c in app.registered_commands) or any(
            g.name == asked for g in app.registered_groups
        ):
            return
    for name in names:
        if name not in _NOT_COMMANDS and not name.startswith("_"):
            importlib.import_module(f"iosim.cli.{name}")


def _command_name(command) -> str:
    return command.name or command.callback.__name__.replace("_", "-")


def run(argv: list[str] | None = None) -> None:
    """Run the CLI. Typer handles ``--help``; usage errors and iosim's own errors are caught
    here and printed as one line."""
    import typer

    from iosim.errors import IosimError, SimulationError

    # Click's exception classes, from click itself or from the copy that newer typer vendors.
    click_errors = sys.modules[typer.BadParameter.__module__]
    no_args = getattr(click_errors, "NoArgsIsHelpError", ())
    aborted = (typer.Abort, getattr(click_errors, "Abort", typer.Abort))
    args = sys.argv[1:] if argv is None else argv
    _load_commands(args[0] if args else None)
    try:
        with warnings.catch_warnings():
            # numpy's overflow warnings would add lines to a one-line error; a failed run says so itself
            warnings.simplefilter("ignore", RuntimeWarning)
            code = app(args=argv, prog_name="iosim", standalone_mode=False)
    except no_args as e:  # bare `iosim`: the help (typer's rich help is already printed)
        if e.format_message().strip():
            e.show()
        sys.exit(e.exit_code)
    except click_errors.UsageError as e:  # unknown command or option, missing or malformed value
        where = f" (see `{e.ctx.command_path} --help`)" if e.ctx is not None else ""
        _fail(" ".join(e.format_message().split()) + where, e.exit_code)
    except click_errors.ClickException as e:
        _fail(" ".join(e.format_message().split()), e.exit_code)
    except aborted:
        _fail("interrupted", 130)
    except SimulationError as e:
        _fail(f"numerical failure: {e}", 1)
    except IosimError as e:
        _fail(str(e), 2)
    except OSError as e:
        _fail(f"{e.strerror or e}: {e.filename or ''}".rstrip(": "), 2)
    except KeyboardInterrupt:
        _fail("interrupted", 130)
    if isinstance(code, int) and code:  # a command's typer.Exit(code)
        sys.exit(code)


def _fail(message: str, code: int) -> None:
    message = " ".join(message.split())  # one line, whatever the message holds
    if len(message) > _MAX_MESSAGE:  # and bounded, whatever input a message quotes
        message = message[: _MAX_MESSAGE - 1] + "…"
    print(f"iosim: error: {message}", file=sys.stderr)
    sys.exit(code)


if __name__ == "__main__":
    run()
