"""``iosim drugs``, ``iosim cancers`` and ``iosim matrix`` (the flagship model's catalogues)."""

from __future__ import annotations

from pathlib import Path

import typer

from iosim.cli.app import app

#: Longest follow-up of the response matrix: every cell simulates a patient day by day.
MAX_MATRIX_DAYS = 3652.5
#: Most virtual patients per matrix cell (the matrix has over a hundred cells).
MAX_MATRIX_PATIENTS = 10_000


def _console():
    """A rich console; when writing to a pipe or file, wide enough that no id is cut."""
    import sys

    from rich.console import Console

    return Console() if sys.stdout.isatty() else Console(width=240)


def _half_life(days: float) -> str:
    return f"{days:.3g} d" if days >= 1 else f"{days * 24:.3g} h"


@app.command()
def drugs(drug: str = typer.Argument(None, help="drug id for details (omit to list all)")) -> None:
    """List the drug catalogue, or show one drug's PK, regimens and sources."""
    from rich.table import Table

    from iosim.therapy.catalogue import DRUGS, get_drug

    console = _console()
    if drug is None:
        table = Table("id", "class", "target", "default regimen", "half-life", box=None)
        for d in DRUGS.values():
            hl = _half_life(d.half_life.value) if d.half_life else "cell kinetics"
            table.add_row(d.id, d.drug_class, d.target, d.regimens["default"], hl)
        console.print(table)
        return
    d = get_drug(drug)
    console.print(f"[bold]{d.id}[/bold] — {d.name}\n{d.drug_class}, target {d.target}: {d.description}")
    console.print(f"acts on model slot '{d.mechanism}' (dosed state {d.state})", highlight=False)
    if d.half_life:
        console.print(f"terminal half-life {_half_life(d.half_life.value)} — {d.half_life.source}", highlight=False)
    regs = Table("label", "regimen", title="Regimens", box=None)
    for label, text in d.regimens.items():
        regs.add_row(label, text)
    console.print(regs)
    console.print(f"regimen sources: {d.regimen_sources}", highlight=False)
    if d.lymphodepletion_days is not None:
        console.print(f"lymphodepletion on day 0, infusion on day {d.lymphodepletion_days:g}", highlight=False)
    for other, text, offset in d.companions:
        console.print(f"given with {other} {text} from {offset:g} d after infusion", highlight=False)
    params = Table("parameter", "value", "unit", "source", title="Model parameters set by this drug", box=None)
    extra = {"dose volume": d.dose_volume, "active fraction": d.active_fraction}
    for name, v in [*d.parameters.items(), *((k, v) for k, v in extra.items() if v is not None)]:
        params.add_row(name, f"{v.value:.4g}", v.unit, v.source)
    console.print(params)


@app.command()
def cancers(cancer: str = typer.Argument(None, help="cancer id for details (omit to list all)")) -> None:
    """List the cancer types, or show one type's biology with sources and whether its population is calibrated."""
    from rich.table import Table

    from iosim.cancers import CANCERS, get_cancer
    from iosim.validation import calibration_status

    console = _console()
    if cancer is None:
        table = Table("id", "name", "doubling (d)", "burden", "TMB", "immunogenicity", "infiltration", "PD-L1",
                      "targets", "population", box=None)  # fmt: skip
        for c in CANCERS.values():
            targets = ", ".join(f"{k} {v.value:.0%}" for k, v in c.targets.items() if v.value > 0) or "-"
            table.add_row(
                c.id, c.name, f"{c.doubling_days.value:g}", f"{c.tumour_cells.value:.0e}",
                f"{c.neoantigen_load.value:g}", f"{c.immunogenicity:.2f}", f"{c.infiltration.value:g}",
                f"{c.pdl1.value:g}", targets, calibration_status(c.id),
            )  # fmt: skip
        console.print(table)
        return
    c = get_cancer(cancer)
    console.print(f"[bold]{c.id}[/bold] — {c.name}")
    table = Table("field", "value", "unit", "source", box=None)
    fields = [("doubling time", c.doubling_days), ("burden at start", c.tumour_cells),
              ("neoantigen load", c.neoantigen_load), ("antigen presentation", c.presentation),
              ("T-cell infiltration", c.infiltration), ("PD-L1", c.pdl1),
              *((f"target {k}", v) for k, v in c.targets.items())]  # fmt: skip
    for label, v in fields:
        table.add_row(label, f"{v.value:g}", v.unit, v.source)
    console.print(table)
    console.print(f"immunogenicity (presentation x load / 10): {c.immunogenicity:.3g}", highlight=False)
    from iosim.endpoints.criteria import describe

    console.print(f"response criteria (trials' default): {c.response_criteria} — {describe(c.response_criteria)}",
                  highlight=False)  # fmt: skip
    status = calibration_status(c.id)
    how = ("fitted to the registry trials named" if status != "uncalibrated"
           else "no registry trial calibrated this cancer's population")  # fmt: skip
    console.print(f"population: {status} — {how} (docs/calibration.md)", highlight=False)


def _check_names(cancers: list[str] | None, therapies: list[str] | None, days: float) -> None:
    """Unknown cancers, drugs or regimens fail here, in one line, before any simulation."""
    from iosim.cancers import cancer_ids, get_cancer
    from iosim.matrix import therapy_parts
    from iosim.trials.arms import plan_arm

    for c in cancers or []:
        get_cancer(c)
    for t in therapies or []:  # as the virtual population will be treated
        plan_arm((cancers or cancer_ids())[0], therapy_parts(t), days)


def matrix_cell(row) -> str:
    """``PR 62% [55-69]``: the median patient's best response, the population ORR and its 95% CI."""
    if row.orr != row.orr:  # no patient simulated successfully
        return f"{row.response} -"
    return f"{row.response} {row.orr:.0%} [{100 * row.orr_low:.0f}-{100 * row.orr_high:.0f}]"


def matrix_tables(df, width: int) -> list:
    """The matrix as rich tables no wider than ``width``: therapies are split into groups of columns
    that fit, so that no cell or name is ever cut (a narrow terminal gets several stacked tables)."""
    from rich.table import Table

    cancers = list(dict.fromkeys(df["cancer"]))
    therapies = list(dict.fromkeys(df["therapy"]))
    starred = set(df.loc[df["population"] == "uncalibrated", "cancer"])
    names = {c: f"{c} *" if c in starred else c for c in cancers}
    cells = {(r.cancer, r.therapy): matrix_cell(r) for r in df.itertuples()}
    first = max(len("cancer"), *(len(n) for n in names.values()))
    widths = {t: max(len(t), *(len(cells[c, t]) for c in cancers)) for t in therapies}
    groups: list[list[str]] = []
    used = width  # start a new group at once
    for t in therapies:
        need = widths[t] + 2  # one space of padding on each side of the column gap
        if used + need > width and (not groups or groups[-1]):
            groups.append([])
            used = first
        groups[-1].append(t)
        used += need
    tables = []
    for group in groups:
        table = Table(box=None, pad_edge=False, padding=(0, 1), expand=False)
        table.add_column("cancer", no_wrap=True, min_width=first)
        for t in group:
            table.add_column(t, no_wrap=True, min_width=widths[t])
        for c in cancers:
            table.add_row(names[c], *(cells[c, t] for t in group))
        tables.append(table)
    return tables


@app.command()
def matrix(
    cancers: str = typer.Option(None, "--cancers", help="comma-separated cancer ids (default: all)"),
    therapies: str = typer.Option(
        None, "--therapies", help="comma-separated DRUG[:REGIMEN], '+' for combinations (default: every drug)"
    ),
    days: float = typer.Option(730.5, "--days", help="follow-up in days (default: the landscape's 24 months)"),
    patients: int = typer.Option(500, "--patients", help="virtual patients per cell (default: the landscape's)"),
    out: Path = typer.Option(None, "--out", help="write the table to FILE.csv or FILE.parquet"),
    plot: Path = typer.Option(None, "--plot", help="write the heatmap to FILE.png"),
) -> None:
    """Therapy x cancer matrix: population ORR with its 95% CI and the median patient's best response (each
    cancer's criteria: RECIST 1.1, Lugano 2014 for lymphoma, remission for B-ALL)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn, TimeRemainingColumn

    from iosim.cli.common import check_output_path, write_table
    from iosim.matrix import SCAN_EVERY_DAYS, plot_matrix, response_matrix

    check_output_path(out, (".csv", ".parquet"), "--out")
    check_output_path(plot, (".png", ".svg", ".pdf"), "--plot")
    if not SCAN_EVERY_DAYS <= days <= MAX_MATRIX_DAYS:  # also rejects NaN, which the daily output grid cannot hold
        from iosim.errors import InputError

        raise InputError(f"--days {days:g}: give a follow-up from {SCAN_EVERY_DAYS:g} days (the first scan) to "
                         f"{MAX_MATRIX_DAYS:g} days (10 years)")  # fmt: skip
    if not 1 <= patients <= MAX_MATRIX_PATIENTS:
        from iosim.errors import InputError

        raise InputError(f"--patients {patients}: give a number of virtual patients from 1 to {MAX_MATRIX_PATIENTS}")
    cs = [c.strip() for c in cancers.split(",") if c.strip()] if cancers else None
    ts = [t.strip() for t in therapies.split(",") if t.strip()] if therapies else None
    _check_names(cs, ts, days)
    from rich.console import Console

    def advance(done: int, total: int) -> None:
        bar.update(task, completed=done, total=total)

    with Progress(
        "[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        TimeRemainingColumn(), console=Console(stderr=True), transient=True,
    ) as bar:  # fmt: skip
        task = bar.add_task(f"matrix: {patients} virtual patients per cell", total=None)
        df = response_matrix(cs, ts, days=days, patients=patients, progress=advance)
    if out is not None:
        write_table(df, out)
    if plot is not None:
        plot_matrix(df, plot)
    console = _console()
    for table in matrix_tables(df, console.width):
        console.print(table)
        console.print()
    used: dict[str, list[str]] = {}
    for r in df.drop_duplicates("cancer").itertuples():
        used.setdefault(r.criteria, []).append(r.cancer)
    console.print(
        f"Each cell: the median patient's best response, then the ORR of {patients} virtual patients "
        "with its 95% interval. * uncalibrated: no registry trial calibrated this cancer's population "
        "(docs/calibration.md). Response criteria (ORR: CR + PR; CR + CRi for B-ALL): "
        + "; ".join(f"{crit} for {', '.join(cs)}" for crit, cs in used.items()) + ".",
        highlight=False,
    )
