"""The JSON API (``/api``): a thin layer over iosim's public functions.

Every iosim error becomes a 4xx with ``{"detail": message}`` — the same one-line message
the CLI prints (``app.py`` installs the handler). Request bodies are pydantic models with
bounds; the server's caps (patients, memory and doses per request, run time, queue size)
live in ``app.state.settings`` and are enforced here and in ``limits.py``.
"""

from __future__ import annotations

import io
import math
from typing import Annotated, Literal

import numpy as np
from fastapi import APIRouter, HTTPException, Path, Request
from fastapi.responses import FileResponse, JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, field_validator

router = APIRouter(prefix="/api", tags=["api"])

#: Outputs of the core model returned by /api/simulate (the states behind them are in the CSV).
CORE_SERIES = (
    "tumour_cells", "tumour_diameter_mm", "effector_cells", "exhausted_cells", "nk_cells", "treg_cells",
    "car_t_cells", "pd_axis_blockade", "Tp", "Tn",  # Tp/Tn: tumour cells with/without the target (antigen loss)
)  # fmt: skip
MAX_DAYS = 1825.0
#: Shortest runs: scipy's LSODA never returns for a span below about 1e-160 (it loops on an
#: underflowing first step), and nothing shorter than a day means anything for a patient.
MIN_DAYS, MIN_MODEL_TIME = 1.0, 1e-3
MAX_THERAPIES = 4
#: A trial needs one tumour assessment after baseline: the first is at week 8 (1.84 months).
MIN_FOLLOW_UP_MONTHS = 2.0
#: Model and job ids (job ids are server-made uuids, 32 hex digits); longer ones are not looked up.
MAX_ID_LENGTH = 64


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SimulateRequest(_Strict):
    """One patient of a cancer type, with therapies, in the flagship model ``core``."""

    cancer: Annotated[str, Field(min_length=1, max_length=64, examples=["melanoma"])]
    therapies: Annotated[list[Annotated[str, Field(max_length=120)]], Field(max_length=MAX_THERAPIES)] = Field(
        default_factory=list,
        examples=[["nivolumab"]],
        description="DRUG or DRUG:REGIMEN, e.g. ipilimumab:3mg/kg-q3w-x4",
    )
    days: Annotated[float, Field(ge=MIN_DAYS, le=MAX_DAYS)] = 365.0
    tumour_cells: Annotated[float, Field(gt=0, lt=1e12)] | None = None
    weight_kg: Annotated[float, Field(ge=2, le=400)] | None = None
    height_cm: Annotated[float, Field(ge=40, le=260)] | None = None


class ModelSimulateRequest(_Strict):
    """Any model of the library with its published defaults, optionally changed."""

    model: Annotated[str, Field(min_length=1, max_length=64, examples=["kuznetsov1994"])]
    days: Annotated[float, Field(ge=MIN_MODEL_TIME, le=MAX_DAYS * 4)] = Field(
        365.0, description="end time in the model's time unit (days for every model but hoffman2018)"
    )
    params: dict[Annotated[str, Field(max_length=64)], float] = Field(default_factory=dict, max_length=50)
    initial: dict[Annotated[str, Field(max_length=64)], float] = Field(default_factory=dict, max_length=50)

    @field_validator("params", "initial")
    @classmethod
    def _finite(cls, v: dict[str, float]) -> dict[str, float]:
        for k, x in v.items():
            if not math.isfinite(x):
                raise ValueError(f"{k} must be a finite number")
        return v


class ArmRequest(_Strict):
    name: Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9_.+ -]+$")]
    therapies: Annotated[list[Annotated[str, Field(max_length=120)]], Field(max_length=MAX_THERAPIES)] = Field(
        default_factory=list
    )


class TrialRequest(_Strict):
    """A small virtual trial, run as a background job."""

    cancer: Annotated[str, Field(min_length=1, max_length=64, examples=["melanoma"])]
    arms: Annotated[list[ArmRequest], Field(min_length=1, max_length=4)]
    patients_per_arm: Annotated[int, Field(gt=0)] = 50
    follow_up_months: Annotated[float, Field(ge=MIN_FOLLOW_UP_MONTHS, le=60)] = 12.0
    seed: Annotated[int, Field(ge=0, lt=2**63)] = 1
    population: Literal["default", "calibrated"] = Field(
        "default", description="'calibrated': the cancer's calibrated population shipped with iosim, if there is one"
    )

    @field_validator("arms")
    @classmethod
    def _unique(cls, v: list[ArmRequest]) -> list[ArmRequest]:
        names = [a.name for a in v]
        if len(set(names)) < len(names):
            raise ValueError("arm names must be unique")
        return v


def _settings(request: Request):
    return request.app.state.settings


async def _in_thread(request: Request, fn, *args):
    """Run blocking work in a thread, answering 503 when it passes the run-time cap.

    The thread itself cannot be killed; the caps on days and therapies keep single runs short,
    and ``--max-runs`` bounds how many run at once, finished or not."""
    return await request.app.state.runs.run(fn, *args, timeout_s=_settings(request).run_timeout_s)


def _solve(fn, *args, **kwargs):
    """Run a solver call; an error from its numerical libraries (scipy's event root finding can
    raise ValueError on non-finite states) is a numerical failure of this input, not a bug of
    the server: a 422 like :class:`iosim.errors.SimulationError`."""
    from iosim.errors import IosimError, SimulationError

    try:
        return fn(*args, **kwargs)
    except IosimError:
        raise
    except (ArithmeticError, ValueError, np.linalg.LinAlgError) as e:
        first = (str(e).splitlines() or [""])[0][:200]
        raise SimulationError(f"the solver stopped: {type(e).__name__}: {first}") from None


def _time_limit(request: Request) -> float:
    """The engine's own wall-time budget for one run: a little under the request's cap, so that a
    runaway run ends (freeing its slot) and answers its numerical failure before the 503."""
    return 0.9 * _settings(request).run_timeout_s


def _check_doses(sc, days: float, request: Request, where: str = "therapies") -> None:
    """Each dose starts a new solver segment: their number, not the days, bounds the run time."""
    from iosim.errors import InputError

    cap = _settings(request).max_doses
    n = sum(1 for e in sc.regimen if e.time <= days)
    if n > cap:
        raise InputError(
            f"{where}: {n} doses in {days:g} days; this server simulates at most {cap} per run (--max-doses): "
            "give a longer interval or a dose count (-xN)"
        )


def _clean(values) -> list:
    """Floats for JSON: non-finite values become null."""
    return [float(x) if math.isfinite(x) else None for x in np.asarray(values, float)]


# -- catalogues ----------------------------------------------------------------------------
@router.get("/models", summary="Every model of the library with its reference")
def list_models() -> list[dict]:
    from iosim.models import get_model, model_ids

    out = []
    for mid in model_ids():
        m = get_model(mid)
        out.append({"id": m.id, "title": m.title, "reference": str(m.reference) if m.reference else ""})
    return out


@router.get("/models/{model_id}", summary="A model's equations and parameter table with sources")
def describe_model(model_id: Annotated[str, Path(max_length=MAX_ID_LENGTH)]) -> dict:
    from iosim.web.model_card import model_card

    return model_card(model_id)


@router.get("/drugs", summary="The drug catalogue")
def list_drugs() -> list[dict]:
    from iosim.therapy.catalogue import DRUGS

    return [
        {"id": d.id, "name": d.name, "class": d.drug_class, "target": d.target, "mechanism": d.mechanism,
         "description": d.description, "regimens": dict(d.regimens), "regimen_sources": d.regimen_sources,
         "half_life_days": d.half_life.value if d.half_life else None}
        for d in DRUGS.values()
    ]  # fmt: skip


@router.get("/cancers", summary="The cancer types with their biology")
def list_cancers() -> list[dict]:
    from iosim.cancers import CANCERS

    return [
        {"id": c.id, "name": c.name, "description": c.description, "doubling_days": c.doubling_days.value,
         "tumour_cells": c.tumour_cells.value, "neoantigen_load": c.neoantigen_load.value,
         "immunogenicity": c.immunogenicity, "infiltration": c.infiltration.value, "pdl1": c.pdl1.value,
         "targets": {k: v.value for k, v in c.targets.items()}, "response_criteria": c.response_criteria}
        for c in CANCERS.values()
    ]  # fmt: skip


# -- one patient ---------------------------------------------------------------------------
def _simulate_core(req: SimulateRequest, request: Request):
    from iosim.endpoints.one_patient import SCAN_EVERY_DAYS, recist
    from iosim.scenario import build_scenario

    patient = {k: v for k, v in (("weight_kg", req.weight_kg), ("height_cm", req.height_cm)) if v is not None}
    sc = build_scenario(cancer=req.cancer, therapies=req.therapies, patient=patient or None,
                        tumour_cells=req.tumour_cells, horizon_days=req.days)  # fmt: skip
    _check_doses(sc, req.days, request)
    times = np.union1d(np.arange(0.0, req.days, max(1.0, req.days / 400)), np.arange(0.0, req.days, SCAN_EVERY_DAYS))
    result = _solve(sc.simulate, req.days, times=np.append(times, req.days), time_limit_s=_time_limit(request))
    result.raise_for_status()
    scans = np.isin(result.t, np.arange(0.0, req.days + 1e-9, SCAN_EVERY_DAYS))
    sld = result["tumour_diameter_mm"][scans]
    # RECIST needs a measurable baseline and a second scan; a microscopic tumour has neither.
    best, response = recist(sld, result.t[scans]) if scans.sum() > 1 and sld[0] > 0 else (0.0, "")
    return result, sc, best, response


def _table_response(df, fmt: str, name: str) -> Response:
    if fmt == "csv":
        return Response(df.to_csv(index=False), media_type="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})  # fmt: skip
    buf = io.BytesIO()
    df.to_parquet(buf, index=False)
    return Response(buf.getvalue(), media_type="application/vnd.apache.parquet",
                    headers={"Content-Disposition": f'attachment; filename="{name}.parquet"'})  # fmt: skip


@router.post("/simulate", summary="Simulate one patient: a cancer type and therapies in the flagship model")
async def simulate(req: SimulateRequest, request: Request, format: Literal["json", "csv", "parquet"] = "json"):
    result, sc, best, response = await _in_thread(request, _simulate_core, req, request)
    if format != "json":
        return _table_response(result.to_dataframe(), format, f"iosim_{req.cancer}")
    return {
        "cancer": req.cancer,
        "therapies": req.therapies,
        "t": _clean(result.t),
        "series": {name: _clean(result[name]) for name in CORE_SERIES},
        "notes": list(sc.notes),
        "best_pct_change": round(best, 1),
        "response": response,
        "final": {name: float(result.final(name)) for name in ("tumour_cells", "effector_cells")},
        "extinctions": [[s, float(t)] for s, t in result.extinctions],
    }


def _simulate_model(req: ModelSimulateRequest, time_limit_s: float):
    from iosim.models import get_model, model_ids
    from iosim.simulation import simulate

    if req.model not in model_ids():
        from iosim.errors import UnknownNameError

        raise UnknownNameError("model", req.model, model_ids())
    m = get_model(req.model)
    times = np.linspace(0.0, req.days, 401)
    return _solve(simulate, m, req.days, params=req.params or None, initial=req.initial or None, times=times,
                  time_limit_s=time_limit_s)  # fmt: skip


@router.post("/simulate-model", summary="Simulate any library model with its defaults, optionally changed")
async def simulate_model(
    req: ModelSimulateRequest, request: Request, format: Literal["json", "csv", "parquet"] = "json"
):
    result = (await _in_thread(request, _simulate_model, req, _time_limit(request))).raise_for_status()
    if format != "json":
        return _table_response(result.to_dataframe(), format, f"iosim_{req.model}")
    return {
        "model": req.model,
        "t": _clean(result.t),
        "series": {name: _clean(result[name]) for name in result.names},
        "time_unit": result.model.time_unit,
    }


# -- the matrix ----------------------------------------------------------------------------
@router.get("/matrix", summary="The therapy x cancer response matrix (computed once, lazily)")
def matrix(request: Request) -> JSONResponse:
    cache = request.app.state.matrix
    status, df, error = cache.get()
    body = {"status": status, "error": error, "rows": []}
    if df is not None:
        body["rows"] = df.replace({np.nan: None}).to_dict(orient="records")
    return JSONResponse(body, status_code=200 if status == "ready" else 202 if status == "computing" else 500)


# -- trials --------------------------------------------------------------------------------
def _trial_spec(req: TrialRequest, request: Request):
    from iosim.errors import InputError
    from iosim.trials import parse_trial_spec

    cap = _settings(request).max_patients
    total = req.patients_per_arm * len(req.arms)
    if total > cap:
        raise InputError(f"{total} patients requested; this server runs at most {cap} per trial (all arms together)")
    data = {
        "name": "web", "cancer": req.cancer, "seed": req.seed, "patients_per_arm": req.patients_per_arm,
        "follow_up_months": req.follow_up_months,
        "arms": [{"name": a.name, "therapies": [_therapy(t) for t in a.therapies]} for a in req.arms],
    }  # fmt: skip
    if req.population == "calibrated":
        from iosim.library import population_path

        path = population_path(req.cancer)
        if path is None:
            raise InputError(f"no calibrated population for {req.cancer}; use population 'default'")
        data["population"] = str(path)
    spec = parse_trial_spec(data)
    _check_memory(spec, request)
    # Validate every arm now, so that a typo is a 422 and not a failed job.
    from iosim.scenario import build_scenario

    for i, a in enumerate(req.arms):
        sc = build_scenario(cancer=req.cancer, therapies=a.therapies, horizon_days=spec.follow_up_days)
        _check_doses(sc, spec.follow_up_days, request, where=f"arms.{i}.therapies")
    return spec


def _check_memory(spec, request: Request) -> None:
    from iosim.errors import InputError
    from iosim.web.limits import trial_memory_mb

    s = _settings(request)
    need = trial_memory_mb(spec, chunk_size=s.chunk_size)
    if need > s.max_memory_mb:
        raise InputError(
            f"patients_per_arm: {len(spec.arms)} x {spec.patients_per_arm} patients over {spec.follow_up_months:g} "
            f"months need about {need:.0f} MB; this server allows {s.max_memory_mb:g} MB per trial "
            "(--max-memory-mb): use fewer patients"
        )


def _therapy(text: str) -> dict:
    drug, sep, regimen = text.partition(":")
    return {"drug": drug.strip(), "regimen": regimen.strip() or None} if sep else {"drug": drug.strip()}


@router.post("/trials", status_code=202, summary="Start a virtual trial as a background job")
def start_trial(req: TrialRequest, request: Request) -> dict:
    from iosim.web.jobs import QueueFull

    spec = _trial_spec(req, request)
    try:
        job = request.app.state.jobs.submit(spec, chunk_size=_settings(request).chunk_size)
    except QueueFull as e:
        raise HTTPException(429, str(e)) from None
    return job.public()


JobId = Annotated[str, Path(max_length=MAX_ID_LENGTH, description="the id POST /api/trials answered")]


def _job(request: Request, job_id: str):
    job = request.app.state.jobs.get(job_id)
    if job is None:
        shown = job_id if job_id.isalnum() and job_id.isascii() else "that id"
        raise HTTPException(404, f"no trial job {shown} (finished jobs are kept only for a while)")
    return job


def _finished(request: Request, job_id: str):
    job = _job(request, job_id)
    if job.status != "done":
        raise HTTPException(409, f"trial job {job_id} is {job.status}; results exist once it is done")
    return job


@router.get("/trials/{job_id}", summary="A trial job's status, progress and (when done) summary")
def trial_status(job_id: JobId, request: Request) -> dict:
    return _job(request, job_id).public()


@router.post("/trials/{job_id}/cancel", summary="Cancel a queued or running trial")
def cancel_trial(job_id: JobId, request: Request) -> dict:
    _job(request, job_id)
    return request.app.state.jobs.cancel(job_id).public()


@router.get("/trials/{job_id}/plots", summary="Data for the waterfall, spider and Kaplan-Meier plots")
def trial_plots(job_id: JobId, request: Request) -> dict:
    """The report's plot data (:mod:`iosim.endpoints.plotdata`): the same patients, the same subsamples."""
    from iosim.endpoints.plotdata import plot_data_from_store
    from iosim.trials import ResultStore

    job = _finished(request, job_id)
    with ResultStore(job.folder / "results.duckdb", read_only=True) as store:
        data = plot_data_from_store(store, arms=[a.name for a in job.spec.arms])
    return data.to_json()


@router.get("/trials/{job_id}/outcomes.{fmt}", summary="Download per-patient outcomes (CSV or Parquet)")
def trial_outcomes(job_id: JobId, fmt: Literal["csv", "parquet"], request: Request):
    job = _finished(request, job_id)
    path = job.folder / f"outcomes.{fmt}"
    if not path.is_file():  # DuckDB writes the file in a stream: memory does not grow with the trial
        import uuid

        from iosim.trials import ResultStore

        tmp = job.folder / f".{uuid.uuid4().hex}.partial"  # concurrent downloads each write their own
        with ResultStore(job.folder / "results.duckdb", read_only=True) as store:
            store.write_table("outcomes", tmp, fmt)
        tmp.replace(path)
    media = "text/csv" if fmt == "csv" else "application/vnd.apache.parquet"
    disposition = f'attachment; filename="outcomes.{fmt}"'
    return FileResponse(path, media_type=media, headers={"Content-Disposition": disposition})


@router.get("/trials/{job_id}/summary.csv", summary="Download the arm summary")
def trial_summary(job_id: JobId, request: Request):
    job = _finished(request, job_id)
    return _table_response(job.summary, "csv", "summary")


@router.get("/trials/{job_id}/report.html", summary="The trial report (HTML)")
def trial_report(job_id: JobId, request: Request):
    job = _finished(request, job_id)
    return FileResponse(job.folder / "report.html", media_type="text/html",
                        headers={"Content-Disposition": 'attachment; filename="report.html"'})  # fmt: skip


@router.get("/limits", summary="This server's caps")
def limits(request: Request) -> dict:
    s = _settings(request)
    return {"max_patients": s.max_patients, "max_memory_mb": s.max_memory_mb, "max_jobs": s.max_jobs,
            "job_workers": s.job_workers, "trial_timeout_s": s.trial_timeout_s, "run_timeout_s": s.run_timeout_s,
            "max_runs": s.max_runs, "max_doses": s.max_doses, "max_body_kb": s.max_body_kb,
            "max_days": MAX_DAYS}  # fmt: skip
