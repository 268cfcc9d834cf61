"""The therapy x cancer response matrix: each therapy at its labelled regimen in a virtual
population of each cancer type, read out RECIST-style.

Each cell is the therapy's virtual trial in the cancer (:func:`iosim.cancer_trials.cancer_trials`,
the very trials ``iosim landscape`` reads): ``patients`` virtual patients (default 500) of the cancer's
population, the calibrated one shipped in the package (:mod:`iosim.library`) where there is one, else
the cancer type's default spread, followed ``days`` (default the landscape's 24 months) from the same
seed; a cancer with no calibrated registry entry is marked ``uncalibrated``. At the defaults a
drug's column therefore shows the ORRs of ``iosim landscape --drug DRUG``. The
cell shows the population's ORR with its exact 95% interval, and the **median patient**: patients
ranked by best overall response (CR, PR, SD, PD, NE), then by best % change in the sum of
diameters, and the middle one taken (the lower middle for an even count). Ranking by response
first makes the median patient consistent with the population: it is a responder only when at least
half the patients respond, so no "PR" cell has a population ORR below 50%. Its time course
(diameters, cells, toxicity indicators) is that patient re-simulated day by day with the reference
engine.

Each cancer type is read by its own response criteria (:mod:`iosim.endpoints.criteria`, column
``criteria``): RECIST 1.1 for solid tumours, Lugano 2014 for lymphoma (SPD and PET), marrow remission
for B-ALL (CR + CRi counted as response). Tumour size is the sum of target-lesion diameters (output
``tumour_diameter_mm`` of the model ``core``), scanned every 8 weeks as in most immunotherapy trials. RECIST 1.1
(Eisenhauer 2009, Eur J Cancer 45:228) as in virtual trials (:mod:`iosim.endpoints.recist`):
CR = lesions gone, PR = at least 30% below baseline (confirmed 4 weeks later), PD = at least
20% (and 5 mm) above the nadir, SD otherwise. :func:`iosim.endpoints.one_patient.recist` reads one
patient's scans the same way without confirmation (the web app's single-patient readout; its module
says how long SD must last to count).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from iosim.cancer_trials import FOLLOW_UP_MONTHS, PATIENTS, SEED, cancer_population, therapy_parts
from iosim.endpoints.one_patient import SCAN_EVERY_DAYS
from iosim.errors import InputError
from iosim.simulation.options import SaveAt, SolverOptions
from iosim.trials.spec import DAYS_PER_MONTH

__all__ = ["MATRIX_DAYS", "MATRIX_PATIENTS", "MATRIX_SEED", "cancer_population", "median_patient", "plot_matrix",
           "response_matrix", "therapy_parts"]  # fmt: skip

MONTH_DAYS = 365.0 / 12  # so that "12 months" is day 365

#: Virtual patients per matrix cell: the landscape's (:mod:`iosim.cancer_trials`), so that the cells show its ORRs.
MATRIX_PATIENTS = PATIENTS
#: Seed of every cell's population: the landscape's.
MATRIX_SEED = SEED
#: Follow-up of every cell, days: the landscape's 24 months.
MATRIX_DAYS = FOLLOW_UP_MONTHS * DAYS_PER_MONTH
#: Best responses from best to worst; B-ALL's CRi ranks with PR and no remission (NR) with PD.
_RANK = {"CR": 0, "PR": 1, "CRi": 1, "SD": 2, "PD": 3, "NR": 3, "NE": 4}


def median_patient(outcomes, best_change: np.ndarray) -> int:
    """Row of the median patient: ranked by best response (failed integrations last), then by best % change."""
    ok = (outcomes["status"] == "ok").to_numpy()
    rank = np.where(ok, outcomes["best_response"].map(_RANK).fillna(len(_RANK)).to_numpy(), len(_RANK) + 1)
    change = np.where(np.isfinite(best_change), best_change, np.inf)
    order = np.lexsort((change, rank))
    return int(order[(len(order) - 1) // 2])


def _run_patient(cancer: str, therapy: str, days: float, person, population):
    """One patient of ``population`` (a row of its sampled parameters), simulated day by day."""
    from dataclasses import replace

    from iosim.scenario import build_scenario

    sc = build_scenario(cancer=cancer, therapies=therapy_parts(therapy), horizon_days=days,
                        patient={"weight_kg": person["weight_kg"], "height_cm": person["height_cm"]},
                        tumour_cells=person["tumour_cells"])  # fmt: skip
    own = {v.name: float(person[v.name]) for v in population.variations}
    sc = replace(sc, params={**sc.params, **population.overrides, **own})
    # Daily output (toxicity indicators need the CAR-T peak), plus the 6- and 12-month time points.
    months = [t for t in (6 * MONTH_DAYS, 12 * MONTH_DAYS) if t <= days]
    times = sorted({*np.arange(0.0, days + 1e-9, 1.0), *months, float(days)})
    return sc, sc.simulate(days, saveat=SaveAt(ts=tuple(times)), solver=SolverOptions(rtol=1e-6, atol=1e-6))


def response_matrix(
    cancers: Sequence[str] | None = None,
    therapies: Sequence[str] | None = None,
    *,
    days: float = MATRIX_DAYS,
    patients: int = MATRIX_PATIENTS,
    seed: int = MATRIX_SEED,
    workers: int = 1,
    progress: Callable[[int, int], None] | None = None,
):
    """One row per (cancer, therapy). ``therapies`` entries are ``DRUG[:REGIMEN]`` joined by ``+``
    for combinations (``"nivolumab+ipilimumab"``), or ``"none"``; a regimen gives each drug one kind of
    dose unit (per kg, per m² or flat), as in a virtual trial. ``progress(done, total)`` is called after
    each cell."""
    import pandas as pd

    from iosim.cancer_trials import cancer_trials
    from iosim.cancers import cancer_ids, get_cancer
    from iosim.therapy.catalogue import drug_ids
    from iosim.therapy.toxicity import crs_indicator, irae_indicator

    if not SCAN_EVERY_DAYS <= days:  # also NaN
        raise InputError(f"days={days:g}: the matrix reads scans every {SCAN_EVERY_DAYS:g} days; give at least that")
    cancers, therapies = list(cancers or cancer_ids()), list(therapies or drug_ids())
    cells = {}
    for th in therapies:
        trials = cancer_trials(th, cancers, patients, seed=seed, follow_up_months=days / DAYS_PER_MONTH,
                               workers=workers)  # fmt: skip
        for c, t in trials.items():
            cells[c, th] = t
            if progress:
                progress(len(cells), len(cancers) * len(therapies))
    rows = []
    for c in cancers:
        for th in therapies:
            t = cells[c, th]
            outcomes, change = t.outcomes, t.best_change
            m = median_patient(outcomes, change)
            sc, r = _run_patient(c, th, days, t.people.iloc[m], t.population)

            def at(name, month, r=r):
                tm = month * MONTH_DAYS
                return float(r.at(name, tm)) if tm <= days + 1e-9 and r.ok else float("nan")

            med_ok = outcomes["status"].iloc[m] == "ok"
            rows.append({
                "cancer": c, "therapy": th,
                "population": "calibrated" if t.calibrated else "uncalibrated",
                "calibration": t.status, "patients": t.patients,
                "orr": t.orr, "orr_low": t.orr_ci_low, "orr_high": t.orr_ci_high, "cr_rate": t.cr_rate,
                "median_pfs_months": t.median_pfs_months,
                "response": str(outcomes["best_response"].iloc[m]) if med_ok else "failed",
                "best_pct_change": round(float(change[m]), 1),
                "median_patient": int(outcomes["patient"].iloc[m]),
                "diameter_mm_baseline": float(r["tumour_diameter_mm"][0]) if r.ok else float("nan"),
                "diameter_mm_6mo": at("tumour_diameter_mm", 6),
                "diameter_mm_12mo": at("tumour_diameter_mm", 12),
                "tumour_cells_6mo": at("tumour_cells", 6),
                "tumour_cells_12mo": at("tumour_cells", 12),
                "crs_indicator": round(crs_indicator(r, weight_kg=float(t.people["weight_kg"].iloc[m])), 3)
                if r.ok else float("nan"),
                "irae_indicator": round(irae_indicator(r), 3) if r.ok else float("nan"),
                "notes": "; ".join(sc.notes),
                "criteria": get_cancer(c).response_criteria,
            })  # fmt: skip
    return pd.DataFrame(rows)


def plot_matrix(df, path: str | Path | None = None):
    """Heatmap of the population ORR (colour) with the median patient's best response and the ORR in
    each cell; uncalibrated cancers are starred."""
    import matplotlib

    if path is not None:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cancers = list(dict.fromkeys(df["cancer"]))
    therapies = list(dict.fromkeys(df["therapy"]))
    grid = np.full((len(cancers), len(therapies)), np.nan)
    labels = [["" for _ in therapies] for _ in cancers]
    starred = set(df.loc[df["population"] == "uncalibrated", "cancer"])
    for _, row in df.iterrows():
        i, j = cancers.index(row["cancer"]), therapies.index(row["therapy"])
        grid[i, j] = 100.0 * row["orr"]
        labels[i][j] = f"{row['response']}\n{row['orr']:.0%}"
    fig, ax = plt.subplots(figsize=(1.6 + 0.95 * len(therapies), 1.6 + 0.55 * len(cancers)))
    im = ax.imshow(grid, cmap="RdYlGn", vmin=0, vmax=100, aspect="auto")
    ax.set_xticks(range(len(therapies)), therapies, rotation=45, ha="right", fontsize=8)
    ax.set_yticks(range(len(cancers)), [f"{c} *" if c in starred else c for c in cancers], fontsize=8)
    for i in range(len(cancers)):
        for j in range(len(therapies)):
            ax.text(j, i, labels[i][j], ha="center", va="center", fontsize=6.5)
    fig.colorbar(im, ax=ax, label="objective response rate (%)")
    n = int(df["patients"].max()) if len(df) else 0
    ax.set_title(f"iosim core: ORR of {n} virtual patients per cell (colour, %) and the median patient's best "
                 "response (each cancer's criteria)\n* uncalibrated: no registry trial calibrated this cancer's "
                 "population",
                 fontsize=8)  # fmt: skip
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=120)
        plt.close(fig)
    return fig
