"""A harness that runs an ``iosim`` command in a subprocess and SIGKILLs it at a chosen moment.

A moment is a *trigger* (a function polled every couple of milliseconds that says "now")
plus a delay. Triggers watch the command's files rather than the clock, so a kill lands in
the same phase of the run (store creation, a chunk's write, the final join) on a fast or a
loaded machine; the seeded delays after them spread the kills within that phase.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

POLL_S = 0.002
TIMEOUT_S = 180.0  # one launch; a resumed run that hangs fails the test instead of the session


@dataclass
class Outcome:
    killed: bool
    returncode: int
    seconds: float
    stderr: str


def run_and_kill(args: list[str], trigger: Callable[[], bool] | None, delay: float, log: Path) -> Outcome:
    """Run ``iosim ARGS``; SIGKILL it ``delay`` seconds after ``trigger()`` first says so (never if None)."""
    t0 = time.perf_counter()
    with open(log, "w") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "iosim.cli.main", *args], stdout=subprocess.DEVNULL, stderr=err
        )  # fmt: skip
        fired_at = None
        try:
            while proc.poll() is None:
                now = time.perf_counter()
                if now - t0 > TIMEOUT_S:
                    raise AssertionError(f"iosim {' '.join(args)} ran for more than {TIMEOUT_S} s")
                if fired_at is None and trigger is not None and trigger():
                    fired_at = now
                if fired_at is not None and now - fired_at >= delay:
                    os.kill(proc.pid, signal.SIGKILL)
                    proc.wait()
                    break
                time.sleep(POLL_S)
        finally:
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait()
    killed = proc.returncode == -signal.SIGKILL
    return Outcome(killed, proc.returncode, time.perf_counter() - t0, log.read_text())


# -- triggers ------------------------------------------------------------------------------
def at_once() -> Callable[[], bool]:
    return lambda: True


def exists(*paths: Path) -> Callable[[], bool]:
    """Any of ``paths`` exists."""
    return lambda: any(p.exists() for p in paths)


def _signature(paths: tuple[Path, ...]) -> tuple:
    out = []
    for p in paths:
        try:
            st = p.stat()
            out.append((st.st_size, st.st_mtime_ns))
        except FileNotFoundError:
            out.append(None)
    return tuple(out)


def changes(n: int, *paths: Path) -> Callable[[], bool]:
    """The ``n``-th observed change (size or modification time) of any of ``paths`` since launch."""
    state = {"last": _signature(paths), "seen": 0}

    def fire() -> bool:
        sig = _signature(paths)
        if sig != state["last"]:
            state["last"], state["seen"] = sig, state["seen"] + 1
        return state["seen"] >= n

    return fire


def grows(path: Path) -> Callable[[], bool]:
    """``path`` becomes larger than it was at launch."""
    start = path.stat().st_size if path.exists() else 0
    return lambda: path.exists() and path.stat().st_size > start


def count_at_least(folder: Path, pattern: str, n: int) -> Callable[[], bool]:
    """At least ``n`` more files matching ``pattern`` in ``folder`` than at launch."""
    start = len(list(folder.glob(pattern))) if folder.is_dir() else 0
    return lambda: folder.is_dir() and len(list(folder.glob(pattern))) >= start + n


def any_of(*triggers: Callable[[], bool]) -> Callable[[], bool]:
    return lambda: any(t() for t in triggers)
