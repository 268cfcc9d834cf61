"""Fixtures for the web app: an app with small caps, a TestClient, helpers for trial jobs, and a
trial queue that never starts its jobs (for tests of what the API lets in)."""

from __future__ import annotations

import time

import pytest

#: A 2 x 2 matrix keeps the lazily computed matrix to four simulations (about 2 s).
MATRIX_CANCERS = ("melanoma", "prostate")
MATRIX_THERAPIES = ("nivolumab", "sipuleucel_t")
#: A trial job may first compile the cohort kernel (minutes on a cold cache, seconds when warm).
JOB_WAIT_S = 600.0


def small_app(**overrides):
    from iosim.web import create_app

    # TestClient sends "Host: testserver"; the app answers only to the host names it is given.
    options = dict(max_patients=60, job_workers=1, max_jobs=3, chunk_size=5, trial_timeout_s=JOB_WAIT_S,
                   matrix_cancers=MATRIX_CANCERS, matrix_therapies=MATRIX_THERAPIES,
                   allowed_hosts=("testserver",))  # fmt: skip
    options.update(overrides)
    return create_app(**options)


@pytest.fixture(scope="module")
def client():
    from fastapi.testclient import TestClient

    with TestClient(small_app()) as c:
        yield c


def wait_job(client, job_id: str, *, until=lambda j: j["status"] not in ("queued", "running"), timeout=JOB_WAIT_S):
    """Poll a trial job; returns the list of status snapshots, the last one satisfying ``until``."""
    seen, end = [], time.monotonic() + timeout
    while time.monotonic() < end:
        job = client.get(f"/api/trials/{job_id}").json()
        seen.append(job)
        if until(job):
            return seen
        time.sleep(0.2)
    raise AssertionError(f"trial job {job_id} did not reach the expected state in {timeout} s: {seen[-1]}")


TRIAL = {
    "cancer": "melanoma",
    "arms": [{"name": "nivolumab", "therapies": ["nivolumab"]}, {"name": "control", "therapies": []}],
    "patients_per_arm": 20,
    "follow_up_months": 6,
    "seed": 7,
}


def idle_queue():
    """A trial queue that accepts jobs and leaves them queued."""
    from iosim.web.jobs import JobQueue

    class IdleQueue(JobQueue):
        def _run(self, job, chunk_size) -> None:
            pass

    return IdleQueue(workers=1, max_active=10**6)


@pytest.fixture(name="idle_app", scope="session")
def _idle_app():
    """``idle_app(**caps)``: an app with small caps whose trials are accepted but never run."""

    def make(**caps):
        app = small_app(**caps)
        app.state.jobs = idle_queue()
        return app

    return make


@pytest.fixture(name="make_app", scope="session")
def _make_app():
    return small_app


@pytest.fixture(name="wait_job", scope="session")
def _wait_job():
    return wait_job


@pytest.fixture(name="trial_body")
def _trial_body():
    return dict(TRIAL)
