"""The FastAPI application behind ``iosim serve``.

    from iosim.web import create_app
    app = create_app(max_patients=400, job_workers=1)

State lives on ``app.state``: the settings (caps), the trial job queue, the slots for single
simulations, and the therapy x cancer matrix, computed once in a background thread the first
time a page or the API asks. The caps themselves are in ``limits.py``.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles

from iosim.cancer_trials import PATIENTS
from iosim.errors import InputError, IosimError, SimulationError, UnknownNameError

#: The package's own files (static/), read as package data: an installed wheel has them beside the code.
HERE = Path(str(resources.files("iosim.web")))
#: Host names the app always answers to (the Host header of a request to this machine).
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")


@dataclass(frozen=True)
class Settings:
    max_patients: int = 400
    job_workers: int = 1
    max_jobs: int = 4
    run_timeout_s: float = 30.0
    trial_timeout_s: float = 300.0
    chunk_size: int = 25
    max_memory_mb: float = 512.0
    max_body_kb: float = 64.0
    max_runs: int = 2
    max_doses: int = 2000
    matrix_cancers: tuple[str, ...] | None = None
    matrix_therapies: tuple[str, ...] | None = None
    allowed_hosts: tuple[str, ...] = LOOPBACK_HOSTS
    matrix_patients: int = PATIENTS  # the landscape's


class MatrixCache:
    """The response matrix, computed at most once, in a background thread, on first request: the
    landscape's trials (:mod:`iosim.cancer_trials`) with ``patients`` per cell, so that a drug's
    column shows ``iosim landscape``'s ORRs at the same number of patients."""

    def __init__(self, cancers: Sequence[str] | None, therapies: Sequence[str] | None, patients: int = PATIENTS):
        self.cancers, self.therapies, self.patients = cancers, therapies, patients
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._df = None
        self._error = ""

    def _compute(self) -> None:
        from iosim.matrix import response_matrix

        try:
            self._df = response_matrix(self.cancers, self.therapies, patients=self.patients)
        except Exception as e:  # reported on the page, never kills the server
            self._error = f"{type(e).__name__}: {e}"

    def get(self):
        """(status, dataframe or None, error) with status ``computing``, ``ready`` or ``failed``."""
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._compute, name="iosim-matrix", daemon=True)
                self._thread.start()
        if self._df is not None:
            return "ready", self._df, ""
        if self._error:
            return "failed", None, self._error
        return "computing", None, ""

    def wait(self, timeout: float | None = None):
        self.get()  # starts the thread
        if self._thread is not None:
            self._thread.join(timeout)
        return self.get()


def create_app(
    *,
    max_patients: int = 400,
    job_workers: int = 1,
    max_jobs: int = 4,
    run_timeout_s: float = 30.0,
    trial_timeout_s: float = 300.0,
    chunk_size: int = 25,
    max_memory_mb: float = 512.0,
    max_body_kb: float = 64.0,
    max_runs: int = 2,
    max_doses: int = 2000,
    matrix_cancers: Sequence[str] | None = None,
    matrix_therapies: Sequence[str] | None = None,
    allowed_hosts: Sequence[str] = (),
    matrix_patients: int = PATIENTS,
) -> FastAPI:
    """The web app. Caps: ``max_patients`` per trial (all arms), ``max_memory_mb`` of estimated
    working memory per trial, ``max_jobs`` trials queued or running (429 beyond), ``trial_timeout_s``
    per trial, ``run_timeout_s`` per single simulation (503 beyond), ``max_runs`` single simulations
    at once, ``max_doses`` per simulation or trial arm, ``max_body_kb`` per request body (413
    beyond). Requests must name one of ``LOOPBACK_HOSTS`` or ``allowed_hosts`` in their Host header
    (421 otherwise). ``docs/security.md`` explains each. The matrix simulates ``matrix_patients`` per
    cell (default: the landscape's 500, so its ORRs are the landscape's)."""
    from iosim.web import api, pages
    from iosim.web.jobs import JobQueue
    from iosim.web.limits import BodyLimit, HostCheck, RunSlots

    for name, value in (("max_patients", max_patients), ("max_memory_mb", max_memory_mb),
                        ("max_body_kb", max_body_kb), ("max_runs", max_runs), ("max_doses", max_doses),
                        ("run_timeout_s", run_timeout_s), ("trial_timeout_s", trial_timeout_s),
                        ("chunk_size", chunk_size), ("matrix_patients", matrix_patients)):  # fmt: skip
        if not value > 0:
            raise InputError(f"{name} must be positive, got {value}")
    settings = Settings(
        max_patients, job_workers, max_jobs, run_timeout_s, trial_timeout_s, chunk_size, float(max_memory_mb),
        float(max_body_kb), max_runs, max_doses,
        tuple(matrix_cancers) if matrix_cancers else None, tuple(matrix_therapies) if matrix_therapies else None,
        tuple(dict.fromkeys((*LOOPBACK_HOSTS, *allowed_hosts))), int(matrix_patients),
    )  # fmt: skip

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        yield
        app.state.jobs.shutdown()

    app = FastAPI(
        title="iosim",
        version=_version(),
        description="Simulate the immune system's fight against cancer and immunotherapies: one patient, "
        "the therapy x cancer matrix, and small virtual trials as background jobs.",
        lifespan=lifespan,
        # Swagger UI and ReDoc load their scripts from a CDN: /docs is the app's own page instead.
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.jobs = JobQueue(workers=job_workers, max_active=max_jobs, timeout_s=trial_timeout_s)
    app.state.matrix = MatrixCache(settings.matrix_cancers, settings.matrix_therapies, settings.matrix_patients)
    app.state.runs = RunSlots(max_runs)
    app.add_middleware(BodyLimit, max_bytes=int(max_body_kb * 1024))
    app.add_middleware(HostCheck, hosts=settings.allowed_hosts)  # added last: runs first

    @app.exception_handler(IosimError)
    async def _iosim_error(request: Request, exc: IosimError) -> JSONResponse:
        if isinstance(exc, SimulationError):
            return JSONResponse({"detail": _one_line(f"numerical failure: {exc}")}, status_code=422)
        code = 404 if isinstance(exc, UnknownNameError) and request.method == "GET" else 422
        return JSONResponse({"detail": _one_line(str(exc))}, status_code=code)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0]
        if first["type"] == "json_invalid":
            detail = f"the request body is not valid JSON (at character {first['loc'][-1]})"
            return JSONResponse({"detail": detail, "errors": _plain(exc.errors())}, status_code=422)
        where = ".".join(_short(p) for p in first["loc"] if p != "body")
        msg = _short(first["msg"].removeprefix("Value error, "), 300)
        if first["type"] == "extra_forbidden":
            msg = "unknown field: remove it or check its spelling"
        detail = f"field '{where}': {msg}" if where else f"the request body: {msg}"
        return JSONResponse({"detail": detail, "errors": _plain(exc.errors())}, status_code=422)

    app.include_router(api.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    return app


def _one_line(message: str, limit: int = 2000) -> str:
    """iosim's messages are one line already; this keeps it so whatever the input (and bounded:
    the longest, an unknown name with every choice listed, is about 1.5 kB)."""
    if "\n" in message or "\r" in message:
        message = " ".join(message.split())
    return message if len(message) <= limit else message[: limit - 1] + "…"


def _short(part, limit: int = 60) -> str:
    """A field name or message as one short line: control characters escaped, long ones cut."""
    text = str(part)
    text = text if text.isprintable() else repr(text)[1:-1]
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _plain(errors) -> list[dict]:
    """Validation errors without the offending input (which may be huge), at most 10 of them."""
    return [{"loc": [_short(p) for p in e["loc"]], "msg": _short(e["msg"], 300), "type": e["type"]}
            for e in errors[:10]]  # fmt: skip


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("iosim")
    except PackageNotFoundError:
        return "dev"
