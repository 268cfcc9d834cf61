"""``iosim landscape``: one drug's label monotherapy across every cancer type (:mod:`iosim.landscape`)."""

from __future__ import annotations

from pathlib import Path

import typer

from iosim.cli.app import app


@app.command()
def landscape(
    drug: str = typer.Option(..., "--drug", help="drug id (see `iosim drugs`), given at its default (label) regimen"),
    patients: int = typer.Option(500, "--patients", help="virtual patients per cancer type"),
    out: Path = typer.Option(Path("out/landscape"), "--out", help="folder for landscape.csv and landscape.png"),
    cancers: str = typer.Option(None, "--cancers", help="comma-separated cancer ids (default: all)"),
    workers: int = typer.Option(1, "--workers", help="local worker processes"),
    seed: int = typer.Option(None, "--seed", help="seed of every cancer's population (default 2026)"),
) -> None:
    """Predicted response of every cancer type to one drug, against its biology (TMB), beside observed ORRs."""
    import time

    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from iosim.errors import InputError
    from iosim.landscape import LANDSCAPE_SEED, MAX_LANDSCAPE_PATIENTS, landscape, plot_landscape

    if not 1 <= patients <= MAX_LANDSCAPE_PATIENTS:
        raise InputError(f"--patients {patients}: give a number of virtual patients from 1 to "
                         f"{MAX_LANDSCAPE_PATIENTS}")  # fmt: skip
    if workers < 1:
        raise InputError(f"--workers {workers}: give at least 1")
    if seed is not None and not 0 <= seed < 2**63:
        raise InputError(f"--seed {seed}: give a whole number from 0 to 2^63 - 1")
    if out.exists() and not out.is_dir():
        raise InputError(f"--out {out}: is a file; give a folder")
    cs = [c.strip() for c in cancers.split(",") if c.strip()] if cancers is not None else None
    if cs is not None and not cs:
        raise InputError(
            f"--cancers {cancers!r}: give comma-separated cancer ids (see `iosim cancers`) or leave it out"
        )
    from iosim.cancers import get_cancer
    from iosim.therapy.catalogue import get_drug

    get_drug(drug)  # unknown names fail here, in one line, before any simulation
    for c in cs or []:
        get_cancer(c)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise InputError(f"--out {out}: cannot create the folder ({e.strerror}); give a writable folder") from None
    start = time.perf_counter()
    with Progress("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=Console(stderr=True), transient=True) as bar:  # fmt: skip
        task = bar.add_task(f"landscape: {patients} virtual patients per cancer", total=None)
        df = landscape(drug, patients, cancers=cs, workers=workers,
                       seed=LANDSCAPE_SEED if seed is None else seed,
                       progress=lambda done, total: bar.update(task, completed=done, total=total))  # fmt: skip
    df.to_csv(out / "landscape.csv", index=False)
    plot_landscape(df, out / "landscape.png")
    from rich.table import Table

    from iosim.cli.therapy import _console

    table = Table("cancer", "TMB", "ORR [95% CI]", "CR", "median PFS (mo)", "observed ORR", "population", box=None)
    for r in df.itertuples():
        pfs = "not reached" if r.median_pfs_months != r.median_pfs_months else f"{r.median_pfs_months:.1f}"
        obs = "-" if r.observed_orr != r.observed_orr else f"{r.observed_orr:.0%}"
        table.add_row(r.cancer, f"{r.tmb:g}", f"{r.orr:.0%} [{100 * r.orr_ci_low:.0f}-{100 * r.orr_ci_high:.0f}]",
                      f"{r.cr_rate:.0%}", pfs, obs, "calibrated" if r.calibrated else "uncalibrated *")  # fmt: skip
    console = _console()
    console.print(table)
    console.print(f"{df['drug'].iloc[0]} {df['regimen'].iloc[0]} in {len(df)} cancer types, "
                  f"{time.perf_counter() - start:.0f} s; wrote {out / 'landscape.csv'} and {out / 'landscape.png'}. "
                  "* uncalibrated: no registry trial calibrated this cancer's population (docs/calibration.md); "
                  "observed ORRs are predicted comparisons (docs/cancers.md).", highlight=False)  # fmt: skip
