"""The contract every fuzzed input must meet, shared by the fuzz tests and the corpus replay.

A call on user input either returns or raises a typed :class:`iosim.errors.IosimError` whose
message is one line; any other exception propagates and fails the test (hypothesis then
prints the input). Every call runs under a wall-clock alarm, so a hang fails instead of
stalling the suite, and :class:`FileGuard` checks that nothing was written outside the
folder a test allows.
"""

from __future__ import annotations

import contextlib
import io
import os
import signal
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from iosim.errors import IosimError

REPO = Path(__file__).resolve().parents[2]

#: Wall-clock bound of one call. Every call here takes at most a few seconds (most a few
#: milliseconds); the bound leaves room for a loaded, shared machine. The hangs this suite
#: found ran for minutes, or until memory ran out.
TIME_LIMIT_S = 15.0

#: Longest error message accepted: a message lists choices at most, it never dumps the input.
MAX_MESSAGE_CHARS = 2_000


class Hang(AssertionError):
    """A call ran past TIME_LIMIT_S."""


@contextlib.contextmanager
def time_limit(seconds: float = TIME_LIMIT_S) -> Iterator[None]:
    """Raise :class:`Hang` in the main thread once ``seconds`` have passed (checked between
    Python bytecodes, so a long C call is reported when it returns)."""

    def on_alarm(signum, frame):
        raise Hang(f"the call ran for more than {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def check_message(text: str) -> None:
    assert text.strip(), "an error must say what is wrong"
    assert "\n" not in text and "\r" not in text, f"error message is not one line: {text!r}"
    assert len(text) <= MAX_MESSAGE_CHARS, f"error message is {len(text)} characters long"
    assert "Traceback" not in text


def outcome(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[Any, IosimError | None]:
    """``(result, None)`` or ``(None, error)`` for a typed error; anything else fails the test."""
    with time_limit():
        try:
            return fn(*args, **kwargs), None
        except IosimError as e:
            check_message(str(e))
            return None, e


def run_cli(argv: list[str], seconds: float = TIME_LIMIT_S) -> tuple[int, str, str]:
    """Run ``iosim ARGV`` in this process: exit code, stdout, stderr."""
    from iosim.cli.main import run

    out, err = io.StringIO(), io.StringIO()
    code = 0
    with time_limit(seconds), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            run(list(argv))
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else (0 if e.code is None else 2)
    return code, out.getvalue(), err.getvalue()


def check_cli(argv: list[str]) -> tuple[int, str, str]:
    """The CLI contract: exit 0, 2 (a user error) or 1 (a numerical failure); an error is one
    line on stderr starting with ``iosim: error:``; never a traceback."""
    code, out, err = run_cli(argv)
    assert "Traceback" not in out + err, err
    assert code in (0, 1, 2), f"exit code {code}: {err}"
    if code:
        lines = err.strip().splitlines()
        assert len(lines) == 1, f"error output is not one line: {err!r}"
        assert lines[0].startswith("iosim: error: "), lines[0]
        check_message(lines[0])
    return code, out, err


def _listing(root: Path, recursive: bool) -> set[str]:
    if not root.is_dir():
        return set()
    if not recursive:
        return set(os.listdir(root))
    return {str(Path(d, f).relative_to(root)) for d, _, files in os.walk(root) for f in files}


class FileGuard:
    """Snapshot of the places a run must not write to: the work folder outside ``allowed``,
    the repository's top level and its ``out`` folder (where trials write by default).

    Only the top level of the repository is compared: other people may edit files deeper
    in the tree while the tests run."""

    def __init__(self, work: Path, allowed: tuple[str, ...] = ("in", "out")):
        self.work, self.allowed = work, allowed
        self.before = self._state()

    def _state(self) -> tuple[set[str], set[str], set[str]]:
        work = {p for p in _listing(self.work, True) if Path(p).parts[0] not in self.allowed}
        return work, _listing(REPO, False), _listing(REPO / "out", True)

    def check(self) -> None:
        after = self._state()
        for label, b, a in zip(("work folder", "repository", "repository out/"), self.before, after):
            assert a <= b, f"files appeared in the {label}: {sorted(a - b)[:5]}"
