"""Simulated against observed patients, on the same footing: first-target-lesion metrics and plots."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from iosim.errors import InputError
from iosim.trials.store import ResultStore
from iosim.vpop.observables import comparable, first_lesion_series, ks_distance, lesion_metrics, summarise

#: Shipped observed series, by name (``patient, day, diameter_mm``; one lesion per patient).
OBSERVED = {
    "oak_atezolizumab": ("atezolizumab", "OAK atezolizumab arm (Laleh et al. 2022, Study_4_Arm_2)"),
    "oak_docetaxel": ("docetaxel", "OAK docetaxel arm (Laleh et al. 2022, Study_4_Arm_1)"),
}


def observed_series(name: str) -> pd.DataFrame:
    """A shipped observed series by name, or a CSV file with columns patient, day, diameter_mm."""
    import iosim.data

    if name in OBSERVED:
        return iosim.data.oak(OBSERVED[name][0])
    path = Path(name)
    if path.suffix != ".csv" or not path.is_file():
        raise InputError(f"observed data {name[:200]!r}: use {', '.join(OBSERVED)} or a CSV file "
                         "with columns patient, day, diameter_mm")  # fmt: skip
    df = pd.read_csv(path)
    missing = {"patient", "day", "diameter_mm"} - set(df.columns)
    if missing:
        raise InputError(f"observed data {path.name}: missing column(s) {', '.join(sorted(missing))}")
    return df


def comparison(simulated: pd.DataFrame, observed: pd.DataFrame) -> pd.DataFrame:
    """One row per metric: observed, simulated (both from :func:`lesion_metrics` tables), and KS distances."""
    so, ss = summarise(observed), summarise(simulated)
    rows = [{"metric": k, "observed": so[k], "simulated": ss[k]} for k in so]
    observed, simulated = comparable(observed), comparable(simulated)
    obs_g = np.log(observed["g"].clip(lower=1e-5))
    sim_g = np.log(simulated["g"].clip(lower=1e-5))
    rows.append({"metric": "ks_best_pct_change", "observed": 0.0,
                 "simulated": ks_distance(simulated["best_pct_change"], observed["best_pct_change"])})
    rows.append({"metric": "ks_log_g", "observed": 0.0, "simulated": ks_distance(sim_g, obs_g)})
    return pd.DataFrame(rows)


def compare_trial(results: str | Path, arm: str, observed: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(comparison table, simulated metrics) for ``arm`` of the trial stored in folder ``results``."""
    with ResultStore(Path(results) / "results.duckdb", read_only=True) as store:
        arms = set(store.query("SELECT DISTINCT arm FROM outcomes")["arm"])
        if arm not in arms:
            raise InputError(f"the trial in {results} has no arm {arm!r}; choose from {', '.join(sorted(arms))}")
        series = first_lesion_series(store, arm)
    sim = lesion_metrics(series)
    return comparison(sim, lesion_metrics(observed)), sim


def plot_comparison(simulated: pd.DataFrame, observed: pd.DataFrame, path: str | Path, title: str = "") -> Path:
    """Waterfalls (observed, simulated), best-% -change CDFs and growth/shrinkage-rate histograms, over the
    patients with at least three scans on both sides."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    simulated, observed = comparable(simulated), comparable(observed)
    fig, ax = plt.subplots(2, 3, figsize=(15, 8.5))
    for a, (label, m) in zip(ax[0, :2], (("observed", observed), ("simulated", simulated))):
        b = np.sort(m["best_pct_change"].dropna().to_numpy())[::-1]
        colour = np.where(b <= -30, "#2b8cbe", np.where(b >= 20, "#e34a33", "#bdbdbd"))
        a.bar(np.arange(b.size), np.clip(b, -100, 150), color=colour, width=1.0)
        for y in (-30, 20):
            a.axhline(y, ls="--", lw=0.8, color="k")
        a.set(title=f"{label}: first target lesion, best % change (n={b.size})", ylabel="best % change",
              xlabel="patients", ylim=(-105, 155))  # fmt: skip
    a = ax[0, 2]
    for label, m, c in (("observed", observed, "k"), ("simulated", simulated, "#2b8cbe")):
        b = np.sort(m["best_pct_change"].dropna().to_numpy())
        a.step(b, np.arange(1, b.size + 1) / b.size, where="post", color=c, label=label)
    a.axvline(-30, ls="--", lw=0.8, color="grey")
    a.set(xlim=(-100, 150), xlabel="best % change", ylabel="cumulative share", title="best % change: CDF")
    a.legend()
    for a, col, name in ((ax[1, 0], "g", "growth rate g"), (ax[1, 1], "d", "shrinkage rate d")):
        bins = np.linspace(-5, 0, 36)
        for label, m, c in (("observed", observed, "k"), ("simulated", simulated, "#2b8cbe")):
            x = m.loc[m["fit_ok"].astype(bool), col].to_numpy(float)
            a.hist(np.log10(np.clip(x, 1e-5, 1.0)), bins=bins, density=True, histtype="step", color=c, label=label)
        a.set(xlabel=f"log10 {col} (1/day; 1e-5 = none)", ylabel="density", title=f"{name} (fit: f e^-dt + (1-f) e^gt)")
        a.legend()
    a = ax[1, 2]
    for label, m, c in (("observed", observed, "k"), ("simulated", simulated, "#2b8cbe")):
        x = np.sort(m["baseline_mm"].dropna().to_numpy())
        a.step(x, np.arange(1, x.size + 1) / x.size, where="post", color=c, label=label)
    a.set(xlabel="baseline diameter (mm)", ylabel="cumulative share", title="first target lesion at baseline",
          xlim=(0, 150))
    a.legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
