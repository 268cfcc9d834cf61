"""Virtual patients: plausible patients selected so the population matches observed distributions.

Two steps from the virtual-population literature:

1. **Prevalence weights** (in the spirit of Cheng et al. 2017, AAPS J 19:1567): each plausible patient
   gets a weight such that the weighted plausible population reproduces the observed distribution of
   each observable, binned at the observed quantiles. The weights come from raking (iterative
   proportional fitting over the margins), which keeps the model's own correlations between
   observables and needs no density estimate (a kernel density misreads the point mass of tumours
   with no measurable regrowth, g = 0).
2. **Acceptance-rejection** (Allen, Rieger & Musante 2016, CPT Pharmacometrics Syst Pharmacol 5:140):
   a plausible patient is kept with probability ``min(1, w / c)``, so the kept, unweighted patients
   follow the observed distributions. ``c`` is the largest weight quantile whose selection matches every
   observable within a Kolmogorov-Smirnov distance of ``max_ks`` while keeping the most patients: the
   trade-off Allen et al. resolve by optimising their acceptance constant.

Observables (first target lesion, :mod:`iosim.vpop.observables`): best % change, the log of the
growth rate ``g`` of the tumour growth-inhibition fit, and the baseline diameter, for patients with
at least three scans on both sides.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from iosim.errors import InputError
from iosim.trials.rng import uniforms
from iosim.vpop.observables import comparable, ks_distance, summarise

_ACCEPT_STREAM = 80_000
_BINS = {"best_pct_change": 40, "log_g": 12, "baseline_mm": 10}
_G_FLOOR = 1e-5  # 1/day: growth rates below this (no visible regrowth) sit at the floor on the log axis
_RAKING_ROUNDS = 100


@dataclass(frozen=True)
class Selection:
    """Which plausible patients were kept, and how well the kept ones match the data."""

    kept: np.ndarray  # source_patient ids
    quantile: float  # the acceptance constant, as a quantile of the weights
    report: dict[str, float]


def _observables(m: pd.DataFrame) -> dict[str, np.ndarray]:
    fitted = m["fit_ok"].astype(bool).to_numpy() & np.isfinite(m["g"].to_numpy(float))
    g = np.where(fitted, m["g"].to_numpy(float), np.nan)
    return {
        "best_pct_change": m["best_pct_change"].to_numpy(float),
        "log_g": np.log(np.maximum(g, _G_FLOOR)),
        "baseline_mm": m["baseline_mm"].to_numpy(float),
    }


def _categories(obs: np.ndarray, pl: np.ndarray, bins: int) -> tuple[np.ndarray, np.ndarray]:
    """Bin both samples at the observed quantiles; NaN (no fit) is a category of its own (the last)."""
    edges = np.unique(np.nanquantile(obs, np.linspace(0, 1, bins + 1)[1:-1]))
    def cat(x):
        c = np.searchsorted(edges, x, side="right")
        return np.where(np.isnan(x), edges.size + 1, c)
    return cat(obs), cat(pl)


def rake(observed: dict[str, np.ndarray], plausible: dict[str, np.ndarray]) -> np.ndarray:
    """Weights of the plausible patients whose weighted margins equal the observed ones (mean weight 1)."""
    n = next(iter(plausible.values())).size
    w = np.ones(n)
    margins = []
    for name, bins in _BINS.items():
        co, cp = _categories(observed[name], plausible[name], bins)
        k = int(max(co.max(), cp.max())) + 1
        target = np.bincount(co, minlength=k) / co.size
        margins.append((cp, target, k))
    for _ in range(_RAKING_ROUNDS):
        for cp, target, k in margins:
            have = np.bincount(cp, weights=w, minlength=k) / w.sum()
            factor = np.divide(target, have, out=np.zeros(k), where=have > 0)
            w = w * factor[cp]
    return w / w.mean()


def select(
    plausible: pd.DataFrame, observed: pd.DataFrame, *, seed: int, max_ks: float = 0.05
) -> Selection:
    """Select among ``plausible`` metrics (with ``source_patient``) to match ``observed`` metrics.

    Both tables have the columns of :func:`iosim.fitting.tgi.fit_tgi`. Only patients with a growth-inhibition
    fit (at least three scans) are compared, on both sides (:func:`iosim.vpop.observables.comparable`)."""
    pl, ob = comparable(plausible), comparable(observed)
    if len(ob) < 20 or len(pl) < 10 * len(ob):
        raise InputError(
            f"selection needs >= 20 observed patients and >= 10x as many plausible ones; got {len(ob)} and {len(pl)}"
        )
    o_pl, o_ob = _observables(pl), _observables(ob)
    # A plausible patient may come with several noise replicates (rows with the same source_patient:
    # reader error, new lesions and deaths drawn anew). Its weight is the mean over its replicates, a
    # replicate in which it is not comparable counting 0, so selection favours patients who fit the data
    # whatever the noise, not one lucky draw of it.
    w_row = rake(o_ob, o_pl)
    ids = plausible["source_patient"].to_numpy(np.int64)
    replicates = np.bincount(np.unique(ids, return_inverse=True)[1]).max()
    patient_w = pd.Series(w_row).groupby(pl["source_patient"].to_numpy(np.int64)).sum() / replicates
    w = patient_w.to_numpy()
    u = uniforms(seed, patient_w.index.to_numpy(np.int64), _ACCEPT_STREAM)
    rows_of = pl["source_patient"].to_numpy(np.int64)
    best: tuple[float, np.ndarray, float, np.ndarray] | None = None
    for q in (0.5, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995, 0.999, 1.0):
        keep_patient = u < np.minimum(1.0, w / max(np.quantile(w, q), 1e-300))
        keep = np.isin(rows_of, patient_w.index.to_numpy()[keep_patient])
        ks = max(ks_distance(o_pl[name][keep], o_ob[name]) for name in _BINS)
        if best is None or (ks <= max_ks and (best[2] > max_ks or keep.sum() > best[1].sum())) or (
            best[2] > max_ks and ks < best[2]
        ):
            best = (q, keep, ks, keep_patient)
    assert best is not None  # the first quantile always takes the first branch
    q, keep, _, keep_patient = best
    sel = pl.loc[keep]
    report = {f"selected_{k}": v for k, v in summarise(sel).items()}
    report.update({f"observed_{k}": v for k, v in summarise(ob).items()})
    report.update({
        "plausible": float(patient_w.size), "replicates": float(replicates), "selected": float(keep_patient.sum()),
        "acceptance_quantile": q,
        "ks_best_pct_change": ks_distance(sel["best_pct_change"], ob["best_pct_change"]),
        "ks_log_g": ks_distance(_observables(sel)["log_g"], o_ob["log_g"]),
        "ks_baseline_mm": ks_distance(sel["baseline_mm"], ob["baseline_mm"]),
    })  # fmt: skip
    return Selection(patient_w.index.to_numpy(np.int64)[keep_patient], q, report)
