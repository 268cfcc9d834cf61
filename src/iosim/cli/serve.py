"""``iosim serve``: the web app (explainer, workbench, JSON API) on a local address."""

from __future__ import annotations

import typer

from iosim.cli.app import app


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="address to bind; the default keeps the app on this machine"),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="TCP port"),
    max_patients: int = typer.Option(400, "--max-patients", min=1, help="most patients per trial (all arms)"),
    job_workers: int = typer.Option(1, "--job-workers", min=1, help="trials that run at the same time"),
    max_jobs: int = typer.Option(4, "--max-jobs", min=1, help="trials queued or running before requests get 429"),
) -> None:
    """Serve the web app: a plain-language explainer, the workbench and the JSON API (docs at /docs)."""
    import uvicorn

    from iosim.errors import InputError
    from iosim.web import create_app

    if max_jobs < job_workers:
        raise InputError("--max-jobs must be at least --job-workers")
    if host not in ("127.0.0.1", "localhost", "::1"):
        typer.echo(f"warning: binding {host} makes the app reachable from other machines; it has no login "
                   "(see docs/security.md)", err=True)  # fmt: skip
    typer.echo(f"iosim: serving on http://{host}:{port}/ (Ctrl-C to stop)", err=True)
    web = create_app(max_patients=max_patients, job_workers=job_workers, max_jobs=max_jobs)
    uvicorn.run(web, host=host, port=port, log_level="warning")
