"""HTML pages: the explainer (``/``, ``/learn/...``) and the workbench (``/workbench``).

Pages render catalogues and text on the server (Jinja2); simulations run in the browser
through the JSON API (``static/iosim.js``, Plotly). Every script is served from this server:
htmx from ``static/``, Plotly from the installed ``plotly`` package.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.templating import Jinja2Templates

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=Path(str(resources.files("iosim.web") / "templates")))

#: Four therapy families as the patient-facing text names them, with the catalogue's drugs.
FAMILIES = (
    ("Antibodies made in the laboratory", "monoclonal antibodies", ("rituximab", "trastuzumab")),
    ("Immune cells taken, multiplied and given back", "adoptive cell transfer", (
        "tisagenlecleucel", "axicabtagene_ciloleucel", "lifileucel")),
    ("Substances that make the immune system better at finding cancer", "vaccines and cytokines", (
        "sipuleucel_t", "aldesleukin", "interferon_alfa")),
    ("Medicines that release the brakes cancer puts on immune cells", "checkpoint inhibitors", (
        "nivolumab", "pembrolizumab", "atezolizumab", "ipilimumab")),
)  # fmt: skip

EXPLAINER = (
    ("immune-system", "How the immune system fights cancer"),
    ("escape", "Why small cancers are destroyed and big ones escape"),
    ("therapies", "The four kinds of immunotherapy"),
    ("matrix", "Why a therapy works in only a few cancers"),
)


def _catalogues() -> dict:
    from iosim.cancers import CANCERS
    from iosim.therapy.catalogue import DRUGS

    return {"cancers": list(CANCERS.values()), "drugs": list(DRUGS.values())}


def _render(request: Request, name: str, **context) -> HTMLResponse:
    return templates.TemplateResponse(request, name, {"explainer": EXPLAINER, **_catalogues(), **context})


@router.get("/", response_class=HTMLResponse)
def home(request: Request):
    return _render(request, "home.html", page="home")


@router.get("/learn/immune-system", response_class=HTMLResponse)
def immune_system(request: Request):
    return _render(request, "immune.html", page="immune-system")


@router.get("/learn/escape", response_class=HTMLResponse)
def escape(request: Request):
    return _render(request, "escape.html", page="escape")


@router.get("/learn/therapies", response_class=HTMLResponse)
def therapies(request: Request):
    return _render(request, "therapies.html", page="therapies", families=FAMILIES)


@router.get("/learn/matrix", response_class=HTMLResponse)
def matrix(request: Request):
    from iosim.cancers import cancer_ids
    from iosim.therapy.catalogue import drug_ids

    cache = request.app.state.matrix
    status, df, error = cache.get()
    # What the first load is doing: a virtual trial per cell (a few minutes for the full matrix).
    size = (len(cache.cancers or cancer_ids()), len(cache.therapies or drug_ids()))
    table = None
    if df is not None:
        table = {
            "cancers": list(dict.fromkeys(df.cancer)),
            "therapies": list(dict.fromkeys(df.therapy)),
            "cells": {(r.cancer, r.therapy): r for r in df.itertuples()},
            "uncalibrated": set(df.loc[df.population == "uncalibrated", "cancer"]),
            "criteria": dict(zip(df.cancer, df.criteria)) if "criteria" in df else {},
            "patients": int(df.patients.max()) if len(df) else 0,
        }
    return _render(request, "matrix.html", page="matrix", status=status, error=error, table=table, size=size)


@router.get("/learn/explore", response_class=HTMLResponse)
def explore(request: Request, cancer: Annotated[str, Query(max_length=64)] = "melanoma",
            therapy: Annotated[str, Query(max_length=120)] = "nivolumab"):  # fmt: skip
    """The simulation behind one matrix cell (values are only preselected in the form), with the
    cell's population result when the matrix is ready."""
    from iosim.cancers import cancer_ids
    from iosim.validation import calibration_status

    status, df, _ = request.app.state.matrix.get()
    cell = None
    if df is not None:
        match = df[(df.cancer == cancer) & (df.therapy == therapy)]
        cell = next(match.itertuples(), None)
    calibration = calibration_status(cancer) if cancer in cancer_ids() else None
    return _render(request, "explore.html", page="matrix", cancer=cancer, therapy=therapy, cell=cell,
                   calibration=calibration, matrix_status=status)  # fmt: skip


@router.get("/workbench", response_class=HTMLResponse)
def workbench(request: Request):
    from iosim.models import get_model, model_ids

    models = [get_model(m) for m in model_ids()]
    return _render(request, "workbench.html", page="workbench", models=models,
                   limits=request.app.state.settings)  # fmt: skip


@router.get("/fragments/model", response_class=HTMLResponse)
def model_fragment(request: Request, id: Annotated[str, Query(max_length=64)] = "core"):
    """Equations and parameter table of one model (loaded by htmx into the workbench)."""
    from iosim.web.model_card import model_card

    return templates.TemplateResponse(request, "_model.html", {"m": model_card(id)})


@router.get("/vendor/plotly.min.js")
def plotly_js():
    """Plotly's browser bundle, from the installed plotly package (works offline)."""
    import plotly

    path = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    return FileResponse(path, media_type="application/javascript", headers={"Cache-Control": "max-age=86400"})


@router.get("/docs", response_class=HTMLResponse)
def api_docs(request: Request):
    """The API's endpoints from its OpenAPI description, rendered here: Swagger UI and ReDoc would
    load their scripts from a CDN (the app works offline, docs/security.md)."""
    spec = request.app.openapi()
    endpoints = [
        {"method": method.upper(), "path": path, "summary": op.get("summary", ""),
         "parameters": [q["name"] for q in op.get("parameters", [])],
         "body": _schema_name(op.get("requestBody", {}))}
        for path, methods in spec.get("paths", {}).items() for method, op in methods.items()
    ]  # fmt: skip
    schemas = {name: _fields(schema) for name, schema in spec.get("components", {}).get("schemas", {}).items()
               if name.endswith("Request")}  # fmt: skip
    return _render(request, "api.html", page="api", endpoints=endpoints, schemas=schemas)


def _schema_name(body: dict) -> str:
    ref = body.get("content", {}).get("application/json", {}).get("schema", {}).get("$ref", "")
    return ref.rpartition("/")[2]


def _fields(schema: dict) -> list[dict]:
    required = set(schema.get("required", []))
    return [{"name": name, "required": name in required, "description": f.get("description", ""),
             "default": f.get("default", "")} for name, f in schema.get("properties", {}).items()]  # fmt: skip
