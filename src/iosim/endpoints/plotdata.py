"""The data behind a trial's waterfall, spider and Kaplan–Meier plots, built once.

The HTML report (:mod:`iosim.endpoints.report`) draws it with matplotlib; the web app serves
it as JSON (:meth:`PlotData.to_json`) and draws it in the browser. Both read the same
patients: those simulated successfully, at most ``WATERFALL_MAX`` per arm in the waterfall and
``SPIDER_MAX`` in the spider plot, drawn from a fixed seed, so the same results give the same
plots in either place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import pandas as pd

from iosim.endpoints import survival


class TrialTables(Protocol):
    """What the plots read from a trial store (:class:`iosim.trials.ResultStore` is one; the endpoints
    sit below the trials and do not import them)."""

    def table(self, name: str) -> pd.DataFrame: ...

    def query(self, sql: str) -> pd.DataFrame: ...

#: Patients per arm in the waterfall and spider plots (a random subsample of larger arms).
WATERFALL_MAX = 2000
SPIDER_MAX = 100
#: Patients per arm whose assessments are read from a trial store for the plots: the first ones by id
#: (the whole table grows with the trial).
REPORT_PATIENTS = 2000
ENDPOINTS = ("pfs", "os")


@dataclass(frozen=True)
class PlotData:
    """Per arm: the waterfall's bars, the spider's lines, the Kaplan–Meier fits.

    ``waterfall[arm]``: ``patient``, ``best`` (best % change after baseline), ``best_response``,
    sorted from the largest change down. ``spider[arm]``: ``patient``, ``week``, ``pct_change``,
    ``best_response``, by patient and week. ``km[endpoint][arm]``: a fitted lifelines
    ``KaplanMeierFitter`` (``endpoint`` is ``"pfs"`` or ``"os"``). ``notes`` say which plots are
    subsampled ("arm: random 2,000 of 5,000 patients")."""

    arms: list[str]
    waterfall: dict[str, pd.DataFrame]
    spider: dict[str, pd.DataFrame]
    km: dict[str, dict[str, Any]]
    notes: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict:
        """Plain lists for the web app's plots (NaN as null)."""
        out: dict = {"arms": self.arms, "waterfall": {}, "spider": {}, "km": {}}
        for arm in self.arms:
            w = self.waterfall[arm]
            out["waterfall"][arm] = {"patient": w["patient"].tolist(), "best_pct_change": _clean(w["best"]),
                                     "response": [str(r) for r in w["best_response"]]}  # fmt: skip
            out["spider"][arm] = [
                {"patient": _plain(p), "week": g["week"].tolist(), "pct_change": _clean(g["pct_change"])}
                for p, g in self.spider[arm].groupby("patient", sort=False)
            ]
        for ep, fits in self.km.items():
            curves = {arm: kmf.survival_function_ for arm, kmf in fits.items()}
            out["km"][ep] = {
                arm: {"months": sf.index.tolist(), "survival": _clean(sf.iloc[:, 0])} for arm, sf in curves.items()
            }
        return out


def _plain(x: Any) -> Any:
    return x.item() if isinstance(x, np.generic) else x


def _clean(values) -> list:
    return [None if not np.isfinite(v) else float(v) for v in np.asarray(values, float)]


def finished(outcomes: pd.DataFrame, assessments: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The outcomes and assessments of the successfully simulated patients (failed ones are few:
    no merge of the big table)."""
    if "status" not in outcomes.columns:
        return outcomes, assessments
    failed = outcomes[outcomes["status"] != "ok"]
    if failed.empty:
        return outcomes, assessments
    drop = np.zeros(len(assessments), dtype=bool)
    for arm, g in failed.groupby("arm", sort=False):
        drop |= (assessments["arm"] == arm).to_numpy() & assessments["patient"].isin(g["patient"]).to_numpy()
    return outcomes[outcomes["status"] == "ok"], assessments[~drop]


def best_change(assessments: pd.DataFrame, outcomes: pd.DataFrame) -> pd.DataFrame:
    """Per patient: the best (lowest) % change after baseline, with the best overall response."""
    post = assessments[assessments["week"] > 0].dropna(subset=["pct_change"])
    best = post.groupby(["arm", "patient"], sort=False)["pct_change"].min().rename("best").reset_index()
    resp = outcomes[["arm", "patient", "best_response"]]
    return best.merge(resp, on=["arm", "patient"], how="left").fillna({"best_response": "NE"})


def plot_data(
    outcomes: pd.DataFrame,
    assessments: pd.DataFrame,
    *,
    arms: list[str] | None = None,
    seed: int = 0,
    waterfall_max: int | None = None,
    spider_max: int | None = None,
) -> PlotData:
    """The plots' data from a trial's ``outcomes`` (one row per patient: ``arm, patient, status,
    best_response, pfs_months, pfs_event, os_months, os_event``) and ``assessments`` (``arm,
    patient, week, pct_change``; week 0 is the baseline). ``arms`` orders the arms (default: as
    they first appear among the finished patients); ``seed`` fixes the subsamples, of at most
    ``waterfall_max`` and ``spider_max`` patients per arm (default ``WATERFALL_MAX``, ``SPIDER_MAX``)."""
    waterfall_max = WATERFALL_MAX if waterfall_max is None else waterfall_max
    spider_max = SPIDER_MAX if spider_max is None else spider_max
    rng = np.random.default_rng(seed)
    ok, assess = finished(outcomes, assessments)
    if arms is None:
        arms = [str(a) for a in pd.unique(ok["arm"].astype(str))]
    best = best_change(assess, ok)
    waterfall: dict[str, pd.DataFrame] = {}
    spider: dict[str, pd.DataFrame] = {}
    notes: dict[str, list[str]] = {"waterfall": [], "spider": []}
    for arm in arms:
        g = best[best["arm"].astype(str) == arm]
        s = g if len(g) <= waterfall_max else g.iloc[np.sort(rng.choice(len(g), size=waterfall_max, replace=False))]
        if len(s) < len(g):
            notes["waterfall"].append(f"{arm}: random {len(s):,} of {len(g):,} patients")
        waterfall[arm] = s.sort_values("best", ascending=False).reset_index(drop=True)
    resp = ok.set_index(["arm", "patient"])["best_response"]
    for arm in arms:
        a = assess[assess["arm"].astype(str) == arm]
        patients = pd.unique(a["patient"])
        chosen = patients if len(patients) <= spider_max else rng.choice(patients, size=spider_max, replace=False)
        if len(chosen) < len(patients):
            notes["spider"].append(f"{arm}: random {len(chosen)} of {len(patients):,} patients")
        sub = a[a["patient"].isin(chosen)].sort_values(["patient", "week"])
        keys = list(zip(sub["arm"], sub["patient"]))
        sub = sub[["patient", "week", "pct_change"]].assign(
            best_response=[str(resp.get(k, "NE")) for k in keys]
        )  # fmt: skip
        spider[arm] = sub.reset_index(drop=True)
    km: dict[str, dict[str, Any]] = {}
    for ep in ENDPOINTS:
        fits = survival.fit_arms(ok, duration=f"{ep}_months", event=f"{ep}_event") if len(ok) else {}
        km[ep] = {arm: fits[arm] for arm in arms if arm in fits}
    return PlotData(arms, waterfall, spider, km, {k: "; ".join(v) for k, v in notes.items()})


def plotted_assessments(store: TrialTables) -> pd.DataFrame:
    """The assessments of a trial store's first ``REPORT_PATIENTS`` patients per arm."""
    return store.query(f"SELECT * FROM assessments WHERE patient < {REPORT_PATIENTS} ORDER BY arm, patient, week")


def plot_tables(store: TrialTables) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A trial store's outcomes, and the assessments the plots read (:func:`plotted_assessments`)."""
    return store.table("outcomes"), plotted_assessments(store)


def plot_data_from_store(store: TrialTables, *, arms: list[str] | None = None, seed: int = 0) -> PlotData:
    """:func:`plot_data` of a trial store (:class:`iosim.trials.ResultStore`), as the report draws it."""
    return plot_data(*plot_tables(store), arms=arms, seed=seed)
