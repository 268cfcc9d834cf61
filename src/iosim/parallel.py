"""Where units of work run: in this process, in threads, in local processes, or on Dask.

A :class:`Backend` names the place; :func:`run_tasks` runs a function over an iterable
of argument tuples there and yields the results, either in the order given (cohort
output streamed to Parquet) or as they complete (trial chunks, each written to the store
on its own). At most ``width`` tasks are in flight, so a lazily built iterable of tasks
keeps memory bounded whatever the number of patients.

Dask: ``cluster="local"`` starts a ``LocalCluster`` of ``workers`` processes bound to
127.0.0.1 with no dashboard; ``scheduler="tcp://HOST:PORT"`` connects to a running one.
Tasks are submitted impure with retries, and the scheduler re-runs the task of a worker
that dies, so a lost worker loses no chunk. The function and its arguments travel by
pickle; workers need the same iosim version.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import numbers
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, ProcessPoolExecutor, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any

from iosim.errors import InputError

#: Times Dask re-runs a task that raised (a worker that dies is handled by the scheduler).
DASK_RETRIES = 2
#: Seconds to wait for a Dask scheduler before giving up.
CONNECT_TIMEOUT_S = 10.0
_SCHEMES = ("tcp://", "tls://")
#: Set to 1 in the environment of the worker processes iosim starts (unless the user set them): each worker
#: runs one task at a time on its own core, and BLAS threads only contend for the cores the other workers use
#: (one trial task took ~4.5% less CPU with OPENBLAS_NUM_THREADS=1; docs/performance.md, 6 Dec).
WORKER_THREAD_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


@dataclass(frozen=True)
class Backend:
    """Where to run: ``workers`` local processes, ``threads`` in this process, or Dask.

    With ``cluster="local"`` the ``workers`` are Dask worker processes; with ``scheduler``
    the cluster's own workers are used and ``workers`` only sets how many tasks are kept in
    flight per worker-equivalent.
    """

    workers: int = 1
    threads: int = 1
    cluster: str | None = None
    scheduler: str | None = None

    def __post_init__(self) -> None:
        for label, v in (("workers", self.workers), ("threads", self.threads)):
            if not isinstance(v, numbers.Integral) or isinstance(v, bool) or v < 1:
                raise InputError(f"{label} must be a whole number of at least 1, got {v!r}")
        if self.cluster is not None and self.cluster != "local":
            raise InputError(f"cluster {self.cluster!r}: the only cluster iosim starts itself is 'local'")
        if self.scheduler is not None and not self.scheduler.startswith(_SCHEMES):
            raise InputError(f"scheduler {self.scheduler!r}: give an address such as tcp://127.0.0.1:8786")
        if self.cluster and self.scheduler:
            raise InputError("give either a cluster to start (--cluster local) or a scheduler to use, not both")

    @property
    def dask(self) -> bool:
        return self.cluster is not None or self.scheduler is not None

    @property
    def width(self) -> int:
        """Tasks kept in flight: enough to keep every worker busy, few enough to bound memory."""
        return 2 * max(self.workers, self.threads)

    @property
    def serial(self) -> bool:
        return not self.dask and self.workers == 1 and self.threads == 1


SERIAL = Backend()


class _DaskPool:
    """The part of a ``concurrent.futures.Executor`` that :func:`run_tasks` uses, on Dask."""

    def __init__(self, client: Any, cluster: Any = None):
        self.client, self.cluster = client, cluster

    def submit(self, fn: Callable, *args: Any):
        return self.client.submit(fn, *args, pure=False, retries=DASK_RETRIES)

    @staticmethod
    def wait_first(pending: set) -> tuple[set, set]:
        from distributed import wait as dask_wait

        done, rest = dask_wait(pending, return_when="FIRST_COMPLETED")
        return set(done), set(rest)

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def _dask_pool(backend: Backend) -> _DaskPool:
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise InputError("the Dask backend needs dask.distributed: pip install 'iosim[cluster]'") from None
    if backend.cluster == "local":
        cluster = LocalCluster(
            n_workers=backend.workers, threads_per_worker=1, processes=True, host="127.0.0.1",
            dashboard_address=None, silence_logs=40,
        )  # fmt: skip
        return _DaskPool(Client(cluster), cluster)
    try:
        client = Client(backend.scheduler, timeout=CONNECT_TIMEOUT_S)
    except (OSError, TimeoutError) as e:
        raise InputError(f"cannot reach the Dask scheduler at {backend.scheduler}: {e}") from None
    return _DaskPool(client)


@contextlib.contextmanager
def _single_threaded_children() -> Iterator[None]:
    """While open, processes started from here inherit one BLAS/OpenMP thread each (the user's own setting
    of a variable wins); this process's environment is restored on exit."""
    saved = {name: os.environ.get(name) for name in WORKER_THREAD_VARS}
    for name in WORKER_THREAD_VARS:
        os.environ.setdefault(name, "1")
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextlib.contextmanager
def _pool(backend: Backend) -> Iterator[Any]:
    if backend.workers > 1 or backend.cluster == "local":
        # Workers are spawned (here, or by Dask's nannies) while the pool is in use.
        with _single_threaded_children(), _open_pool(backend) as pool:
            yield pool
        return
    with _open_pool(backend) as pool:
        yield pool


@contextlib.contextmanager
def _open_pool(backend: Backend) -> Iterator[Any]:
    if backend.dask:
        pool = _dask_pool(backend)
        try:
            yield pool
        finally:
            pool.close()
        return
    executor: Executor
    if backend.workers > 1:
        # Spawned workers re-import the caller's main module: scripts need `if __name__ == "__main__":`.
        executor = ProcessPoolExecutor(backend.workers, mp_context=multiprocessing.get_context("spawn"))
    else:
        executor = ThreadPoolExecutor(backend.threads)
    with executor:
        yield executor


def _wait_first(pool: Any, pending: set) -> tuple[set, set]:
    if isinstance(pool, _DaskPool):
        return pool.wait_first(pending)
    done, rest = wait(pending, return_when=FIRST_COMPLETED)
    return set(done), set(rest)


def run_tasks(
    fn: Callable[..., Any], tasks: Iterable[tuple], backend: Backend = SERIAL, *, ordered: bool = True
) -> Iterator[tuple[int, Any]]:
    """Yield ``(index, fn(*task))`` for every task, in order or as completed.

    ``tasks`` may be a generator; at most ``backend.width`` tasks are in flight.
    """
    if backend.serial:
        for i, args in enumerate(tasks):
            yield i, fn(*args)
        return
    with _pool(backend) as pool:
        source = enumerate(tasks)
        index: dict[Any, int] = {}
        pending: set = set()
        ready: dict[int, Any] = {}
        next_out = 0

        def refill() -> None:
            # Finished results waiting for an earlier one count too: memory stays bounded.
            while len(pending) + len(ready) < backend.width:
                try:
                    i, args = next(source)
                except StopIteration:
                    return
                fut = pool.submit(fn, *args)
                index[fut] = i
                pending.add(fut)

        refill()
        while pending:
            done, pending = _wait_first(pool, pending)
            for fut in done:
                ready[index.pop(fut)] = fut.result()
            if ordered:
                while next_out in ready:
                    yield next_out, ready.pop(next_out)
                    next_out += 1
            else:
                for i in sorted(ready):
                    yield i, ready.pop(i)
            refill()
