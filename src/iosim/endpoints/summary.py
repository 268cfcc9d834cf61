"""Per-arm summary of a virtual trial's outcomes: response rates, median PFS, OS and DOR, hazard ratios
against the control arm and landmark survival rates (:mod:`iosim.endpoints.comparison`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from iosim.endpoints import comparison, survival
from iosim.endpoints.criteria import CONTROLLED, RESPONDERS
from iosim.errors import InputError

OUTCOME_COLUMNS = (
    "arm",
    "patient",
    "status",
    "best_response",
    "pfs_months",
    "pfs_event",
    "os_months",
    "os_event",
    "dor_months",
    "dor_event",
)

_PER_ARM = [
    "arm",
    "n",
    "n_failed",
    "orr",
    "cr_rate",
    "dcr",
    "median_dor_months",
    "median_dor_lower",
    "median_dor_upper",
    "median_pfs_months",
    "median_pfs_lower",
    "median_pfs_upper",
    "median_os_months",
    "median_os_lower",
    "median_os_upper",
    "criteria",
    "mrd_negative_rate",
]
SUMMARY_COLUMNS = [*_PER_ARM, *comparison.HR_COLUMNS, *comparison.LANDMARK_COLUMNS]


def summarize(
    outcomes: pd.DataFrame, *, alpha: float = 0.05, control: str | None = None, criteria: str = ""
) -> pd.DataFrame:
    """One row per arm (in order of first appearance) with the columns of :data:`SUMMARY_COLUMNS`.

    * ``n`` counts every patient of the arm; ``n_failed`` those whose integration failed
      (``status`` other than "ok"). Rates and medians use the ``n - n_failed`` simulated patients:
      a failed integration is a numerical event, not a clinical one.
    * ``orr`` = (CR + PR) / evaluable for solid tumours and lymphoma, (CR + CRi) / evaluable for B-ALL,
      ``cr_rate`` = CR / evaluable, ``dcr`` = (CR + PR or CRi + SD) / evaluable, fractions 0-1 where
      "evaluable" is the successfully simulated patients (NE counts as non-response, as in an
      intention-to-treat analysis).
    * ``criteria``: the response criteria the outcomes were scored by (as given; "" if not);
      ``mrd_negative_rate``: B-ALL responders MRD-negative / evaluable (NaN where not measured).
    * Medians (months) and their (1 - alpha) CI come from Kaplan-Meier (lifelines); NaN means not
      reached. DOR is over responders only.
    * ``hr_os``, ``hr_pfs`` (+ ``_ci_low``, ``_ci_high``): Cox hazard ratio against the arm named
      ``control`` (NaN for the control itself and when ``control`` is None); ``os_rate_12m``,
      ``os_rate_24m``, ``os_rate_36m``, ``pfs_rate_12m``: Kaplan-Meier landmark rates (NaN beyond
      follow-up). See :mod:`iosim.endpoints.comparison`.
    """
    missing = [c for c in OUTCOME_COLUMNS if c not in outcomes.columns]
    if missing:
        raise InputError(f"outcomes lack column(s) {', '.join(missing)}; expected {', '.join(OUTCOME_COLUMNS)}")
    rows = []
    for arm, g in outcomes.groupby("arm", sort=False):
        ok = g[g["status"] == "ok"]
        n_ok = len(ok)
        br = ok["best_response"].astype(str)
        row = {
            "arm": str(arm),
            "n": len(g),
            "n_failed": len(g) - n_ok,
            "orr": br.isin(RESPONDERS).mean() if n_ok else np.nan,
            "cr_rate": (br == "CR").mean() if n_ok else np.nan,
            "dcr": br.isin(CONTROLLED).mean() if n_ok else np.nan,
            "criteria": criteria,
            "mrd_negative_rate": ok["mrd_negative"].astype(bool).mean() if n_ok and "mrd_negative" in ok else np.nan,
        }
        for ep in ("dor", "pfs", "os"):
            d = ok.dropna(subset=[f"{ep}_months"])
            med = lo = hi = np.nan
            if len(d):
                kmf = survival.kaplan_meier(d[f"{ep}_months"], d[f"{ep}_event"], label=str(arm), alpha=alpha)
                med, lo, hi = survival.median_with_ci(kmf)
                if ep != "dor":
                    row.update(comparison.landmarks_from_fit(kmf, ep))
            row[f"median_{ep}_months"], row[f"median_{ep}_lower"], row[f"median_{ep}_upper"] = med, lo, hi
        rows.append(row)
    out = pd.DataFrame(rows, columns=[*_PER_ARM, *comparison.LANDMARK_COLUMNS])
    hrs = comparison.hazard_ratios_vs_control(outcomes, control, alpha=alpha).reindex(out["arm"].to_numpy())
    out = pd.concat([out, hrs.reset_index(drop=True)], axis=1)[SUMMARY_COLUMNS]
    for c in ("n", "n_failed"):
        out[c] = out[c].astype(int)
    return out


#: Per-arm toxicity columns (fractions of the successfully simulated patients; iosim.trials.toxicity):
#: any grade >= 3 treatment-related event, a toxicity that discontinued treatment, CRS of any grade and
#: of grade >= 3 (NaN for arms that cannot have CRS: no CAR-T cells).
TOXICITY_COLUMNS = ["grade3plus_trae_rate", "discontinued_toxicity_rate", "crs_any_grade_rate", "crs_grade3plus_rate"]


def toxicity_rates(
    outcomes: pd.DataFrame, toxicities: pd.DataFrame, crs_arms: frozenset[str] | set[str] = frozenset()
) -> pd.DataFrame:
    """One row per arm: ``arm`` and :data:`TOXICITY_COLUMNS`, from the ``toxicities`` table
    (``arm, patient, day, kind, grade, discontinued``); ``crs_arms`` are the arms given CAR-T cells."""
    rows = []
    for arm, g in outcomes.groupby("arm", sort=False):
        ok = set(g.loc[g["status"] == "ok", "patient"])
        t = toxicities[(toxicities["arm"] == arm) & toxicities["patient"].isin(ok)]
        n = len(ok)

        crs = t["kind"] == "crs"
        rows.append({
            "arm": str(arm),
            "grade3plus_trae_rate": _share(t, t["grade"] >= 3, n),
            "discontinued_toxicity_rate": _share(t, t["discontinued"].astype(bool), n),
            "crs_any_grade_rate": _share(t, crs & (t["grade"] >= 1), n) if arm in crs_arms else np.nan,
            "crs_grade3plus_rate": _share(t, crs & (t["grade"] >= 3), n) if arm in crs_arms else np.nan,
        })  # fmt: skip
    return pd.DataFrame(rows, columns=["arm", *TOXICITY_COLUMNS])


def _share(toxicities: pd.DataFrame, mask: pd.Series, n: int) -> float:
    return toxicities.loc[mask, "patient"].nunique() / n if n else np.nan
