"""Fuzzing the API: whatever a client sends, the answer is a 2xx or a 4xx with a one-line message.

Hypothesis mutates valid request bodies (wrong types, values at and past the bounds, NaN and
infinity, huge numbers, unicode, extra keys, deep nesting), sends raw bytes that are not JSON,
and puts crafted ids into every path. Trials go to a queue that never starts them (the request
path is what is fuzzed; tests/web/test_api.py runs real trials). Inputs that once failed are
kept in ``corpus/requests.json`` and replayed on every run.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from hypothesis import event, given, settings
from hypothesis import strategies as st

CORPUS = Path(__file__).parent / "corpus" / "requests.json"
#: ``IOSIM_FUZZ_SCALE=50 pytest tests/web/test_fuzz.py`` runs a longer campaign (50 x the examples).
SCALE = int(os.environ.get("IOSIM_FUZZ_SCALE", "1"))
#: Every answer must come within this time: single runs are capped at 20 s in the fuzzed app (503
#: beyond, which fails the test too); the slowest valid core run here takes about 4 s on a busy machine.
MAX_SECONDS = 25.0


@pytest.fixture(scope="module")
def fuzz_client(idle_app):
    with TestClient(idle_app(run_timeout_s=20.0, max_runs=2), raise_server_exceptions=False) as c:
        yield c


def send(client, method: str, path: str, *, body=None, content: bytes | None = None, params=None):
    """Send a request and check the answer's contract; returns the response."""
    headers = {"content-type": "application/json"}
    if body is not None:  # json.dumps escapes lone surrogates and writes NaN, which httpx's encoder refuses
        content = json.dumps(body).encode()
    if params:  # encoded here: a lone surrogate becomes bytes that are not UTF-8, as a hostile client may send
        query = (f"{k}={quote(str(v).encode('utf-8', 'surrogatepass'), safe='')}" for k, v in params.items())
        path += "?" + "&".join(query)
    start = time.monotonic()
    r = client.request(method, path, content=content, headers=headers if content is not None else None)
    took = time.monotonic() - start
    where = f"{method} {path[:300]} {(content or b'')[:300]!r}"
    assert r.status_code < 500, f"{where} -> {r.status_code} {r.text[:500]}"
    assert took < MAX_SECONDS, f"{where} took {took:.1f} s"
    if r.status_code >= 400:
        detail = r.json()["detail"]
        assert isinstance(detail, str) and detail, where
        # One line, bounded: the longest message lists every parameter of the core model (1.5 kB).
        assert "\n" not in detail and "Traceback" not in detail and len(detail) <= 2000, f"{where} -> {detail!r}"
    elif r.headers["content-type"].startswith("application/json"):
        r.json()
    return r


# -- values ----------------------------------------------------------------------------------------
WEIRD_TEXT = st.sampled_from(
    ["", " ", "\x00", "\ud800", "\n", "../../etc/passwd", "NaN", "Infinity", "-inf", "1e309", "0x10", "é" * 70,
     "<script>alert(1)</script>", "'; DROP TABLE outcomes; --", "%s%n", "\u202e", "nivolumab\n", "null"]
)  # fmt: skip
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.sampled_from([10**400, -(10**400), 2**63, -1, 0]),
    st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([1e-300, 5e-324, 1e308, -0.0]),
    st.text(max_size=30), WEIRD_TEXT,
)  # fmt: skip
JSON = st.recursive(
    SCALARS, lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=10), kids, max_size=4),
    max_leaves=12,
)  # fmt: skip


def nested(depth: int, leaf):
    """``leaf`` inside ``depth`` alternating lists and objects."""
    for i in range(depth):
        leaf = [leaf] if i % 2 else {"a": leaf}
    return leaf


def _names(kind: str) -> list[str]:
    from iosim.cancers import cancer_ids
    from iosim.models import model_ids
    from iosim.therapy.catalogue import drug_ids

    return {"cancer": cancer_ids, "model": model_ids, "drug": drug_ids}[kind]()


REGIMENS = st.sampled_from(
    ["", "default", "3mg/kg-q2w", "240mg-q2w-x4", "480mg-q4w", "3mg/kg-q3w-x4", "1mg/kg-q1d", "0mg-q2w", "-1mg-q2w",
     "1e308mg/kg-q2w", "3mg/kg-q0w", "3mg/kg-q0.0001d", "3mg/kg-q1d-x100000", "600000IU/kg-q8h-x14", "nan mg-q2w",
     "3 mg / kg - q 2 w", "weekly", "3mg/m2-q2w", "2e6cells/kg-x1", "x4", "q2w", "2e8cells-once", "9MIU-tiw",
     "1mg/kg-q3w-x4,480mg-q4w@84d", "480mg-q4w@-5d", "480mg-q4w@1e308d", "600000IU/kg-q8h-x14-2cycles",
     "600000IU/kg-q8h-x14-100000cycles", ",", "once", "1mg-once,", "5e7cells-q2w-x3@1825d"]
)  # fmt: skip


@st.composite
def catalogue_therapy(draw) -> str:
    """A drug of the catalogue alone, with a labelled regimen, or with a labelled regimen's text."""
    from iosim.therapy.catalogue import DRUGS

    drug = DRUGS[draw(st.sampled_from(_names("drug")))]
    label, text = draw(st.sampled_from(sorted(drug.regimens.items())))
    return draw(st.sampled_from([drug.id, f"{drug.id}:{label}", f"{drug.id}:{text}"]))


@st.composite
def therapy(draw) -> str:
    drug = draw(st.sampled_from(_names("drug")) | WEIRD_TEXT)
    regimen = draw(REGIMENS)
    return f"{drug}:{regimen}" if regimen or draw(st.booleans()) else drug


NUMBER = st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from([0, 1, 1.0001, 2, 7, 365, 1825, 1826, 1e12])
POSITIVE = st.floats(1e-6, 1e6) | st.sampled_from([0.0, 1e-12, 1e9, 1e15])  # what a modeller might try


@st.composite
def model_body(draw) -> dict:
    """A library model with overrides of its own parameters and states (mostly inside their bounds)."""
    from iosim.models import get_model

    model = get_model(draw(st.sampled_from(_names("model"))))
    params = draw(st.dictionaries(st.sampled_from(list(model.parameter_names)), POSITIVE, max_size=3))
    initial = draw(st.dictionaries(st.sampled_from(list(model.state_names)), POSITIVE, max_size=2))
    return {"model": model.id, "days": draw(st.floats(1e-3, 7300)), "params": params, "initial": initial}


#: Bodies a client might well send: the right shapes, values in and around the bounds.
PLAUSIBLE = {
    "simulate": st.fixed_dictionaries(
        {"cancer": st.sampled_from(_names("cancer"))},
        optional={
            "therapies": st.lists(catalogue_therapy(), max_size=2),
            "days": st.floats(1, 1825) | st.sampled_from([1, 1825]),
            "tumour_cells": st.floats(1e-3, 1e12, exclude_max=True),
            "weight_kg": st.floats(2, 400),
            "height_cm": st.floats(40, 260),
        },
    ),
    "simulate-model": model_body(),
    "trials": st.fixed_dictionaries(
        {
            "cancer": st.sampled_from(_names("cancer")),
            "arms": st.lists(
                st.fixed_dictionaries(
                    {
                        "name": st.from_regex(r"[A-Za-z0-9_.+ -]{1,12}", fullmatch=True),
                        "therapies": st.lists(catalogue_therapy(), max_size=2),
                    }
                ),
                min_size=1,
                max_size=4,
                unique_by=lambda a: a["name"],
            ),
        },
        optional={
            "patients_per_arm": st.integers(1, 15),
            "follow_up_months": st.floats(2, 60),
            "seed": st.integers(0, 2**63 - 1),
            "population": st.sampled_from(["default", "calibrated"]),
        },
    ),
}
#: Hostile values per field, for the mutations.
FIELDS = {
    "simulate": {
        "cancer": st.sampled_from(_names("cancer")) | WEIRD_TEXT,
        "therapies": st.lists(therapy(), max_size=5),
        "days": st.floats(0.5, 1900) | NUMBER,
        "tumour_cells": st.floats(1e-3, 2e12) | NUMBER,
        "weight_kg": st.floats(0, 500) | NUMBER,
        "height_cm": st.floats(0, 300) | NUMBER,
    },
    "simulate-model": {
        "model": st.sampled_from(_names("model")) | WEIRD_TEXT,
        "days": st.floats(1e-4, 8000) | NUMBER,
        "params": st.dictionaries(
            st.sampled_from(["p", "s", "g", "d", "a", "b", "n", "m", "c", "mu"]) | st.text(),
            st.floats(-1e3, 1e3) | NUMBER,
            max_size=4,
        ),
        "initial": st.dictionaries(
            st.sampled_from(["E", "T", "N", "C", "I", "Tp"]) | st.text(), st.floats(0, 1e10) | NUMBER, max_size=3
        ),
    },
    "trials": {
        "cancer": st.sampled_from(_names("cancer")) | WEIRD_TEXT,
        "arms": st.lists(
            st.fixed_dictionaries(
                {"name": st.text(max_size=90) | WEIRD_TEXT, "therapies": st.lists(therapy(), max_size=5)}
            ),
            max_size=5,
        ),
        "patients_per_arm": st.integers(-5, 100) | st.sampled_from([10**6, 2**63, 10**30]),
        "follow_up_months": st.floats(0, 80) | NUMBER,
        "seed": st.integers(-(2**64), 2**64),
        "population": st.sampled_from(["default", "calibrated", "examples/populations/melanoma.yaml", "../x"]),
    },
}


@st.composite
def mutated(draw, endpoint: str) -> dict:
    """A plausible body with a few fields replaced, dropped, added or buried in nesting."""
    body, fields = draw(PLAUSIBLE[endpoint]), FIELDS[endpoint]
    for _ in range(draw(st.integers(1, 3))):
        op = draw(st.sampled_from(["hostile", "hostile", "any", "drop", "extra", "nest"]))
        key = draw(st.sampled_from(sorted(fields)))
        if op == "hostile":
            body[key] = draw(fields[key])
        elif op == "any":
            body[key] = draw(JSON)
        elif op == "drop":
            body.pop(key, None)
        elif op == "extra":
            body[draw(st.text(min_size=1, max_size=20) | WEIRD_TEXT)] = draw(JSON)
        else:
            body[key] = nested(draw(st.integers(1, 200)), body.get(key))
    return body


@st.composite
def odd_regimens(draw, endpoint: str) -> dict:
    """A plausible body whose therapies carry odd regimen texts: they reach the regimen parser."""
    body = draw(PLAUSIBLE[endpoint])
    if endpoint == "simulate":
        body["therapies"] = draw(st.lists(therapy(), min_size=1, max_size=2))
    elif endpoint == "trials":
        body["arms"] = [{**arm, "therapies": draw(st.lists(therapy(), min_size=1, max_size=2))} for arm in body["arms"]]
    return body


def bodies(endpoint: str):
    """Plausible bodies (they reach the simulation), odd regimens, and mutated bodies (they test validation)."""
    return st.one_of(PLAUSIBLE[endpoint], odd_regimens(endpoint), mutated(endpoint))


# -- the fuzz tests -----------------------------------------------------------------------------------
@settings(max_examples=40 * SCALE)
@given(body=bodies("simulate"), fmt=st.sampled_from([None, "json", "csv", "parquet", "xml", ""]))
def test_fuzz_simulate(fuzz_client, body, fmt):
    params = {"format": fmt} if fmt is not None else None
    event("status", send(fuzz_client, "POST", "/api/simulate", body=body, params=params).status_code)


@settings(max_examples=40 * SCALE)
@given(body=bodies("simulate-model"))
def test_fuzz_simulate_model(fuzz_client, body):
    event("status", send(fuzz_client, "POST", "/api/simulate-model", body=body).status_code)


@settings(max_examples=40 * SCALE)
@given(body=bodies("trials"))
def test_fuzz_trials(fuzz_client, body):
    r = send(fuzz_client, "POST", "/api/trials", body=body)
    event("status", r.status_code)
    if r.status_code == 202:  # what was accepted is a trial the server's caps allow
        job = r.json()
        assert job["patients_per_arm"] * len(job["arms"]) <= fuzz_client.app.state.settings.max_patients


@settings(max_examples=30 * SCALE)
@given(raw=st.binary(max_size=200) | st.text(max_size=200).map(str.encode)
       | st.sampled_from([b"[" * 50_000, b'{"cancer":' + b"[" * 5000 + b"]" * 5000 + b"}", b"\xff\xfe{",
                          b'{"cancer":"melanoma","days":' + b"9" * 5000 + b"}", b'{"cancer":"melanoma","days":NaN}',
                          b'{"cancer":"melanoma","cancer":"prostate"}', b"null", b"[]", b'"x"', b"1e999"]),
       path=st.sampled_from(["/api/simulate", "/api/simulate-model", "/api/trials"]))  # fmt: skip
def test_fuzz_raw_bodies(fuzz_client, raw, path):
    send(fuzz_client, "POST", path, content=raw)


IDS = st.text(max_size=80) | st.sampled_from(
    ["..", "../x", "../../etc/passwd", "%2e%2e", "0" * 32, "a" * 64, "a" * 65, "a" * 5000, " ", "\x00", "core",
     "kuznetsov1994", "../../../src/iosim/web/app.py"]
)  # fmt: skip
ID_PATHS = ["/api/trials/{}", "/api/trials/{}/plots", "/api/trials/{}/outcomes.csv", "/api/trials/{}/outcomes.{}",
            "/api/trials/{}/summary.csv", "/api/trials/{}/report.html", "/api/models/{}"]  # fmt: skip


@settings(max_examples=60 * SCALE)
@given(job_id=IDS, template=st.sampled_from(ID_PATHS), cancel=st.booleans())
def test_fuzz_ids_in_paths(fuzz_client, job_id, template, cancel):
    ident = quote(job_id, safe="")
    path = template.format(ident, ident)
    r = send(fuzz_client, "GET", path)
    # No job exists in this app: never a 2xx, whatever the id (a model id may name a model).
    assert 400 <= r.status_code < 500 or (template == "/api/models/{}" and r.status_code == 200)
    if cancel:
        send(fuzz_client, "POST", f"/api/trials/{ident}/cancel", body={})


@settings(max_examples=30 * SCALE)
@given(value=IDS | WEIRD_TEXT, page=st.sampled_from(["/fragments/model?id", "/learn/explore?cancer",
                                                      "/learn/explore?therapy"]))  # fmt: skip
def test_fuzz_page_queries(fuzz_client, value, page):
    path, name = page.split("?")
    r = send(fuzz_client, "GET", path, params={name: value})
    if r.status_code == 200:  # whatever is echoed into the page is escaped
        assert "<script>alert" not in r.text


# -- inputs that once failed ---------------------------------------------------------------------------
def _corpus() -> list:
    return [pytest.param(case, id=case["id"]) for case in json.loads(CORPUS.read_text())]


@pytest.mark.parametrize("case", _corpus())
def test_corpus(fuzz_client, case):
    """Each case names the bug it once triggered and the answer it gets now (``raw``: a body sent
    as is, ``repeat`` times)."""
    content = (case["raw"] * case.get("repeat", 1)).encode() if "raw" in case else None
    r = send(fuzz_client, case["method"], case["path"], body=case.get("json"), content=content)
    assert r.status_code == case["status"], r.text[:300]
    if "detail" in case:
        assert case["detail"] in r.json()["detail"]
