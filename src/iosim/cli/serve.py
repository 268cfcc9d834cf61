"""``iosim serve``: the web app (explainer, workbench, JSON API) on a local address.

Every cap of the app is an option here; ``docs/security.md`` explains what each one bounds.
"""

from __future__ import annotations

import typer

from iosim.cli.app import app


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="address to bind; the default keeps the app on this machine"),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="TCP port"),
    max_patients: int = typer.Option(400, "--max-patients", min=1, help="most patients per trial (all arms)"),
    max_memory_mb: float = typer.Option(
        512.0, "--max-memory-mb", min=1.0, help="most estimated working memory of one trial (MB); larger ones get 422"
    ),
    job_workers: int = typer.Option(1, "--job-workers", min=1, help="trials that run at the same time"),
    max_jobs: int = typer.Option(4, "--max-jobs", min=1, help="trials queued or running before requests get 429"),
    trial_timeout: float = typer.Option(
        300.0, "--trial-timeout", min=1.0, help="seconds a trial may run; it stops at the next chunk of patients"
    ),
    max_runs: int = typer.Option(
        2, "--max-runs", min=1, help="single simulations running at once, timed-out ones included; others wait"
    ),
    run_timeout: float = typer.Option(
        30.0, "--run-timeout", min=0.1, help="seconds a single simulation request may take before it gets 503"
    ),
    max_doses: int = typer.Option(
        2000, "--max-doses", min=1, help="most doses in one simulation or trial arm (each one restarts the solver)"
    ),
    max_body_kb: float = typer.Option(64.0, "--max-body-kb", min=1.0, help="largest request body (KiB); beyond: 413"),
    matrix_patients: int = typer.Option(
        None, "--matrix-patients", min=1, max=10_000,
        help="virtual patients per matrix cell (default: the landscape's 500, so the ORRs are iosim landscape's)",
    ),
    allow_host: list[str] = typer.Option(
        None, "--allow-host", help="a host name the app also answers to, besides localhost and --host (repeatable)"
    ),
) -> None:
    """Serve the web app: a plain-language explainer, the workbench and the JSON API (docs at /docs).

    The app answers only requests whose Host header is localhost, 127.0.0.1, [::1], --host or an
    --allow-host name (the guard against DNS rebinding)."""
    import uvicorn

    from iosim.cancer_trials import PATIENTS
    from iosim.errors import InputError
    from iosim.web import create_app

    if max_jobs < job_workers:
        raise InputError("--max-jobs must be at least --job-workers")
    if host not in ("127.0.0.1", "localhost", "::1"):
        typer.echo(f"warning: binding {host} makes the app reachable from other machines; it has no login "
                   "(see docs/security.md)", err=True)  # fmt: skip
    web = create_app(
        max_patients=max_patients, max_memory_mb=max_memory_mb, job_workers=job_workers, max_jobs=max_jobs,
        trial_timeout_s=trial_timeout, max_runs=max_runs, run_timeout_s=run_timeout, max_doses=max_doses,
        max_body_kb=max_body_kb, allowed_hosts=(host, *(allow_host or ())),
        matrix_patients=PATIENTS if matrix_patients is None else matrix_patients,
    )  # fmt: skip
    typer.echo(f"iosim: serving on http://{host}:{port}/ (Ctrl-C to stop)", err=True)
    uvicorn.run(web, host=host, port=port, log_level="warning")
