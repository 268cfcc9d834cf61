"""``iosim events``: a virtual trial's results as a NONMEM / nlmixr2 data set."""

from __future__ import annotations

from pathlib import Path

import typer

from iosim.cli.app import app


@app.command("events")
def events(
    results: Path = typer.Argument(..., help="trial results folder (holding results.duckdb)"),
    out: Path = typer.Option(..., "--out", help="event table (.csv)"),
    doses: bool = typer.Option(True, "--doses/--no-doses", help="include the arms' dose rows (EVID 1)"),
) -> None:
    """Export a trial as an event table: ID, TIME (days), AMT, EVID, CMT, DV (sum of diameters), MDV, ARM, WT, HT."""
    from iosim.cli.common import check_output_path
    from iosim.exchange import trial_to_table

    check_output_path(out, (".csv",), "--out")
    table = trial_to_table(results, doses=doses)
    table.to_csv(out, index=False, na_rep=".")
    n_obs = int((table["EVID"] == 0).sum())
    typer.echo(f"{len(table):,} rows ({n_obs:,} observations, {len(table) - n_obs:,} doses), "
               f"{table['ID'].nunique():,} subjects -> {out}")  # fmt: skip
