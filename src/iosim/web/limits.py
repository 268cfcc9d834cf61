"""The web app's resource caps: request body size, single simulations at once, trial memory.

* :class:`BodyLimit` reads at most ``max_bytes`` of a request body before the app sees it
  (413 beyond), whether the client sends ``Content-Length`` or a chunked body, and refuses a
  POST that does not say it is JSON (415: the guard against cross-site forms) or whose body
  JSON cannot decode at all (not UTF-8, nested too deeply, a 5,000-digit number: 422).
* :class:`RunSlots` runs single simulations in daemon threads, at most ``n`` at a time,
  counting the ones that passed the run-time cap and still run (a thread cannot be killed);
  a request waits for a slot within its run-time cap, then gets 503.
* :class:`HostCheck` answers only to loopback host names and those given to ``iosim serve``
  (421 otherwise): the guard against DNS rebinding.
* :func:`trial_memory_mb` estimates a trial's working memory before it is queued, so that
  the API refuses a trial that would not fit (``--max-memory-mb``) instead of running it.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable

from fastapi import HTTPException

from iosim.errors import InputError

MIB = 2**20


# -- request bodies ------------------------------------------------------------------------
#: Methods whose requests must say their body is JSON.
_WRITES = {"POST", "PUT", "PATCH", "DELETE"}


def _is_json(content_type: bytes | None) -> bool:
    kind = (content_type or b"").split(b";")[0].strip().lower()
    return kind == b"application/json" or (kind.startswith(b"application/") and kind.endswith(b"+json"))


class BodyLimit:
    """ASGI middleware: a request body larger than ``max_bytes`` is answered 413, unread; a POST
    without ``Content-Type: application/json`` is answered 415.

    The second rule is the guard against cross-site requests: a page elsewhere can make the
    browser send a form or a body without a content type (no CORS pre-flight), but not one that
    says it is JSON. FastAPI's own ``strict_content_type`` does part of this in recent versions."""

    def __init__(self, app, max_bytes: int):
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = dict(scope.get("headers") or ())
        if scope["method"] in _WRITES and not _is_json(headers.get(b"content-type")):
            return await _answer(send, 415, "send the request as JSON, with the header Content-Type: application/json")
        length = headers.get(b"content-length")
        if length is not None and not length.isdigit():
            return await _answer(send, 400, "the Content-Length header is not a whole number")
        if length is not None and int(length) > self.max_bytes:
            return await self._too_large(send)
        # Read the whole body here (at most max_bytes of it) and hand it on in one piece:
        # a chunked body has no length to check up front.
        chunks, size, more = [], 0, True
        while more:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > self.max_bytes:
                return await self._too_large(send)
            more = message.get("more_body", False)
        body, replayed = b"".join(chunks), False
        problem = _json_problem(body) if scope["method"] in _WRITES else None
        if problem:
            return await _answer(send, 422, problem)

        async def replay():
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _too_large(self, send) -> None:
        kb = self.max_bytes / 1024
        await _answer(send, 413, f"request body larger than {kb:g} KiB, this server's limit (--max-body-kb)")


def _json_problem(body: bytes) -> str | None:
    """What the JSON decoder cannot take, beyond a syntax error (which the app reports itself, with
    its position): FastAPI answers these with a generic 400 "There was an error parsing the body"."""
    if not body:
        return None
    try:
        json.loads(body)
    except json.JSONDecodeError:
        return None  # the app's own handler names the character
    except UnicodeDecodeError as e:
        return f"the request body is not UTF-8 text (byte {e.start}); send JSON encoded as UTF-8"
    except RecursionError:
        return "the request body nests lists or objects too deeply; send a flat JSON object"
    except ValueError as e:  # Python refuses integers of more than 4,300 digits
        first = (str(e).splitlines() or [""])[0][:120]
        return f"the request body holds a number the server cannot read ({first}); send ordinary numbers"
    return None


class HostCheck:
    """ASGI middleware: a request whose ``Host`` header is not one of ``hosts`` is answered 421.

    The guard against DNS rebinding: a web page elsewhere can make its own host name resolve
    to 127.0.0.1 and then drive this server from the user's browser, but the browser still
    sends that page's host name in ``Host``."""

    def __init__(self, app, hosts):
        self.app = app
        self.hosts = frozenset(h.lower().strip("[]") for h in hosts)

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        raw = dict(scope.get("headers") or ()).get(b"host", b"").decode("latin-1")
        if _host_name(raw) not in self.hosts:
            shown = raw if raw.isprintable() and len(raw) <= 100 else "that host"
            return await _answer(
                send, 421, f"this server answers only to {', '.join(sorted(self.hosts))}, not to {shown!r} "
                "(iosim serve --allow-host NAME adds a name)",
            )  # fmt: skip
        await self.app(scope, receive, send)


def _host_name(header: str) -> str:
    """``localhost:8000`` -> ``localhost``; ``[::1]:8000`` -> ``::1``."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1:].partition("]")[0]
    return header.rpartition(":")[0] if header.count(":") == 1 else header


async def _answer(send, status: int, detail: str) -> None:
    """A JSON error answered before the app runs; the connection closes (the body is left unread)."""
    payload = json.dumps({"detail": detail}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode()),
               (b"connection", b"close")]  # fmt: skip
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})


# -- single simulations --------------------------------------------------------------------
class RunSlots:
    """At most ``n`` single simulations in threads at once, timed-out ones included."""

    def __init__(self, n: int):
        if n < 1:
            raise InputError(f"max_runs must be at least 1 (simulations at once), got {n}")
        self.n = n
        self._sem = threading.BoundedSemaphore(n)

    async def run(self, fn: Callable, *args, timeout_s: float):
        """``fn(*args)`` in a daemon thread; 503 when no slot frees up or it runs past ``timeout_s``.

        Daemon threads, unlike ``asyncio.to_thread``'s pool, do not keep the server from
        stopping while a runaway simulation still runs."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while not self._sem.acquire(blocking=False):
            if loop.time() >= deadline:
                raise HTTPException(
                    503, f"busy: {self.n} simulations are running (--max-runs); none finished within "
                    f"the {timeout_s:g} s limit, try again later",
                )  # fmt: skip
            await asyncio.sleep(0.02)
        future = loop.create_future()

        def settle(result, error) -> None:
            if not future.done():
                future.set_exception(error) if error is not None else future.set_result(result)

        def work() -> None:
            try:
                result, error = fn(*args), None
            except BaseException as e:  # handed to the request, which formats it
                result, error = None, e
            finally:
                self._sem.release()
            try:
                loop.call_soon_threadsafe(settle, result, error)
            except RuntimeError:  # the event loop is gone (server stopped): nobody waits
                pass

        threading.Thread(target=work, name="iosim-run", daemon=True).start()
        try:
            return await asyncio.wait_for(future, timeout=max(deadline - loop.time(), 0.0))
        except TimeoutError:
            raise HTTPException(503, f"the simulation ran past the {timeout_s:g} s limit") from None


# -- trial memory --------------------------------------------------------------------------
#: Doubles per (patient, output time) that a chunk holds at once beyond the model's states,
#: parameters and outputs (iosim.trials.runner.simulate_chunk: the result's states and their
#: transposed copy, every parameter repeated for every output time, the outputs, the times).
CHUNK_EXTRA_DOUBLES = 4
#: Bytes per patient after the run: outcome rows in pandas for the summary, the Kaplan-Meier
#: fits, the plots' waterfall. Measured with tracemalloc on 60-month trials of 400 to 40,000
#: patients (two arms): the plots peak at 300-600 B per patient; the summary and the report
#: at 0.8-3.8 kB per patient with their assessment rows. DuckDB's own buffers are not in that
#: count, hence the margin.
PATIENT_BYTES = 4096
#: Bytes per assessment row the HTML report holds (its first REPORT_PATIENTS patients per arm);
#: measured at about 180.
ASSESSMENT_ROW_BYTES = 256
#: Fixed working memory of a trial job: the model, the population, the report's figures.
TRIAL_BASE_BYTES = 16 * MIB


def trial_memory_mb(spec, *, chunk_size: int) -> float:
    """Estimated working memory of running ``spec`` and serving its results, in MiB.

    A trial streams chunks of patients to its DuckDB store, so what grows with its size is the
    chunk being simulated (``chunk_size`` x output times x the model's numbers per time) and
    one outcome row per patient for the summary, the plots and the report."""

    from iosim.models import get_model
    from iosim.trials import visits
    from iosim.trials.runner import REPORT_PATIENTS

    model = get_model(spec.model)
    # The runner's output grid: every week, every day a visit may fall on, the end of follow-up.
    weeks = visits.scheduled_weeks(spec)
    times = visits.output_days(spec).size
    per_time = 2 * len(model.state_names) + len(model.parameter_names) + len(model.output_names)
    chunk = min(chunk_size, spec.patients_per_arm) * times * (per_time + CHUNK_EXTRA_DOUBLES) * 8
    patients = spec.patients_per_arm * len(spec.arms)
    report_rows = min(spec.patients_per_arm, REPORT_PATIENTS) * len(spec.arms) * weeks.size
    total = TRIAL_BASE_BYTES + chunk + patients * PATIENT_BYTES + report_rows * ASSESSMENT_ROW_BYTES
    return total / MIB
