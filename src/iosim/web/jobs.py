"""A bounded background queue for virtual trials: progress, cancel, a run-time cap.

Each job runs :func:`iosim.trials.run_trial` in a worker thread, in a folder the server
creates (``tempfile.mkdtemp``) and names by a server-generated uuid: no user input ever
reaches a file path. The trial reports progress after every chunk of patients; cancelling,
or passing the run-time cap, makes the next progress call raise, which stops the run at
the chunk boundary. Finished jobs are kept (the newest ``keep_finished``) so that their
plots and downloads stay available; older ones are deleted with their folder.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
import time
import uuid
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from iosim.errors import InputError, IosimError

if TYPE_CHECKING:
    import pandas as pd

    from iosim.trials.spec import TrialSpec


class QueueFull(IosimError):
    """Too many trials are queued or running (the web API answers 429)."""


class _Stop(Exception):
    """Raised inside a running trial to stop it at the next chunk."""


@dataclass
class Job:
    id: str
    spec: TrialSpec
    folder: Path
    status: str = "queued"  # queued, running, done, failed, cancelled, timed_out
    done: int = 0
    total: int = 0
    error: str = ""
    created: float = field(default_factory=time.monotonic)
    started: float | None = None
    finished: float | None = None
    cancel_requested: bool = False
    summary: pd.DataFrame | None = None  # when done

    @property
    def active(self) -> bool:
        return self.status in ("queued", "running")

    def public(self) -> dict:
        elapsed = ((self.finished or time.monotonic()) - self.started) if self.started else 0.0
        out = {
            "id": self.id,
            "status": self.status,
            "done": self.done,
            "total": self.total,
            "progress": (self.done / self.total) if self.total else 0.0,
            "elapsed_s": round(elapsed, 2),
            "error": self.error,
            "arms": [a.name for a in self.spec.arms],
            "patients_per_arm": self.spec.patients_per_arm,
        }
        if self.summary is not None:
            import numpy as np

            out["summary"] = self.summary.astype(object).replace({np.nan: None}).to_dict(orient="records")
        return out


class JobQueue:
    """At most ``max_active`` trials queued or running; ``workers`` run at a time."""

    def __init__(self, *, workers: int = 1, max_active: int = 4, timeout_s: float = 300.0, keep_finished: int = 20):
        if workers < 1 or max_active < workers:
            raise InputError(f"job workers must be at least 1 and at most the queued-job cap, got workers={workers}, "
                             f"max_active={max_active}")
        self.timeout_s = float(timeout_s)
        self.max_active = max_active
        self.keep_finished = keep_finished
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="iosim-trial")
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()
        self._root = Path(tempfile.mkdtemp(prefix="iosim-web-"))

    # -- public -------------------------------------------------------------------------
    def submit(self, spec, *, chunk_size: int) -> Job:
        with self._lock:
            if sum(j.active for j in self._jobs.values()) >= self.max_active:
                raise QueueFull(
                    f"the trial queue is full ({self.max_active} trials queued or running); try again later"
                )
            job_id = uuid.uuid4().hex
            folder = self._root / job_id
            job = Job(job_id, spec, folder)
            self._jobs[job_id] = job
            self._evict()
        self._pool.submit(self._run, job, chunk_size)
        return job

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def cancel(self, job_id: str) -> Job | None:
        with self._lock:
            job = self._jobs.get(job_id)
            if job is not None and job.active:
                job.cancel_requested = True
                if job.status == "queued":
                    job.status, job.finished = "cancelled", time.monotonic()
            return job

    def shutdown(self) -> None:
        with self._lock:
            for job in self._jobs.values():
                job.cancel_requested = True
        self._pool.shutdown(wait=True, cancel_futures=True)
        shutil.rmtree(self._root, ignore_errors=True)

    # -- internals ------------------------------------------------------------------------
    def _evict(self) -> None:
        finished = [j for j in self._jobs.values() if not j.active]
        for job in finished[: max(0, len(finished) - self.keep_finished)]:
            del self._jobs[job.id]
            shutil.rmtree(job.folder, ignore_errors=True)

    def _run(self, job: Job, chunk_size: int) -> None:
        from iosim.trials import run_trial

        if job.cancel_requested:
            return
        started = time.monotonic()
        job.status, job.started = "running", started

        def progress(done: int, total: int) -> None:
            job.done, job.total = done, total
            if job.cancel_requested:
                raise _Stop("cancelled")
            if time.monotonic() - started > self.timeout_s:
                raise _Stop("timed_out")

        try:
            run = run_trial(job.spec, job.folder, chunk_size=chunk_size, progress=progress)
            job.summary, job.status = run.summary, "done"
        except _Stop as e:
            job.status = str(e)
            if job.status == "timed_out":
                job.error = f"the trial ran past the {self.timeout_s:g} s limit and was stopped"
        except IosimError as e:
            job.status, job.error = "failed", str(e)
        except Exception as e:  # a bug: report it as data, keep the server alive
            job.status, job.error = "failed", f"internal error: {type(e).__name__}: {e}"
        finally:
            job.finished = time.monotonic()
