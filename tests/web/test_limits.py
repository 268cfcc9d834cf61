"""The web app's caps: each one just over its limit gets a 4xx (or 503) naming the limit, just under works.

No trial runs here: trial requests go to a queue that accepts jobs and never starts them, so
these tests check what the API lets in, not the cohort engine (tests/web/test_api.py runs trials).
"""

from __future__ import annotations

import json
import threading
import time

import pytest
from fastapi.testclient import TestClient


@pytest.fixture
def app_with(idle_app):
    """A TestClient of an app with the given caps whose trials never start."""
    clients = []

    def make(**caps):
        client = TestClient(idle_app(**caps)).__enter__()
        clients.append(client)
        return client

    yield make
    for c in clients:
        c.__exit__(None, None, None)


def _trial(**changes) -> dict:
    body = {"cancer": "melanoma", "arms": [{"name": "control"}, {"name": "nivolumab", "therapies": ["nivolumab"]}],
            "patients_per_arm": 10, "follow_up_months": 12, "seed": 3}  # fmt: skip
    return body | changes


# -- request bodies ----------------------------------------------------------------------------
def _padded(body: dict, size: int) -> bytes:
    raw = json.dumps(body).encode()
    return raw[:-1] + b" " * (size - len(raw)) + b"}"  # JSON allows whitespace before the closing brace


def test_request_body_cap(app_with):
    c = app_with(max_body_kb=1)
    headers = {"content-type": "application/json"}
    just_under = c.post("/api/simulate", content=_padded({"cancer": "melanoma", "days": 30}, 1024), headers=headers)
    assert just_under.status_code == 200
    over = c.post("/api/simulate", content=_padded({"cancer": "melanoma", "days": 30}, 1025), headers=headers)
    assert over.status_code == 413
    assert over.json()["detail"] == "request body larger than 1 KiB, this server's limit (--max-body-kb)"

    def chunked():  # no Content-Length: the limit is counted as the body arrives
        yield b'{"cancer": "melanoma", '
        yield b" " * 2000 + b"}"

    r = c.post("/api/simulate", content=chunked(), headers=headers)
    assert r.status_code == 413 and "--max-body-kb" in r.json()["detail"]


# -- trial memory ------------------------------------------------------------------------------
def _need_mb(patients_per_arm: int, follow_up_months: float = 12, chunk_size: int = 25) -> float:
    from iosim.trials import parse_trial_spec
    from iosim.web.limits import trial_memory_mb

    spec = parse_trial_spec({"name": "web", **_trial(patients_per_arm=patients_per_arm,
                                                      follow_up_months=follow_up_months)}
                            | {"arms": [{"name": "control"}, {"name": "nivolumab"}]})  # fmt: skip
    return trial_memory_mb(spec, chunk_size=chunk_size)


def test_trial_memory_cap(app_with):
    n, chunk = 5000, 25
    cap = (_need_mb(n, chunk_size=chunk) + _need_mb(n + 1, chunk_size=chunk)) / 2  # between the two sizes
    c = app_with(max_patients=10**6, max_memory_mb=cap, chunk_size=chunk)
    ok = c.post("/api/trials", json=_trial(patients_per_arm=n))
    assert ok.status_code == 202, ok.json()
    over = c.post("/api/trials", json=_trial(patients_per_arm=n + 1))
    assert over.status_code == 422
    detail = over.json()["detail"]
    assert detail.startswith("patients_per_arm: 2 x 5001 patients over 12 months need about ")
    assert detail.endswith(f"this server allows {cap:g} MB per trial (--max-memory-mb): use fewer patients")


def test_trial_memory_estimate_grows_with_patients_and_follow_up():
    # Per patient: an outcome row plus the report's assessment rows, all well under 10 kB.
    per_patient = (_need_mb(2000) - _need_mb(1000)) * 2**20 / 2000
    assert 2048 < per_patient < 10_000
    assert _need_mb(1000, follow_up_months=60) > _need_mb(1000, follow_up_months=12)
    # The default caps (400 patients, 512 MB) leave room: the patient cap binds first.
    assert _need_mb(200, follow_up_months=60) < 64


def test_follow_up_must_reach_the_first_assessment(app_with):
    c = app_with()
    r = c.post("/api/trials", json=_trial(follow_up_months=1.9))
    assert r.status_code == 422
    assert r.json()["detail"] == "field 'follow_up_months': Input should be greater than or equal to 2"
    assert c.post("/api/trials", json=_trial(follow_up_months=2)).status_code == 202


def test_shortest_accepted_trial_runs_to_the_end(make_app, wait_job):
    """The smallest trial the API accepts (two months, one patient per arm, nobody dies) is done,
    not failed: it has one assessment, and hazard ratios without events are missing, not an error."""
    with TestClient(make_app()) as c:
        arms = [{"name": "control"}, {"name": "car-t", "therapies": ["tisagenlecleucel"]}]
        job = c.post("/api/trials", json={"cancer": "b_all", "arms": arms, "patients_per_arm": 1,
                                          "follow_up_months": 2, "seed": 1}).json()  # fmt: skip
        done = wait_job(c, job["id"])[-1]
        assert done["status"] == "done", done["error"]
        assert [row["n"] for row in done["summary"]] == [1, 1]
        assert c.get(f"/api/trials/{job['id']}/plots").status_code == 200


def test_duplicate_arm_names_are_refused(app_with):
    c = app_with()
    r = c.post("/api/trials", json=_trial(arms=[{"name": "a"}, {"name": "a"}]))
    assert r.status_code == 422 and r.json()["detail"] == "field 'arms': arm names must be unique"


# -- single simulations --------------------------------------------------------------------------
def test_shortest_simulation_is_a_day(app_with):
    c = app_with()
    r = c.post("/api/simulate", json={"cancer": "melanoma", "days": 0.99})
    assert r.status_code == 422 and r.json()["detail"] == "field 'days': Input should be greater than or equal to 1"
    assert c.post("/api/simulate", json={"cancer": "melanoma", "days": 1}).status_code == 200


def test_doses_per_run_cap(app_with):
    """Every dose restarts the solver, so the dose count, not the days, bounds a run's time."""
    c = app_with(max_doses=10)
    body = {"cancer": "melanoma", "days": 30, "therapies": ["nivolumab:240mg-q1d-x10"]}
    assert c.post("/api/simulate", json=body).status_code == 200
    r = c.post("/api/simulate", json=body | {"therapies": ["nivolumab:240mg-q1d-x11"]})
    assert r.status_code == 422
    assert r.json()["detail"] == ("therapies: 11 doses in 30 days; this server simulates at most 10 per run "
                                  "(--max-doses): give a longer interval or a dose count (-xN)")  # fmt: skip
    arm = {"name": "daily", "therapies": ["nivolumab:240mg-q1d-x11"]}
    r = c.post("/api/trials", json=_trial(arms=[{"name": "control"}, arm]))
    assert r.status_code == 422 and r.json()["detail"].startswith("arms.1.therapies: 11 doses in 365.25 days")
    arm["therapies"] = ["nivolumab:240mg-q1d-x10"]
    assert c.post("/api/trials", json=_trial(arms=[{"name": "control"}, arm])).status_code == 202


def test_runs_at_once_count_timed_out_ones(app_with, monkeypatch):
    """A run past the time cap keeps its slot until its thread ends; meanwhile others wait, then get 503."""
    from iosim.web import api

    release, real = threading.Event(), api._simulate_model

    def stuck(req, *args):
        release.wait(30)
        return real(req, *args)

    c = app_with(max_runs=1, run_timeout_s=0.5)
    body = {"model": "kuznetsov1994", "days": 10}
    monkeypatch.setattr(api, "_simulate_model", stuck)
    first = c.post("/api/simulate-model", json=body)
    assert first.status_code == 503 and first.json()["detail"] == "the simulation ran past the 0.5 s limit"
    monkeypatch.setattr(api, "_simulate_model", real)
    waiting = c.post("/api/simulate-model", json=body)
    assert waiting.status_code == 503
    assert waiting.json()["detail"].startswith("busy: 1 simulations are running (--max-runs)")
    release.set()  # the stuck thread ends and frees its slot
    end = time.monotonic() + 10
    while (r := c.post("/api/simulate-model", json=body)).status_code == 503 and time.monotonic() < end:
        pass
    assert r.status_code == 200


def test_a_runaway_simulation_ends_within_its_limit_and_frees_its_slot(app_with, monkeypatch):
    """Issue 18: two requests with an extreme parameter held both slots for minutes after their 503s.
    The engine's own time budget (just under the request's cap) now ends the run: a numerical
    failure answered in time, and the slot free at once for the next request."""
    from iosim.simulation import reference

    # Only the time budget may stop it: the stall check would end this input within seconds.
    monkeypatch.setattr(reference, "STALL_EVALUATIONS", 10**12)
    c = app_with(max_runs=1, run_timeout_s=2.0)
    start = time.monotonic()
    r = c.post("/api/simulate-model", json={"model": "kuznetsov1994", "days": 100, "params": {"s": 1e200}})
    assert time.monotonic() - start < 4.0
    assert r.status_code == 422, r.text
    assert r.json()["detail"].startswith("numerical failure:") and "time limit of 1.8 s" in r.json()["detail"]
    ok = c.post("/api/simulate-model", json={"model": "kuznetsov1994", "days": 10})
    assert ok.status_code == 200  # not "busy": the runaway run freed its slot


def test_a_runaway_simulation_does_not_keep_the_server_from_stopping(make_app, monkeypatch):
    from iosim.web import api

    release = threading.Event()
    monkeypatch.setattr(api, "_simulate_model", lambda req, *args: release.wait(60))
    c = TestClient(make_app(run_timeout_s=0.2)).__enter__()
    assert c.post("/api/simulate-model", json={"model": "kuznetsov1994"}).status_code == 503
    start = time.monotonic()
    c.__exit__(None, None, None)
    release.set()
    # asyncio.to_thread's pool would join the stuck thread here (60 s); a daemon thread is not waited for.
    assert time.monotonic() - start < 5


# -- ids in paths ---------------------------------------------------------------------------------
def test_long_or_odd_ids_are_refused_without_echoing_them(app_with):
    c = app_with()
    r = c.get("/api/trials/" + "a" * 65)
    assert r.status_code == 422
    assert r.json()["detail"] == "field 'path.job_id': String should have at most 64 characters"
    r = c.get("/api/trials/%0A..%00x")
    assert r.status_code == 404
    assert r.json()["detail"] == "no trial job that id (finished jobs are kept only for a while)"
    assert c.get("/fragments/model", params={"id": "x" * 65}).status_code == 422
    assert c.get("/api/models/" + "x" * 65).status_code == 422


# -- iosim serve ----------------------------------------------------------------------------------
def test_serve_passes_every_cap_to_the_app(monkeypatch):
    import uvicorn
    from typer.testing import CliRunner

    from iosim.cli.app import app
    from iosim.cli.main import _load_commands

    seen = {}
    monkeypatch.setattr(uvicorn, "run", lambda web, **kw: seen.update(settings=web.state.settings, **kw))
    _load_commands()
    args = ["serve", "--max-patients", "900", "--max-memory-mb", "256", "--max-jobs", "3", "--job-workers", "2",
            "--trial-timeout", "120", "--max-runs", "3", "--run-timeout", "10", "--max-body-kb", "16",
            "--max-doses", "500", "--allow-host", "iosim.lab"]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    s = seen["settings"]
    assert (s.max_patients, s.max_memory_mb, s.max_jobs, s.job_workers) == (900, 256, 3, 2)
    assert (s.trial_timeout_s, s.max_runs, s.run_timeout_s, s.max_body_kb, s.max_doses) == (120, 3, 10, 16, 500)
    assert seen["host"] == "127.0.0.1"
    assert set(s.allowed_hosts) == {"localhost", "127.0.0.1", "::1", "iosim.lab"}
    bad = CliRunner().invoke(app, ["serve", "--max-memory-mb", "0"])
    assert bad.exit_code == 2 and "--max-memory-mb" in bad.output


@pytest.mark.parametrize("host", ["localhost:8000", "127.0.0.1", "[::1]:8000", "testserver", "LOCALHOST"])
def test_loopback_host_names_are_answered(app_with, host):
    assert app_with().get("/api/cancers", headers={"host": host}).status_code == 200


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8000", "127.0.0.1.nip.io", "", "localhost.evil"])
def test_other_host_names_are_refused_against_dns_rebinding(app_with, host):
    # A page at evil.example whose name resolves to 127.0.0.1 still sends its own name as Host.
    r = app_with().get("/api/cancers", headers={"host": host})
    assert r.status_code == 421
    assert r.json()["detail"].startswith("this server answers only to 127.0.0.1, ::1, localhost, testserver")


def test_api_docs_are_served_by_the_app_without_a_cdn(app_with):
    c = app_with()
    page = c.get("/docs")
    assert page.status_code == 200 and "/api/simulate-model" in page.text and "SimulateRequest" in page.text
    assert "cdn" not in page.text.lower() and "https://" not in page.text
    assert c.get("/redoc").status_code == 404
    assert c.get("/openapi.json").status_code == 200


@pytest.mark.parametrize("body, detail", [
    (b'{"model": "kuznetsov1994", "days": "m\xe9"}', "is not UTF-8 text (byte"),
    (b"[" * 50_000, "nests lists or objects too deeply"),
    (b'{"a":' * 5_000, "nests lists or objects too deeply"),
    (b'{"model": "kuznetsov1994", "days": 1' + b"0" * 5_000 + b"}", "holds a number the server cannot read"),
])  # fmt: skip
def test_bodies_json_cannot_decode_get_the_usual_one_line_422(app_with, body, detail):
    # Before: FastAPI's generic 400 "There was an error parsing the body".
    r = app_with().post("/api/simulate-model", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 422
    assert detail in r.json()["detail"] and "\n" not in r.json()["detail"]


def test_limits_endpoint_reports_the_caps(app_with):
    caps = app_with(max_memory_mb=100, max_runs=3, max_body_kb=8, max_doses=50).get("/api/limits").json()
    assert (caps["max_memory_mb"], caps["max_runs"], caps["max_body_kb"], caps["max_doses"]) == (100, 3, 8, 50)


def test_cross_site_requests_cannot_start_or_cancel_work(app_with):
    """A page elsewhere can make the browser POST a form or a body without a content type (no CORS
    pre-flight), but not one labelled JSON: such requests start nothing and cancel nothing."""
    c = app_with()
    job = c.post("/api/trials", json=_trial()).json()["id"]
    forged = json.dumps(_trial()).encode()
    for path in ("/api/trials", "/api/simulate", f"/api/trials/{job}/cancel"):
        for headers in ({"content-type": "text/plain"}, {"content-type": "application/x-www-form-urlencoded"}, {}):
            r = c.post(path, content=forged, headers=headers)
            assert r.status_code == 415
            assert r.json()["detail"] == "send the request as JSON, with the header Content-Type: application/json"
    assert list(c.app.state.jobs._jobs) == [job]
    assert c.get(f"/api/trials/{job}").json()["status"] == "queued"
