"""One progress bar for every long command, on stderr, in the style of ``iosim trial``.

The library reports progress through an optional ``progress(done, total)`` callback; the CLI
renders it here. The bar is transient: it disappears when the command ends (or fails), so
what stays on the terminal is the result or the one-line error. Without a terminal on stderr
(a log file, a pipe) there is no bar.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

Progress = Callable[[int, int | None], None]  # total None: not known yet


@contextmanager
def progress_bar(description: str) -> Iterator[Progress]:
    """Yield ``progress(done, total)``: a rich bar on stderr with counts, elapsed and remaining time."""
    if not _may_be_terminal():  # a log or a pipe: no bar, and rich (~0.05 s to import) is not needed
        yield lambda done, total: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, TimeElapsedColumn, TimeRemainingColumn
    from rich.progress import Progress as Bar

    console = Console(stderr=True)
    if not console.is_terminal:  # a log or a pipe: no bar, and nothing (not even a blank line) before an error
        yield lambda done, total: None
        return
    with Bar(
        "[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        TimeRemainingColumn(), console=console, transient=True,
    ) as bar:  # fmt: skip
        task = bar.add_task(description, total=None)

        def progress(done: int, total: int | None) -> None:
            bar.update(task, completed=done, total=total)

        yield progress


def _may_be_terminal() -> bool:
    """False where rich would not call stderr a terminal either: not a tty and no variable saying to treat
    it as one (``TTY_COMPATIBLE``, ``FORCE_COLOR``, which rich reads). Otherwise rich decides."""
    if os.environ.get("TTY_COMPATIBLE") or os.environ.get("FORCE_COLOR") is not None:
        return True
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):  # no stderr, or a closed one
        return False


def offset(progress: Progress, before: int, total: int) -> Progress:
    """A callback for one part of a larger job: ``done`` of the part counts after ``before`` of ``total``."""
    return lambda done, _part: progress(before + done, total)
