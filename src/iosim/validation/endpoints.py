"""Registry endpoints: how each observed quantity is computed from a simulated trial.

An endpoint is a name, a kind (how it is shown and plotted) and one function
``(results, arm) -> (simulated, sim_ci_low, sim_ci_high)``, where ``results`` is anything with
``table(name) -> DataFrame`` (a :class:`iosim.trials.store.ResultStore`, or :class:`Tables`).
Adding an endpoint (e.g. a waterfall statistic on the lesions table) is one decorated function::

    @endpoint("share_best_le_minus30", "rate", "share of patients with best change <= -30%")
    def _share(results, arm):
        ...
        return value, low, high

Intervals are 95%: exact Clopper–Pearson for rates over the successfully simulated patients
(the same interval the registry computes for observed counts), Kaplan–Meier (lifelines,
Greenwood / exponential Greenwood) for medians. A median not reached is NaN.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, Protocol

import numpy as np
import pandas as pd

from iosim.endpoints.criteria import CONTROLLED, RESPONDERS
from iosim.errors import UnknownNameError

ALPHA = 0.05


class Results(Protocol):
    def table(self, name: str) -> pd.DataFrame: ...


Evaluate = Callable[[Results, str], tuple[float, float, float]]


@dataclass(frozen=True)
class Endpoint:
    name: str
    #: "rate" (a fraction, shown in %), "months", "percent" (a % change) or "value".
    kind: Literal["rate", "months", "percent", "value"]
    description: str
    evaluate: Evaluate


ENDPOINTS: dict[str, Endpoint] = {}


def endpoint(name: str, kind: str, description: str) -> Callable[[Evaluate], Evaluate]:
    """Register ``function(results, arm) -> (simulated, low, high)`` as endpoint ``name``."""

    def register(fn: Evaluate) -> Evaluate:
        ENDPOINTS[name] = Endpoint(name, kind, description, fn)  # type: ignore[arg-type]
        return fn

    return register


class Tables:
    """Tables from a store, read once each; or given directly (``Tables(outcomes=df)``) in tests."""

    def __init__(self, store: Results | None = None, **frames: pd.DataFrame):
        self._store, self._frames = store, dict(frames)

    def table(self, name: str) -> pd.DataFrame:
        if name not in self._frames:
            if self._store is None:
                raise UnknownNameError("table", name, sorted(self._frames))
            self._frames[name] = self._store.table(name)
        return self._frames[name]


def clopper_pearson(k: int, n: int, alpha: float = ALPHA) -> tuple[float, float]:
    """Exact binomial (1 - alpha) interval for k successes in n trials (Clopper & Pearson 1934)."""
    from scipy.stats import beta

    if n <= 0:
        return float("nan"), float("nan")
    lo = 0.0 if k == 0 else float(beta.ppf(alpha / 2, k, n - k + 1))
    hi = 1.0 if k == n else float(beta.ppf(1 - alpha / 2, k + 1, n - k))
    return lo, hi


def _evaluable(results: Results, arm: str) -> pd.DataFrame:
    """The arm's successfully simulated patients (a failed integration is not a clinical event)."""
    o = results.table("outcomes")
    return o[(o["arm"] == arm) & (o["status"] == "ok")]


def _rate(results: Results, arm: str, responses: set[str]) -> tuple[float, float, float]:
    o = _evaluable(results, arm)
    n, k = len(o), int(o["best_response"].astype(str).isin(responses).sum())
    if n == 0:
        return float("nan"), float("nan"), float("nan")
    return k / n, *clopper_pearson(k, n)


def _median(results: Results, arm: str, what: str) -> tuple[float, float, float]:
    from iosim.endpoints.survival import kaplan_meier, median_with_ci

    o = _evaluable(results, arm).dropna(subset=[f"{what}_months"])
    if o.empty:
        return float("nan"), float("nan"), float("nan")
    kmf = kaplan_meier(o[f"{what}_months"], o[f"{what}_event"], label=arm, alpha=ALPHA)
    return median_with_ci(kmf)


@endpoint("orr", "rate", "objective response rate: best overall response CR or PR (CR or CRi for B-ALL)")
def _orr(results: Results, arm: str) -> tuple[float, float, float]:
    return _rate(results, arm, set(RESPONDERS))


@endpoint("cr_rate", "rate", "complete response rate")
def _cr(results: Results, arm: str) -> tuple[float, float, float]:
    return _rate(results, arm, {"CR"})


@endpoint("dcr", "rate", "disease control rate: CR, PR (CRi) or SD")
def _dcr(results: Results, arm: str) -> tuple[float, float, float]:
    return _rate(results, arm, set(CONTROLLED))


@endpoint("median_pfs_months", "months", "median progression-free survival (Kaplan–Meier)")
def _pfs(results: Results, arm: str) -> tuple[float, float, float]:
    return _median(results, arm, "pfs")


@endpoint("median_os_months", "months", "median overall survival (Kaplan–Meier)")
def _os(results: Results, arm: str) -> tuple[float, float, float]:
    return _median(results, arm, "os")


def evaluate(name: str, results: Results, arm: str) -> tuple[float, float, float]:
    """(simulated, sim_ci_low, sim_ci_high) of endpoint ``name`` for one arm."""
    value, lo, hi = ENDPOINTS[name].evaluate(results, arm)
    return float(value), float(lo), float(hi)


def within(simulated: float, ci_low: float | None, ci_high: float | None) -> bool | None:
    """Whether the simulated value lies in the observed 95% CI; None where the CI is unknown.
    A median not reached (NaN) is outside any finite interval."""
    if ci_low is None or ci_high is None or np.isnan(ci_low) or np.isnan(ci_high):
        return None
    return bool(np.isfinite(simulated) and ci_low <= simulated <= ci_high)


# -- the first target lesion, compared with patient-level data (iosim.vpop) -----------------------
def _lesion_metrics(results: Results, arm: str) -> pd.DataFrame:
    from iosim.vpop.observables import comparable, first_lesion_series, lesion_metrics

    return comparable(lesion_metrics(first_lesion_series(results, arm)))


def median_ci(x: np.ndarray, alpha: float = ALPHA) -> tuple[float, float, float]:
    """Median with its distribution-free (1 - alpha) interval from order statistics (binomial, n >= 6)."""
    from scipy.stats import binom

    x = np.sort(np.asarray(x, dtype=float)[np.isfinite(x)])
    n = x.size
    if n < 6:
        return float(np.median(x)) if n else float("nan"), float("nan"), float("nan")
    lo = int(binom.ppf(alpha / 2, n, 0.5))
    hi = int(binom.isf(alpha / 2, n, 0.5))
    return float(np.median(x)), float(x[max(lo - 1, 0)]), float(x[min(hi, n - 1)])


@endpoint("median_best_pct_change", "percent", "median best % change of the first target lesion (>= 3 scans)")
def _median_bpc(results: Results, arm: str) -> tuple[float, float, float]:
    return median_ci(_lesion_metrics(results, arm)["best_pct_change"].to_numpy())


@endpoint("share_best_le_minus30", "rate", "share of first target lesions shrinking by >= 30% (>= 3 scans)")
def _share30(results: Results, arm: str) -> tuple[float, float, float]:
    b = _lesion_metrics(results, arm)["best_pct_change"].to_numpy()
    k, n = int((b <= -30.0).sum()), b.size
    return (k / n, *clopper_pearson(k, n)) if n else (float("nan"),) * 3


@endpoint("median_g_per_day", "value", "median growth rate g of the first target lesion (tumour growth-inhibition fit)")
def _median_g(results: Results, arm: str) -> tuple[float, float, float]:
    return median_ci(_lesion_metrics(results, arm)["g"].to_numpy())


@endpoint("ks_best_pct_change", "value", "Kolmogorov-Smirnov distance of best % change from the observed lesions")
def _ks_bpc(results: Results, arm: str) -> tuple[float, float, float]:
    from iosim.vpop.compare import OBSERVED, observed_series
    from iosim.vpop.observables import comparable, ks_distance, lesion_metrics

    name = next((k for k, (a, _) in OBSERVED.items() if a == arm), None)
    if name is None:
        return float("nan"), float("nan"), float("nan")
    observed = comparable(lesion_metrics(observed_series(name)))
    sim = _lesion_metrics(results, arm)
    return ks_distance(sim["best_pct_change"], observed["best_pct_change"]), float("nan"), float("nan")


def _control_arm(results: Results) -> str | None:
    """The trial's control arm (``control: true`` in the stored spec), or None."""
    import json

    try:
        spec = json.loads(results.table("trial")["spec"].iloc[0])
    except (KeyError, IndexError):
        return None
    return next((a["name"] for a in spec.get("arms", []) if a.get("control")), None)


@endpoint("hr_os", "value", "Cox hazard ratio of death against the trial's control arm (95% Wald CI)")
def _hr_os(results: Results, arm: str) -> tuple[float, float, float]:
    from iosim.endpoints.survival import hazard_ratio

    control = _control_arm(results)
    if control is None or control == arm:
        return float("nan"), float("nan"), float("nan")
    o = results.table("outcomes")
    o = o[o["status"] == "ok"]
    hr = hazard_ratio(o, duration="os_months", event="os_event", arm=arm, reference=control, alpha=ALPHA)
    return hr["hr"], hr["lower"], hr["upper"]


@endpoint("os_rate_12m", "rate", "overall survival at 12 months (Kaplan–Meier, exponential Greenwood CI)")
def _os12(results: Results, arm: str) -> tuple[float, float, float]:
    from iosim.endpoints.survival import kaplan_meier

    o = _evaluable(results, arm).dropna(subset=["os_months"])
    if o.empty or o["os_months"].max() < 12.0:
        return float("nan"), float("nan"), float("nan")
    kmf = kaplan_meier(o["os_months"], o["os_event"], label=arm, alpha=ALPHA)
    ci = kmf.confidence_interval_survival_function_
    at = ci.index.searchsorted(12.0, side="right") - 1
    return float(kmf.predict(12.0)), float(ci.iloc[at, 0]), float(ci.iloc[at, 1])


# -- toxicity (the toxicities table, iosim.trials.toxicity) ---------------------------------------------
def _toxicity_rate(
    results: Results, arm: str, select: Callable[[pd.DataFrame], pd.Series]
) -> tuple[float, float, float]:
    """Share of the arm's successfully simulated patients with at least one toxicity row ``select`` keeps."""
    ok = set(_evaluable(results, arm)["patient"])
    t = results.table("toxicities")
    t = t[(t["arm"] == arm) & t["patient"].isin(ok)]
    n, k = len(ok), int(t.loc[select(t), "patient"].nunique())
    return (k / n, *clopper_pearson(k, n)) if n else (float("nan"),) * 3


@endpoint("grade3plus_trae_rate", "rate", "share of patients with a treatment-related adverse event of grade >= 3")
def _grade3(results: Results, arm: str) -> tuple[float, float, float]:
    return _toxicity_rate(results, arm, lambda t: t["grade"] >= 3)


@endpoint("discontinued_toxicity_rate", "rate", "share of patients who stopped treatment for a treatment-related AE")
def _discontinued(results: Results, arm: str) -> tuple[float, float, float]:
    return _toxicity_rate(results, arm, lambda t: t["discontinued"].astype(bool))


@endpoint("crs_any_grade_rate", "rate", "share of patients with cytokine release syndrome of any grade (Lee 2014)")
def _crs_any(results: Results, arm: str) -> tuple[float, float, float]:
    return _toxicity_rate(results, arm, lambda t: (t["kind"] == "crs") & (t["grade"] >= 1))


@endpoint("crs_grade3plus_rate", "rate", "share of patients with cytokine release syndrome of grade >= 3 (Lee 2014)")
def _crs_3(results: Results, arm: str) -> tuple[float, float, float]:
    return _toxicity_rate(results, arm, lambda t: (t["kind"] == "crs") & (t["grade"] >= 3))


@endpoint("capillary_leak_grade3plus_rate", "rate", "share with grade >= 3 IL-2 capillary leak (hypotension)")
def _capillary_leak_3(results: Results, arm: str) -> tuple[float, float, float]:
    return _toxicity_rate(results, arm, lambda t: (t["kind"] == "capillary_leak") & (t["grade"] >= 3))
