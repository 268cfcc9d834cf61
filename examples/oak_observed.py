"""Observed tumour response in the OAK trial (atezolizumab vs docetaxel), from the shipped data.

    python examples/oak_observed.py

Per arm: patients, patients with a post-baseline scan, the distribution of the best percent
change of the target lesion from baseline, the medians of the fitted TGI rates (Stein 2011
model, iosim.fitting.fit_tgi), the scans per patient and the days between scans. These are the
numbers a virtual OAK cohort should reproduce; docs/data.md quotes them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from iosim.data import oak
from iosim.fitting import fit_tgi


def observed_summary(scans: pd.DataFrame) -> dict[str, float]:
    fits = fit_tgi(scans)
    seen = fits[fits["best_pct_change"].notna()]  # a post-baseline scan and a non-zero baseline
    best = seen["best_pct_change"]
    ok = fits[fits["fit_ok"]]
    # Days between consecutive scans from the baseline on (the fit's scans), pooled over patients.
    used = scans.merge(fits[["patient", "last_day"]], on="patient")
    baseline_day = used["day"].where(used["day"] <= 0).groupby(used["patient"]).transform("max")
    first_day = used.groupby("patient")["day"].transform("min")
    used = used[used["day"] >= baseline_day.fillna(first_day)]
    gaps = used.groupby("patient")["day"].diff().dropna()
    return {
        "patients": len(fits),
        "with a post-baseline scan": len(seen),
        "median best % change": best.median(),
        "share <= -30 %": (best <= -30).mean(),
        "share <= -60 %": (best <= -60).mean(),
        "share >= +20 %": (best >= 20).mean(),
        "fits (>= 3 scans)": len(ok),
        "median g (1/day)": ok["g"].median(),
        "median d (1/day)": ok["d"].median(),
        "median f": ok["f"].median(),
        "share of fits with f = 0 (growth only)": (ok["f"] == 0).mean(),
        "share of fits with f = 1 (no regrowth)": (ok["f"] == 1).mean(),
        "median scans per patient": float(np.median(fits["n_scans"])),
        "median days between scans": gaps.median(),
    }


def main() -> None:
    table = pd.DataFrame({arm: observed_summary(oak(arm)) for arm in ("atezolizumab", "docetaxel")})
    with pd.option_context("display.float_format", "{:.4g}".format):
        print(table.to_string())


if __name__ == "__main__":
    main()
