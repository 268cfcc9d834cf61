"""The JSON API through FastAPI's TestClient: catalogues, one patient, the matrix, trial jobs, limits."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest


# -- catalogues ------------------------------------------------------------------------------
def test_catalogues_list_every_model_drug_and_cancer(client):
    from iosim.cancers import cancer_ids
    from iosim.models import model_ids
    from iosim.therapy.catalogue import drug_ids

    assert [m["id"] for m in client.get("/api/models").json()] == model_ids()
    drugs = {d["id"]: d for d in client.get("/api/drugs").json()}
    assert list(drugs) == drug_ids()
    assert drugs["nivolumab"]["target"] == "PD-1" and "default" in drugs["nivolumab"]["regimens"]
    cancers = {c["id"]: c for c in client.get("/api/cancers").json()}
    assert list(cancers) == cancer_ids()
    assert cancers["b_all"]["targets"]["CD19"] > 0.9  # B-ALL is CD19-positive: what CAR-T needs


def test_model_description_has_equations_and_sourced_parameters(client):
    m = client.get("/api/models/kuznetsov1994").json()
    assert any(line.startswith("d") for line in m["equations"])
    assert {p["name"] for p in m["parameters"]} >= {"p", "g"}
    assert all(p["source"] for p in m["parameters"]), "every parameter carries its source"
    page = client.get("/fragments/model", params={"id": "kuznetsov1994"}).text
    assert "Kuznetsov" in page and "<table" in page


# -- one patient -----------------------------------------------------------------------------
def test_simulate_returns_what_the_library_computes(client):
    from iosim.scenario import build_scenario

    r = client.post("/api/simulate", json={"cancer": "melanoma", "therapies": ["nivolumab"], "days": 365})
    assert r.status_code == 200
    d = r.json()
    sc = build_scenario(cancer="melanoma", therapies=["nivolumab"], horizon_days=365)
    ref = sc.simulate(365, times=np.array(d["t"]))
    np.testing.assert_allclose(d["series"]["tumour_cells"], ref["tumour_cells"], rtol=1e-6, atol=1.0)
    assert d["t"][0] == 0 and d["t"][-1] == 365
    assert d["response"] in {"CR", "PR", "SD", "PD"}


def test_small_tumours_are_destroyed_and_large_ones_escape(client):
    """The escape page's claim: 1e5 cells are eliminated; a tumour of the size found at diagnosis
    (the cancer's default burden, tens of billions of cells) keeps growing (untreated melanoma)."""
    small = client.post("/api/simulate", json={"cancer": "melanoma", "tumour_cells": 1e5, "days": 730}).json()
    large = client.post("/api/simulate", json={"cancer": "melanoma", "days": 730}).json()
    assert abs(small["final"]["tumour_cells"]) < 1.0  # below one cell: gone
    assert "Tp" in {state for state, _ in small["extinctions"]}  # the extinction rule fired
    assert large["series"]["tumour_cells"][0] > 1e9
    assert large["final"]["tumour_cells"] > 10 * large["series"]["tumour_cells"][0]


def test_targeted_therapy_without_its_target_says_so(client):
    d = client.post("/api/simulate", json={"cancer": "prostate", "therapies": ["rituximab"]}).json()
    assert any("does not express CD20" in n for n in d["notes"])


def test_simulate_downloads_csv_and_parquet_with_the_same_table(client):
    body = {"cancer": "nsclc", "therapies": ["pembrolizumab"], "days": 120}
    csv = client.post("/api/simulate", params={"format": "csv"}, json=body)
    pq = client.post("/api/simulate", params={"format": "parquet"}, json=body)
    assert csv.status_code == pq.status_code == 200
    assert "attachment" in csv.headers["content-disposition"]
    a = pd.read_csv(io.StringIO(csv.text))
    b = pd.read_parquet(io.BytesIO(pq.content))
    assert list(a.columns[:3]) == ["time", "Tp", "Tn"]
    pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-9)


def test_library_model_runs_with_published_defaults(client):
    d = client.post("/api/simulate-model", json={"model": "kuznetsov1994", "days": 100}).json()
    assert {"E", "T"} <= set(d["series"]) and len(d["t"]) == 401


# -- errors: the CLI's one-line messages, as 4xx ---------------------------------------------
def test_errors_are_4xx_with_the_cli_message(client, capsys):
    from iosim.cli.main import run

    r = client.post("/api/simulate", json={"cancer": "melanomaa"})
    assert r.status_code == 422
    assert r.json()["detail"] == "unknown cancer type 'melanomaa': did you mean melanoma?"
    with pytest.raises(SystemExit) as exit_:
        run(["simulate", "core", "--cancer", "melanomaa", "--days", "10"])
    assert exit_.value.code == 2
    assert capsys.readouterr().err.strip() == f"iosim: error: {r.json()['detail']}"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"cancer": "melanoma", "days": 5000}, "field 'days': Input should be less than or equal to 1825"),
        ({"cancer": "melanoma", "colour": "red"}, "field 'colour': unknown field"),
        ({"cancer": "melanoma", "therapies": ["nivolumab:weekly"]}, "nivolumab has no labelled regimen 'weekly'"),
        ({"cancer": "melanoma", "therapies": ["nivolumab", "pembrolizumab"]}, "act through the same mechanism"),
        ({"therapies": []}, "field 'cancer': Field required"),
    ],
)
def test_bad_requests_name_the_problem(client, body, message):
    r = client.post("/api/simulate", json=body)
    assert r.status_code == 422
    assert message in r.json()["detail"]


def test_unknown_names_and_ids_are_404(client):
    assert client.get("/api/models/nope").status_code == 404
    assert "choose from" in client.get("/api/models/nope").json()["detail"]
    for job in ("0" * 32, "..%2F..%2Fetc%2Fpasswd", "nope"):
        r = client.get(f"/api/trials/{job}")
        assert r.status_code == 404


# -- the matrix ------------------------------------------------------------------------------
def test_matrix_is_the_library_matrix_and_links_every_cell(client):
    from iosim.matrix import response_matrix

    cancers, therapies = client.app.state.matrix.cancers, client.app.state.matrix.therapies

    status, _, _ = client.app.state.matrix.wait(120)
    assert status == "ready"
    body = client.get("/api/matrix").json()
    got = {(r["cancer"], r["therapy"]): r["response"] for r in body["rows"]}
    ref = response_matrix(cancers, therapies)
    assert got == {(r.cancer, r.therapy): r.response for r in ref.itertuples()}
    page = client.get("/learn/matrix").text
    for c in cancers:
        for t in therapies:
            assert f"/learn/explore?cancer={c}&amp;therapy={t}" in page


# -- trials ----------------------------------------------------------------------------------
def test_trial_job_reports_progress_and_results(client, wait_job, trial_body):
    r = client.post("/api/trials", json=trial_body)
    assert r.status_code == 202
    job_id = r.json()["id"]
    assert len(job_id) == 32 and int(job_id, 16) >= 0  # a server-made uuid
    seen = wait_job(client, job_id)
    job = seen[-1]
    assert job["status"] == "done", job["error"]
    assert job["total"] == 8 and job["done"] == 8  # 2 arms x 20 patients in chunks of 5
    done = [s["done"] for s in seen]
    assert done == sorted(done)
    summary = {row["arm"]: row for row in job["summary"]}
    assert summary["nivolumab"]["n"] == summary["control"]["n"] == 20

    outcomes = pd.read_csv(io.StringIO(client.get(f"/api/trials/{job_id}/outcomes.csv").text))
    parquet = pd.read_parquet(io.BytesIO(client.get(f"/api/trials/{job_id}/outcomes.parquet").content))
    assert len(outcomes) == len(parquet) == 40
    for arm, rows in outcomes.groupby("arm"):  # ORR in the summary = share of CR/PR among the patients
        assert summary[arm]["orr"] == pytest.approx(rows.best_response.isin(["CR", "PR"]).mean())
    assert summary["control"]["orr"] <= summary["nivolumab"]["orr"]

    plots = client.get(f"/api/trials/{job_id}/plots").json()
    assert plots["arms"] == ["nivolumab", "control"]
    assert len(plots["waterfall"]["nivolumab"]["best_pct_change"]) == 20
    for ep in ("pfs", "os"):
        for curve in plots["km"][ep].values():
            s = curve["survival"]
            assert s[0] == 1.0 and all(a >= b for a, b in zip(s, s[1:]))
    report = client.get(f"/api/trials/{job_id}/report.html")
    assert report.status_code == 200 and "<html" in report.text.lower()


def test_trial_can_be_cancelled(client, wait_job, trial_body, monkeypatch):
    import threading

    from iosim.trials import runner

    # Hold the trial after its first chunk until the cancel request is in, so the test does not
    # depend on how fast chunks run.
    cancel_sent, real, calls = threading.Event(), runner.simulate_chunk, []

    def gated(*args, **kwargs):
        calls.append(1)
        if len(calls) > 1:
            cancel_sent.wait(timeout=60)
        return real(*args, **kwargs)

    monkeypatch.setattr(runner, "simulate_chunk", gated)
    body = {**trial_body, "patients_per_arm": 30, "seed": 8}
    job_id = client.post("/api/trials", json=body).json()["id"]
    wait_job(client, job_id, until=lambda j: j["done"] >= 1 or j["status"] not in ("queued", "running"))
    assert client.post(f"/api/trials/{job_id}/cancel", json={}).status_code == 200
    cancel_sent.set()
    job = wait_job(client, job_id)[-1]
    assert job["status"] == "cancelled"
    assert job["done"] < job["total"] == 12
    assert client.get(f"/api/trials/{job_id}/outcomes.csv").status_code == 409


def test_caps_on_patients_and_arms(client, trial_body):
    r = client.post("/api/trials", json={**trial_body, "patients_per_arm": 31})
    assert r.status_code == 422
    assert r.json()["detail"] == "62 patients requested; this server runs at most 60 per trial (all arms together)"
    r = client.post("/api/trials", json={**trial_body, "arms": [{"name": f"a{i}"} for i in range(5)]})
    assert r.status_code == 422 and "field 'arms'" in r.json()["detail"]
    r = client.post("/api/trials", json={**trial_body, "arms": [{"name": "x", "therapies": ["nivolumabb"]}]})
    assert r.status_code == 422 and "did you mean nivolumab" in r.json()["detail"]
    assert client.get("/api/limits").json()["max_patients"] == 60


def test_full_queue_answers_429(make_app, trial_body):
    from fastapi.testclient import TestClient

    with TestClient(make_app(max_jobs=1)) as c:
        first = c.post("/api/trials", json={**trial_body, "patients_per_arm": 30}).json()["id"]
        r = c.post("/api/trials", json=trial_body)
        assert r.status_code == 429
        assert "queue is full" in r.json()["detail"]
        c.post(f"/api/trials/{first}/cancel", json={})


def test_openapi_documents_the_api(client):
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/simulate", "/api/trials", "/api/trials/{job_id}", "/api/matrix", "/api/drugs"} <= set(paths)


def test_serve_binds_localhost_by_default():
    from typer.testing import CliRunner

    from iosim.cli.app import app
    from iosim.cli.main import _load_commands

    _load_commands()
    out = CliRunner().invoke(app, ["serve", "--help"], env={"COLUMNS": "200"}).output
    assert "127.0.0.1" in out and "--port" in out


def test_single_simulation_past_the_time_cap_is_503(make_app):
    from fastapi.testclient import TestClient

    with TestClient(make_app(run_timeout_s=0.001)) as c:
        r = c.post("/api/simulate", json={"cancer": "melanoma", "days": 1825})
        assert r.status_code == 503
        assert r.json()["detail"] == "the simulation ran past the 0.001 s limit"


def test_calibrated_population_only_where_one_is_shipped(client, trial_body):
    r = client.post("/api/trials", json={**trial_body, "cancer": "pancreatic", "population": "calibrated"})
    assert r.status_code == 422
    assert r.json()["detail"] == "no calibrated population for pancreatic; use population 'default'"


def test_matrix_page_shows_population_orr_and_marks_uncalibrated_cancers(client):
    status, df, _ = client.app.state.matrix.wait(120)
    assert status == "ready"
    page = client.get("/learn/matrix").text
    cell = df.set_index(["cancer", "therapy"]).loc[("melanoma", "nivolumab")]
    orr = f"{100 * cell.orr:.0f}% ({100 * cell.orr_low:.0f}–{100 * cell.orr_high:.0f})"
    assert orr in page
    # prostate has a population file but no calibrated registry trial; melanoma is calibrated on CheckMate 067
    assert 'prostate<small class="uncalibrated">uncalibrated</small>' in page
    assert 'melanoma<small class="uncalibrated">' not in page
    # each row says which response criteria read it (solid tumours: RECIST 1.1)
    assert page.count('<small class="criteria">recist1.1</small>') == 2
    explore = client.get("/learn/explore", params={"cancer": "prostate", "therapy": "sipuleucel_t"}).text
    assert "<strong>uncalibrated</strong>" in explore and "median patient" in explore
    explore = client.get("/learn/explore", params={"cancer": "melanoma", "therapy": "nivolumab"}).text
    assert f"<strong>{100 * cell.orr:.0f}%</strong>" in explore
    assert "calibrated (checkmate067, checkmate066, schwartzentruber2011, c144_01)" in explore
