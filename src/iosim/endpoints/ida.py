"""Independent drug action (IDA): what a combination gives if each drug acts alone on each patient.

Palmer & Sorger 2017 (Cell 171:1678) showed that many approved combinations are explained by
patients benefiting from whichever drug works best for them, with no interaction; across 13
phase 3 immunotherapy combinations IDA predicted PFS with r = 0.98 (Palmer et al. 2022 Clin
Cancer Res 28:368). It is the baseline a mechanistic combination prediction must beat.

Construction, from the single-drug arms:

* each virtual patient of the combination is a pair (one patient per single-drug arm) drawn
  with a Gaussian copula on the arms' PFS ranks, with Spearman correlation ``rho`` between the
  drugs' benefit (default 0.3, the default of Palmer and Sorger's clinical-additivity code);
* the pair's PFS is the longer of the two and it responds if either patient responds.

Ties in PFS (patients progressing at the same scan) are broken at random, with the seed.
:func:`ida_from_rates` does the same from published arm results (ORR and median PFS, assuming
exponential PFS), which is IDA as Palmer and Sorger applied it to trials.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy.special import ndtr, ndtri

from iosim.endpoints import survival
from iosim.endpoints.criteria import RESPONDERS  # CR + PR (and CRi for B-ALL)
from iosim.errors import InputError

#: Spearman correlation of the drugs' benefit in the same patient: Palmer & Sorger 2017 (Cell
#: 171:1678) report modest positive correlations for most pairs; 0.3 is their code's default.
DEFAULT_RHO = 0.3
#: Combination patients drawn per IDA estimate: its Monte Carlo error on ORR is below 0.2 points.
PAIRS = 100_000
IDA_COLUMNS = ("orr_ida", "median_pfs_ida_months")


def single_drug_arms(arms: Mapping[str, Sequence[str]]) -> dict[str, tuple[str, ...]]:
    """For each arm with two or more drugs whose every drug has an arm of its own: those arms, in drug order."""
    alone = {drugs[0]: arm for arm, drugs in arms.items() if len(set(drugs)) == 1}
    out = {}
    for arm, drugs in arms.items():
        unique = list(dict.fromkeys(drugs))
        if len(unique) >= 2 and all(d in alone for d in unique):
            out[arm] = tuple(alone[d] for d in unique)
    return out


def _gaussian_copula(k: int, rho: float, n: int, rng: np.random.Generator) -> np.ndarray:
    """(n, k) uniforms with pairwise Spearman correlation ``rho`` (Pearson 2 sin(pi rho / 6) on normals)."""
    if not -1.0 / max(k - 1, 1) < rho <= 1.0:
        raise InputError(f"IDA correlation rho must lie in (-1/(k-1), 1] for {k} drugs, got {rho}")
    r = 2.0 * math.sin(math.pi * rho / 6.0)
    cov = np.full((k, k), r)
    np.fill_diagonal(cov, 1.0)
    z = rng.multivariate_normal(np.zeros(k), cov, size=n, method="eigh")
    return ndtr(z)


def _ranked(arm: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    ok = arm[arm["status"] == "ok"] if "status" in arm.columns else arm
    if ok.empty:
        raise InputError("an IDA component arm has no successfully simulated patient")
    key = np.lexsort((rng.random(len(ok)), ok["pfs_months"].to_numpy(dtype=float)))
    return ok.iloc[key].reset_index(drop=True)


def ida_outcomes(
    arms: Sequence[pd.DataFrame], *, rho: float = DEFAULT_RHO, seed: int = 0, pairs: int = PAIRS
) -> pd.DataFrame:
    """Combination patients under IDA: ``best_response`` ("R" or "NR"), ``pfs_months``, ``pfs_event``.

    ``arms`` are the single-drug arms' outcomes (``status``, ``best_response``, ``pfs_months``,
    ``pfs_event``)."""
    rng = np.random.default_rng(seed)
    ranked = [_ranked(a, rng) for a in arms]
    u = _gaussian_copula(len(ranked), rho, pairs, rng)
    times, events, responds = [], [], []
    for j, a in enumerate(ranked):
        rows = np.minimum((u[:, j] * len(a)).astype(np.int64), len(a) - 1)
        times.append(a["pfs_months"].to_numpy(dtype=float)[rows])
        events.append(a["pfs_event"].to_numpy(dtype=bool)[rows])
        responds.append(a["best_response"].astype(str).isin(RESPONDERS).to_numpy()[rows])
    t = np.stack(times, axis=1)
    longest = np.argmax(t, axis=1)
    pick = np.arange(pairs)
    return pd.DataFrame({
        "best_response": np.where(np.any(np.stack(responds, axis=1), axis=1), "R", "NR"),
        "pfs_months": t[pick, longest],
        "pfs_event": np.stack(events, axis=1)[pick, longest],
    })  # fmt: skip


def _median_pfs(df: pd.DataFrame) -> float:
    median = survival.kaplan_meier(df["pfs_months"], df["pfs_event"], label="ida").median_survival_time_
    return float(median) if np.isfinite(median) else math.nan


def ida_summary(
    outcomes: pd.DataFrame, arms: Mapping[str, Sequence[str]], *, rho: float = DEFAULT_RHO, seed: int = 0
) -> pd.DataFrame:
    """``arm, orr_ida, median_pfs_ida_months, ida_arms`` for each combination arm whose drugs were given alone
    in arms of the same trial (``arms``: arm -> drugs); empty when there is none."""
    rows = []
    for k, (arm, parts) in enumerate(single_drug_arms(arms).items()):
        combo = ida_outcomes([outcomes[outcomes["arm"] == p] for p in parts], rho=rho, seed=seed + k)
        rows.append({
            "arm": arm, "orr_ida": float((combo["best_response"] == "R").mean()),
            "median_pfs_ida_months": _median_pfs(combo), "ida_arms": " + ".join(parts),
        })  # fmt: skip
    return pd.DataFrame(rows, columns=["arm", *IDA_COLUMNS, "ida_arms"])


def with_ida(summary: pd.DataFrame, outcomes: pd.DataFrame, arms: Mapping[str, Sequence[str]], seed: int = 0):
    """``summary`` with the IDA columns appended (NaN for arms that are not combinations of trial arms)."""
    ida = ida_summary(outcomes, arms, seed=seed)
    out = summary.drop(columns=[c for c in (*IDA_COLUMNS, "ida_arms") if c in summary.columns])
    return out.merge(ida, on="arm", how="left")


def ida_from_rates(
    orr: Sequence[float], median_pfs_months: Sequence[float], *, rho: float = DEFAULT_RHO, seed: int = 0,
    pairs: int = PAIRS,
) -> tuple[float, float]:  # fmt: skip
    """(ORR, median PFS) of a combination under IDA from its drugs' published single-drug results.

    Response is a threshold on each drug's latent benefit; PFS is exponential with the given
    median (an assumption: published medians are all that many trials give)."""
    if len(orr) != len(median_pfs_months) or len(orr) < 2:
        raise InputError("IDA needs the ORR and median PFS of at least two single-drug arms")
    if not all(0.0 <= p <= 1.0 for p in orr) or not all(m > 0 for m in median_pfs_months):
        raise InputError("IDA needs ORRs between 0 and 1 and positive median PFS")
    rng = np.random.default_rng(seed)
    u = _gaussian_copula(len(orr), rho, pairs, rng)
    # Long PFS and response go together: the same latent benefit drives both (upper tail = benefit).
    responds = (u > 1.0 - np.asarray(orr)).any(axis=1)
    pfs = -np.asarray(median_pfs_months) / math.log(2.0) * np.log1p(-u)
    return float(responds.mean()), float(np.median(pfs.max(axis=1)))


def latent_or(p: Sequence[float], rho: float = DEFAULT_RHO) -> float:
    """Exact P(respond to either of two drugs) under the Gaussian copula (a check of the sampler)."""
    from scipy.stats import multivariate_normal

    if len(p) != 2:
        raise InputError("latent_or takes two response probabilities")
    r = 2.0 * math.sin(math.pi * rho / 6.0)
    z = [float(ndtri(1.0 - q)) for q in p]
    none = multivariate_normal(mean=[0.0, 0.0], cov=[[1.0, r], [r, 1.0]]).cdf(z)
    return float(1.0 - none)
