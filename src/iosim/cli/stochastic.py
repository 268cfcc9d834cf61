"""``iosim stochastic`` and ``iosim surveillance``: the model declarations read as events."""

from __future__ import annotations

from pathlib import Path

import typer

from iosim.cli.app import app

_TABLES = (".csv", ".parquet")
_FIGURES = (".png", ".svg", ".pdf")
#: Most replicates one command runs: each needs its own seeds and trajectory rows, and a
#: typo such as 1000000000 would otherwise fail only when memory runs out.
MAX_REPLICATES = 1_000_000
_DOSE_HELP = "STATE:AMOUNT@DAY[,every=DAYS,count=N,over=DAYS] or STATE=VALUE@DAY (repeatable)"


def _seed_note(seed: int | None, entropy) -> None:
    if seed is None:
        typer.echo(f"note: no --seed given; rerun with --seed {entropy} to reproduce these replicates", err=True)


@app.command()
def stochastic(
    model: str = typer.Argument(..., help="model id (see `iosim models`) or model file"),
    replicates: int = typer.Option(
        ..., "--replicates", min=1, max=MAX_REPLICATES, help="number of independent stochastic paths"
    ),
    days: float = typer.Option(..., "--days", help="simulated time, in days"),
    method: str = typer.Option("ssa", "--method", help="ssa (exact), tau (tau-leaping) or hybrid"),
    seed: int = typer.Option(None, "--seed", min=0, help="random seed; the same seed reproduces every replicate"),
    set_: list[str] = typer.Option(None, "--set", help="parameter value NAME=VALUE (repeatable)"),
    init: list[str] = typer.Option(None, "--init", help="initial state STATE=VALUE (repeatable)"),
    dose: list[str] = typer.Option(None, "--dose", help=_DOSE_HELP),
    every: float = typer.Option(1.0, "--every", help="output interval in days"),
    summary: bool = typer.Option(False, "--summary", help="write mean, SD and quantiles per time and state"),
    workers: int = typer.Option(1, "--workers", help="threads (results do not depend on it)"),
    out: Path = typer.Option(None, "--out", help="write the table to FILE.csv or FILE.parquet"),
    extinction_out: Path = typer.Option(
        None, "--extinction-out", help="write each replicate's extinction times to FILE.csv or FILE.parquet"
    ),
) -> None:
    """Simulate replicates event by event; write trajectories (or --summary) and report extinctions."""
    from iosim.cli._progress import progress_bar
    from iosim.cli.common import check_output_path, parse_assignments, write_table
    from iosim.dosing import combine, parse_dose
    from iosim.models import load
    from iosim.simulation.options import SaveAt, SolverOptions
    from iosim.simulation.reference import doses_within
    from iosim.stochastic import simulate_stochastic
    from iosim.stochastic.engine import method_named

    check_output_path(out, _TABLES, "--out")
    check_output_path(extinction_out, _TABLES, "--extinction-out")
    m, carried = load(model)  # a model file's doses (SBML events) come with it
    params, initial = parse_assignments(set_, "--set"), parse_assignments(init, "--init")
    regimen = doses_within(carried, days) + combine(parse_dose(d) for d in dose or [])
    with progress_bar(f"{m.id}: replicates") as progress:
        res = simulate_stochastic(
            m, days, replicates=replicates, seed=seed, params=params, initial=initial, regimen=regimen,
            saveat=SaveAt(every=every), solver=SolverOptions(method=method_named(method)), workers=workers,
            progress=progress,
        )  # fmt: skip
    df = res.summary() if summary else res.to_dataframe()
    if out is not None:
        write_table(df, out)
    else:
        typer.echo(df.to_csv(index=False), nl=False)
    if extinction_out is not None:
        write_table(res.extinction_table(), extinction_out)
    _seed_note(seed, res.seed)
    failed = int((~res.ok).sum())
    if failed:
        typer.echo(
            f"warning: {failed} of {res.replicates} replicates stopped early (status in --extinction-out)", err=True
        )
    for i, s in enumerate(m.state_names):
        if m.states[i].kind != "cells":
            continue
        pr = res.p_extinct(s)
        ext = res.extinction_times[res.ok, i]
        ext = ext[ext == ext]
        when = f"; median extinction time {float(sorted(ext)[len(ext) // 2]):.4g} days" if len(ext) else ""
        typer.echo(
            f"note: {s} extinct at day {days:g} in {pr.successes}/{pr.trials} replicates "
            f"({pr.p:.1%}, 95% Wilson CI {pr.ci_low:.1%}-{pr.ci_high:.1%}){when}",
            err=True,
        )


@app.command()
def surveillance(
    model: str = typer.Option("kuznetsov1994", "--model", help="model id or model file (ignored with --cancer)"),
    cancer: str = typer.Option(None, "--cancer", help="cancer type (flagship model `core`)"),
    therapy: list[str] = typer.Option(None, "--therapy", help="DRUG[:REGIMEN], a+b for a combination (repeatable)"),
    sizes: str = typer.Option(..., "--sizes", help="initial tumour sizes in cells, e.g. 1,10,100"),
    replicates: int = typer.Option(..., "--replicates", min=1, max=MAX_REPLICATES, help="replicates per size"),
    days: float = typer.Option(60.0, "--days", help="time by which the tumour must be extinct, in days"),
    seed: int = typer.Option(None, "--seed", min=0, help="random seed; the same seed reproduces the table"),
    state: str = typer.Option(None, "--state", help="tumour state (default: the model's tumour_cells output)"),
    set_: list[str] = typer.Option(None, "--set", help="parameter value NAME=VALUE (repeatable)"),
    init: list[str] = typer.Option(None, "--init", help="initial state STATE=VALUE (repeatable)"),
    dose: list[str] = typer.Option(None, "--dose", help=f"treatment arm: {_DOSE_HELP}"),
    method: str = typer.Option("hybrid", "--method", help="hybrid (default), ssa or tau"),
    escape_cells: float = typer.Option(1e4, "--escape-cells", help="a tumour reaching this size has escaped"),
    workers: int = typer.Option(1, "--workers", help="threads (results do not depend on it)"),
    out: Path = typer.Option(..., "--out", help="write the table to FILE.csv"),
    plot: Path = typer.Option(None, "--plot", help="write the elimination curve to FILE.png"),
) -> None:
    """Probability that a tumour of each initial size is eliminated, with Wilson 95% intervals.

    With --dose or --therapy, the table has a control and a treated arm (column `arm`).
    """
    import numpy as np
    import pandas as pd

    from iosim.cli._progress import offset, progress_bar
    from iosim.cli.common import check_output_path, parse_assignments, split_therapies
    from iosim.dosing import combine, parse_dose
    from iosim.errors import InputError
    from iosim.stochastic.engine import method_named
    from iosim.stochastic.surveillance import plot_surveillance
    from iosim.stochastic.surveillance import surveillance as run

    check_output_path(out, (".csv",), "--out")
    check_output_path(plot, _FIGURES, "--plot")
    try:
        size_list = [float(x) for x in sizes.split(",") if x.strip()]
    except ValueError:
        raise InputError(f"--sizes {sizes!r}: write whole numbers separated by commas, e.g. 1,10,100") from None
    params = parse_assignments(set_, "--set")
    initial = parse_assignments(init, "--init")
    arms: dict[str, tuple] = {}
    if cancer or therapy:
        m, arms = _flagship_arms(cancer, split_therapies(therapy), params, initial)
    else:
        from iosim.models import load
        from iosim.simulation.reference import doses_within

        m, carried = load(model)  # a model file's own doses belong to both arms
        carried = doses_within(carried, days)
        treated = carried + combine(parse_dose(d) for d in dose or [])
        arms["control"] = (params, initial, carried if len(carried) else None)
        if len(treated) > len(carried):
            arms["treated"] = (params, initial, treated)
    seed_used = seed if seed is not None else int(np.random.SeedSequence().entropy % (2**63))
    per_arm = replicates * len(size_list)
    with progress_bar(f"surveillance: {len(arms)} arm(s) x {len(size_list)} sizes, replicates") as progress:
        tables = {}
        for k, (arm, (p, i, r)) in enumerate(arms.items()):
            tables[arm] = run(
                m, state, size_list, replicates=replicates, t_end=days, seed=seed_used, method=method_named(method),
                params=p, initial=i, regimen=r, escape_cells=escape_cells, workers=workers,
                progress=offset(progress, k * per_arm, len(arms) * per_arm),
            )  # fmt: skip
    if len(tables) == 1:
        df = next(iter(tables.values()))
    else:
        df = pd.concat([t.assign(arm=arm) for arm, t in tables.items()], ignore_index=True)
        df = df[["arm", *[c for c in df.columns if c != "arm"]]]
    df.to_csv(out, index=False)
    if plot is not None:
        plot_surveillance(tables, plot)
    _seed_note(seed, seed_used)


def _flagship_arms(cancer: str | None, therapies: list[str], params: dict, initial: dict):
    """Control and treated arms of the flagship model, when it can be read as events."""
    from iosim.errors import InputError

    if not cancer:
        raise InputError("--therapy needs --cancer (the flagship model `core`); see `iosim cancers`")
    try:
        from iosim.scenario import build_scenario
    except ImportError:
        raise InputError(
            "--cancer/--therapy need the flagship model `core` and iosim.scenario, which are not available in this "
            "version; use --model MODEL with --dose instead"
        ) from None
    control = build_scenario(cancer=cancer, therapies=[], patient={}, tumour_cells=None)
    from iosim.stochastic.surveillance import tumour_states

    model = control.model
    eq_states = {s for s, _ in model.equations}
    tumour = tumour_states(model)
    if not model.reactions or any(s in eq_states for s in tumour):
        raise InputError(
            "the flagship model `core` cannot yet be read as events (its tumour is not declared by reactions); "
            "use --model MODEL with --dose instead"
        )
    arms = {"control": ({**control.params, **params}, {**control.initial, **initial}, control.regimen)}
    if therapies:
        sc = build_scenario(cancer=cancer, therapies=therapies, patient={}, tumour_cells=None)
        arms["treated"] = ({**sc.params, **params}, {**sc.initial, **initial}, sc.regimen)
    return model, arms
