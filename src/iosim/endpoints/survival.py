"""Survival statistics per arm, computed by lifelines (Kaplan-Meier, log-rank, Cox).

Every function takes a DataFrame with one row per patient, a duration column, an event column (1 or
True = event, 0 = censored) and an arm column. Statistics come from lifelines
(https://lifelines.readthedocs.io): :class:`lifelines.KaplanMeierFitter` for survival curves and
medians with their 95% confidence intervals (the interval of the median is where the pointwise
exponential-Greenwood band of the curve crosses 0.5, lifelines' ``median_survival_times``),
:func:`lifelines.statistics.logrank_test`, and :class:`lifelines.CoxPHFitter` (Efron ties) for hazard
ratios with Wald 95% CI and p-value.

Large trials: the Cox fit's cost grows with the number of distinct event times, so above
``COX_EXACT_MAX`` patients durations are rounded to ``cox_resolution`` (default one day, in the units
of the duration column: months) and identical rows are merged with frequency weights. The hazard
ratio is then that of the rounded data, which differs from the exact one by far less than its CI.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from iosim.errors import InputError

if TYPE_CHECKING:
    from lifelines import KaplanMeierFitter

DAYS_PER_MONTH = 365.25 / 12
COX_EXACT_MAX = 20_000


def _prepare(df: pd.DataFrame, duration: str, event: str, by: str) -> pd.DataFrame:
    for col in (duration, event, by):
        if col not in df.columns:
            raise InputError(f"column {col!r} missing: have {', '.join(map(str, df.columns))}")
    d = df[[by, duration, event]].dropna(subset=[duration])
    dur = d[duration].to_numpy(dtype=float)
    if (dur < 0).any() or not np.isfinite(dur).all():
        raise InputError(f"column {duration!r} must hold finite durations >= 0")
    return d


def kaplan_meier(durations, events, *, label: str = "KM", alpha: float = 0.05) -> KaplanMeierFitter:
    """A fitted :class:`lifelines.KaplanMeierFitter` (95% CI by default)."""
    from lifelines import KaplanMeierFitter

    return KaplanMeierFitter(alpha=alpha).fit(
        np.asarray(durations, dtype=float), np.asarray(events, dtype=bool), label=label
    )


def fit_arms(df: pd.DataFrame, *, duration: str, event: str, by: str = "arm", alpha: float = 0.05) -> dict:
    """One fitted Kaplan-Meier per arm, in order of first appearance: ``{arm: KaplanMeierFitter}``."""
    d = _prepare(df, duration, event, by)
    return {
        str(arm): kaplan_meier(g[duration], g[event], label=str(arm), alpha=alpha)
        for arm, g in d.groupby(by, sort=False)
    }


def median_with_ci(kmf: KaplanMeierFitter) -> tuple[float, float, float]:
    """(median, lower, upper) of a fitted Kaplan-Meier; NaN where the curve does not reach 0.5 (not reached)."""
    from lifelines.utils import median_survival_times

    def finite(x: float) -> float:
        x = float(x)
        return x if np.isfinite(x) else float("nan")

    ci = median_survival_times(kmf.confidence_interval_survival_function_)
    return finite(kmf.median_survival_time_), finite(ci.iloc[0, 0]), finite(ci.iloc[0, 1])


def km_summary(df: pd.DataFrame, *, duration: str, event: str, by: str = "arm", alpha: float = 0.05) -> pd.DataFrame:
    """Per arm: ``arm, n, events, median, median_lower, median_upper`` (NaN median: not reached)."""
    rows = []
    d = _prepare(df, duration, event, by)
    for arm, kmf in fit_arms(d, duration=duration, event=event, by=by, alpha=alpha).items():
        med, lo, hi = median_with_ci(kmf)
        g = d[d[by].astype(str) == arm]
        rows.append(
            {
                "arm": arm,
                "n": len(g),
                "events": int(g[event].astype(bool).sum()),
                "median": med,
                "median_lower": lo,
                "median_upper": hi,
            }
        )
    return pd.DataFrame(rows, columns=["arm", "n", "events", "median", "median_lower", "median_upper"])


def at_risk(df: pd.DataFrame, times, *, duration: str, by: str = "arm") -> pd.DataFrame:
    """Numbers at risk (still followed, duration >= t) per arm (rows) at each time (columns).

    The convention of lifelines' ``event_table['at_risk']`` and of most published KM tables.
    """
    if duration not in df.columns or by not in df.columns:
        raise InputError(f"need columns {duration!r} and {by!r}")
    times = np.asarray(times, dtype=float)
    out = {}
    for arm, g in df.groupby(by, sort=False):
        dur = np.sort(g[duration].dropna().to_numpy(dtype=float))
        out[str(arm)] = len(dur) - np.searchsorted(dur, times, side="left")
    return pd.DataFrame.from_dict(out, orient="index", columns=[float(t) for t in times])


def logrank(df: pd.DataFrame, *, duration: str, event: str, arm: str, reference: str, by: str = "arm") -> dict:
    """Log-rank test between two arms: ``{"statistic", "p"}`` (lifelines ``logrank_test``)."""
    from lifelines.statistics import logrank_test

    a, b = _two_arms(df, duration, event, by, arm, reference)
    res = logrank_test(a[duration], b[duration], a[event].astype(bool), b[event].astype(bool))
    return {"statistic": float(res.test_statistic), "p": float(res.p_value)}


def hazard_ratio(
    df: pd.DataFrame,
    *,
    duration: str,
    event: str,
    arm: str,
    reference: str,
    by: str = "arm",
    alpha: float = 0.05,
    cox_resolution: float = 1.0 / DAYS_PER_MONTH,
) -> dict:
    """Cox proportional-hazards ratio of ``arm`` vs ``reference``: ``{"hr", "lower", "upper", "p"}``."""
    from lifelines import CoxPHFitter

    a, b = _two_arms(df, duration, event, by, arm, reference)
    data = pd.DataFrame(
        {
            "T": np.concatenate([a[duration].to_numpy(float), b[duration].to_numpy(float)]),
            "E": np.concatenate([a[event].to_numpy(bool), b[event].to_numpy(bool)]).astype(int),
            "treated": np.r_[np.ones(len(a), int), np.zeros(len(b), int)],
        }
    )
    kwargs = {}
    if len(data) > COX_EXACT_MAX:
        data["T"] = np.round(data["T"] / cox_resolution) * cox_resolution
        data = data.groupby(["T", "E", "treated"], as_index=False).size().rename(columns={"size": "w"})
        kwargs["weights_col"] = "w"
    cph = CoxPHFitter(alpha=alpha).fit(data, duration_col="T", event_col="E", **kwargs)
    s = cph.summary.loc["treated"]
    lo_col = [c for c in s.index if c.startswith("exp(coef) lower")][0]
    hi_col = [c for c in s.index if c.startswith("exp(coef) upper")][0]
    return {"hr": float(s["exp(coef)"]), "lower": float(s[lo_col]), "upper": float(s[hi_col]), "p": float(s["p"])}


def _two_arms(df, duration, event, by, arm, reference):
    d = _prepare(df, duration, event, by)
    labels = d[by].astype(str)
    a, b = d[labels == str(arm)], d[labels == str(reference)]
    for name, g in ((arm, a), (reference, b)):
        if len(g) == 0:
            raise InputError(f"arm {name!r} has no patients: arms are {', '.join(sorted(labels.unique()))}")
    return a, b


def compare_arms(
    outcomes: pd.DataFrame,
    *,
    reference: str,
    endpoints: tuple[str, ...] = ("pfs", "os"),
    by: str = "arm",
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Hazard ratios and log-rank p of every arm against ``reference`` for each endpoint.

    ``outcomes`` has ``<endpoint>_months`` and ``<endpoint>_event`` columns. Failed patients
    (``status`` other than "ok", when the column exists) are left out.
    """
    d = outcomes
    if "status" in d.columns:
        d = d[d["status"] == "ok"]
    arms = [str(a) for a in pd.unique(d[by].astype(str)) if str(a) != str(reference)]
    rows = []
    for ep in endpoints:
        dur, ev = f"{ep}_months", f"{ep}_event"
        for arm in arms:
            if d.loc[d[by].astype(str).isin([arm, str(reference)]), ev].astype(bool).any():
                hr = hazard_ratio(d, duration=dur, event=ev, arm=arm, reference=reference, by=by, alpha=alpha)
            else:  # no event in either arm (nobody died in a short trial): no ratio, and Cox's fit cannot converge
                hr = dict.fromkeys(("hr", "lower", "upper", "p"), np.nan)
            lr = logrank(d, duration=dur, event=ev, arm=arm, reference=reference, by=by)
            rows.append(
                {
                    "endpoint": ep.upper(),
                    "arm": arm,
                    "reference": str(reference),
                    "hr": hr["hr"],
                    "hr_lower": hr["lower"],
                    "hr_upper": hr["upper"],
                    "cox_p": hr["p"],
                    "logrank_p": lr["p"],
                }
            )
    cols = ["endpoint", "arm", "reference", "hr", "hr_lower", "hr_upper", "cox_p", "logrank_p"]
    return pd.DataFrame(rows, columns=cols)
