"""What virtual and real patients are compared on: the first target lesion, as the data record it.

The OAK data (Laleh et al. 2022) give one target lesion per patient, scanned until the patient left
the study. A virtual patient is read the same way: its first target lesion, measured (with reader
error) at the protocol's scans up to the first RECIST progression, then for as many scans as the
patient is treated beyond progression, while alive. Both are then summarised by
:func:`lesion_metrics`: best % change from baseline and, for patients with at least three scans, the
tumour growth-inhibition fit (:func:`iosim.fitting.tgi.fit_tgi`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def first_lesion_series(results, arm: str) -> pd.DataFrame:
    """``patient, day, diameter_mm`` of each virtual patient's first target lesion in ``arm``, as the data
    record it: every scan up to the first RECIST progression, then as many as the patient's
    ``scans_after_progression`` (treatment beyond progression), while alive.

    ``results``: anything with ``table(name)`` (a :class:`~iosim.trials.store.ResultStore`)."""
    if hasattr(results, "query"):  # a store: let DuckDB filter (the table can hold millions of rows)
        first = results.query(
            f"SELECT patient, day, diameter_mm FROM lesions WHERE target AND lesion = 1 AND arm = {_sql_text(arm)}"
        )
    else:
        lesions = results.table("lesions")
        first = lesions[(lesions["arm"] == arm) & lesions["target"] & (lesions["lesion"] == 1)]
    patients = results.table("patients")
    extra = patients[patients["arm"] == arm].set_index("patient")["scans_after_progression"]
    a = results.table("assessments")
    a = a[(a["arm"] == arm) & a["response"].isin(["PD", "iUPD", "iCPD"])]
    pd_day = a.groupby("patient")["week"].min() * 7.0
    first = first[["patient", "day", "diameter_mm"]].sort_values(["patient", "day"]).reset_index(drop=True)
    after = first["day"].to_numpy() > first["patient"].map(pd_day).fillna(np.inf).to_numpy()
    count = pd.Series(after.astype(int)).groupby(first["patient"].to_numpy()).cumsum().to_numpy()
    keep = count <= first["patient"].map(extra).to_numpy()
    return first[keep].reset_index(drop=True)


def _sql_text(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def lesion_metrics(series: pd.DataFrame) -> pd.DataFrame:
    """Per patient: best % change, growth and shrinkage rates (``fit_tgi``) from a lesion series."""
    from iosim.fitting.tgi import fit_tgi

    return fit_tgi(series, patient="patient", day="day", diameter="diameter_mm", min_scans=3)


def comparable(metrics: pd.DataFrame) -> pd.DataFrame:
    """Patients compared with data: those with a growth-inhibition fit, i.e. a baseline and at least two
    later scans. The OAK target-lesion data hold such patients almost only (374 of 376 in the
    atezolizumab arm); a virtual patient who died or left before a second scan is not among them."""
    ok = metrics["fit_ok"].astype(bool).to_numpy() & np.isfinite(metrics["best_pct_change"].to_numpy(float))
    return metrics[ok].reset_index(drop=True)


def summarise(metrics: pd.DataFrame) -> dict[str, float]:
    """The numbers the OAK comparison is judged on, over the :func:`comparable` patients."""
    metrics = comparable(metrics)
    bpc = metrics["best_pct_change"].dropna().to_numpy()
    g = metrics["g"].dropna().to_numpy()
    return {
        "patients": float(bpc.size),
        "median_best_pct_change": float(np.median(bpc)) if bpc.size else float("nan"),
        "share_best_le_minus30": float(np.mean(bpc <= -30.0)) if bpc.size else float("nan"),
        "share_best_le_minus60": float(np.mean(bpc <= -60.0)) if bpc.size else float("nan"),
        "share_best_ge_plus20": float(np.mean(bpc >= 20.0)) if bpc.size else float("nan"),
        "median_g_per_day": float(np.median(g)) if g.size else float("nan"),
        "fit_patients": float(g.size),
    }


def ks_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Two-sample Kolmogorov-Smirnov distance (sup of the difference of the empirical CDFs)."""
    from scipy.stats import ks_2samp

    a, b = np.asarray(a, float), np.asarray(b, float)
    a, b = a[np.isfinite(a)], b[np.isfinite(b)]
    return float(ks_2samp(a, b).statistic) if a.size and b.size else float("nan")
