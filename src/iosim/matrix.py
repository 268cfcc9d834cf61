"""The therapy x cancer response matrix: each therapy at its labelled regimen in a typical
patient of each cancer type, read out RECIST-style.

Tumour size is the sum of target-lesion diameters (output ``tumour_diameter_mm`` of the
model ``core``), scanned every 8 weeks as in most immunotherapy trials. RECIST 1.1
(Eisenhauer 2009, Eur J Cancer 45:228): CR = lesions gone (each below the CT detection limit
of 2 mm), PR = at least 30% below baseline, PD = at least 20% (and 5 mm) above the nadir,
SD otherwise; the best overall response is the best one before the first PD. SD counts only
once it has lasted :data:`MIN_SD_DAYS` (RECIST leaves the minimum to the protocol, "in general
not less than 6-8 weeks"; iosim uses 12 weeks, so that a tumour still growing slowly at the
first scan and progressing at the second is PD).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from iosim.models._core_parts import DETECTION_DIAMETER_MM, TARGET_LESIONS

SCAN_EVERY_DAYS = 56.0
MIN_SD_DAYS = 84.0
MONTH_DAYS = 365.0 / 12  # so that "12 months" is day 365


def recist(diameters: np.ndarray, times: np.ndarray | None = None) -> tuple[float, str]:
    """Best % change from baseline and best overall response for scans ``diameters[0..]`` (0 = baseline)
    taken at ``times`` (default: every :data:`SCAN_EVERY_DAYS`)."""
    diameters = np.asarray(diameters, float)
    times = SCAN_EVERY_DAYS * np.arange(diameters.size) if times is None else np.asarray(times, float)
    base = float(diameters[0])
    if base <= 0:
        raise ValueError("baseline sum of diameters must be positive")
    changes = (diameters[1:] - base) / base * 100.0
    best_change = float(np.min(changes)) if changes.size else 0.0
    order = {"CR": 0, "PR": 1, "SD": 2, "PD": 3}
    best: str | None = None
    nadir, progressed = base, False
    for t, d in zip(times[1:], diameters[1:]):
        if d < TARGET_LESIONS * DETECTION_DIAMETER_MM:
            status = "CR"
        elif d >= 1.2 * nadir and d - nadir >= 5.0:
            status = "PD"
        elif d <= 0.7 * base:
            status = "PR"
        else:
            status = "SD"
        if status == "PD":
            progressed = True
            break
        if status == "SD" and t < MIN_SD_DAYS:
            nadir = min(nadir, float(d))
            continue
        if best is None or order[status] < order[best]:
            best = status
        nadir = min(nadir, float(d))
    if best is None:  # nothing qualified before progression (or before the end)
        best = "PD" if progressed else "SD"
    return best_change, best


def _run(cancer: str, therapy: str, days: float):
    from iosim.scenario import build_scenario

    parts = [p for p in therapy.split("+") if p] if therapy != "none" else []
    sc = build_scenario(cancer=cancer, therapies=parts)
    # Daily output (toxicity indicators need the CAR-T peak), plus the 6- and 12-month time points.
    months = [t for t in (6 * MONTH_DAYS, 12 * MONTH_DAYS) if t <= days]
    times = sorted({*np.arange(0.0, days + 1e-9, 1.0), *months, float(days)})
    return sc, sc.simulate(days, times=times, rtol=1e-6, atol=1e-6)


def response_matrix(cancers: Sequence[str] | None = None, therapies: Sequence[str] | None = None, *, days: float = 365):
    """One row per (cancer, therapy). ``therapies`` entries are ``DRUG[:REGIMEN]`` joined by ``+``
    for combinations (``"nivolumab:with_ipilimumab+ipilimumab"``), or ``"none"``."""
    import pandas as pd

    from iosim.cancers import cancer_ids
    from iosim.therapy.catalogue import drug_ids
    from iosim.therapy.toxicity import crs_indicator, irae_indicator

    rows = []
    for c in cancers or cancer_ids():
        for th in therapies or drug_ids():
            sc, r = _run(c, th, days)
            d = r["tumour_diameter_mm"]
            phase = np.mod(r.t, SCAN_EVERY_DAYS)
            scans = np.isclose(phase, 0.0) | np.isclose(phase, SCAN_EVERY_DAYS)
            best, response = recist(d[scans], r.t[scans])

            def at(name, month, r=r):
                t = month * MONTH_DAYS
                return float(r.at(name, t)) if t <= days + 1e-9 else float("nan")

            rows.append(
                {
                    "cancer": c,
                    "therapy": th,
                    "best_pct_change": round(best, 1),
                    "response": response if r.ok else "failed",
                    "diameter_mm_baseline": float(d[0]),
                    "diameter_mm_6mo": at("tumour_diameter_mm", 6),
                    "diameter_mm_12mo": at("tumour_diameter_mm", 12),
                    "tumour_cells_6mo": at("tumour_cells", 6),
                    "tumour_cells_12mo": at("tumour_cells", 12),
                    "crs_indicator": round(crs_indicator(r), 3),
                    "irae_indicator": round(irae_indicator(r), 3),
                    "notes": "; ".join(sc.notes),
                }
            )
    return pd.DataFrame(rows)


def plot_matrix(df, path: str | Path | None = None):
    """Heatmap of best % change (colour) with the RECIST response written in each cell."""
    import matplotlib

    if path is not None:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cancers = list(dict.fromkeys(df["cancer"]))
    therapies = list(dict.fromkeys(df["therapy"]))
    grid = np.full((len(cancers), len(therapies)), np.nan)
    labels = [["" for _ in therapies] for _ in cancers]
    for _, row in df.iterrows():
        i, j = cancers.index(row["cancer"]), therapies.index(row["therapy"])
        grid[i, j] = max(-100.0, min(100.0, row["best_pct_change"]))
        labels[i][j] = row["response"]
    fig, ax = plt.subplots(figsize=(1.0 + 0.9 * len(therapies), 1.2 + 0.5 * len(cancers)))
    im = ax.imshow(grid, cmap="RdYlGn_r", vmin=-100, vmax=100, aspect="auto")
    ax.set_xticks(range(len(therapies)), therapies, rotation=45, ha="right", fontsize=8)
    ax.set_yticks(range(len(cancers)), cancers, fontsize=8)
    for i in range(len(cancers)):
        for j in range(len(therapies)):
            ax.text(j, i, labels[i][j], ha="center", va="center", fontsize=7)
    fig.colorbar(im, ax=ax, label="best % change in sum of diameters")
    ax.set_title("iosim core: best overall response (RECIST 1.1), typical patient", fontsize=9)
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=120)
        plt.close(fig)
    return fig
