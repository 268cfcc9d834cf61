"""Run by an interpreter that has iosim installed from its wheel (not the repository): the web app
serves a trial end to end with nothing but the package's own files.

Checked: iosim is imported from site-packages; the app starts; a small two-arm trial on the
calibrated melanoma population (package data in iosim.library, read with importlib.resources)
runs through the API; its plots, report, the workbench page and the static files every page
loads are served. Run from a folder
outside the repository (``.ci/check_wheel.sh`` does it all, ``tests/web/test_wheel.py`` too).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import iosim

where = Path(iosim.__file__).resolve()
assert "site-packages" in where.parts, f"iosim was imported from {where}, not from an installed wheel"

from fastapi.testclient import TestClient  # noqa: E402

from iosim.library import population_path  # noqa: E402
from iosim.web import create_app  # noqa: E402

assert population_path("melanoma") is not None and population_path("melanoma").is_file()
app = create_app(max_patients=20, chunk_size=10, trial_timeout_s=900.0, allowed_hosts=("testserver",))
with TestClient(app) as client:
    for page in ("/", "/workbench"):
        r = client.get(page)
        assert r.status_code == 200, (page, r.status_code)
    # What every page loads (templates/base.html): the wheel's static files and the vendored plotly.
    for asset in ("/static/iosim.css", "/static/iosim.js", "/static/htmx.min.js", "/vendor/plotly.min.js"):
        r = client.get(asset)
        assert r.status_code == 200 and len(r.content) > 100, (asset, r.status_code, len(r.content))
    body = {"cancer": "melanoma", "population": "calibrated", "patients_per_arm": 10, "follow_up_months": 3,
            "seed": 1, "arms": [{"name": "nivolumab", "therapies": ["nivolumab"]}, {"name": "control", "therapies": []}]}
    r = client.post("/api/trials", json=body)
    assert r.status_code == 202, r.text
    job_id = r.json()["id"]
    end = time.monotonic() + 900
    while time.monotonic() < end:
        job = client.get(f"/api/trials/{job_id}").json()
        if job["status"] not in ("queued", "running"):
            break
        time.sleep(0.5)
    assert job["status"] == "done", job
    plots = client.get(f"/api/trials/{job_id}/plots").json()
    assert plots["arms"] == ["nivolumab", "control"] and len(plots["waterfall"]["nivolumab"]["patient"]) > 0
    report = client.get(f"/api/trials/{job_id}/report.html")
    assert report.status_code == 200 and '<section id="waterfall">' in report.text
print(f"ok: iosim {iosim.__version__} from {where.parent}: workbench, a trial, its plots and report served")
sys.exit(0)
