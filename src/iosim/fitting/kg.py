"""The tumour growth rate constant KG of the biexponential model of Claret et al. 2018, many courses at once.

Claret et al. 2018 (Clin Cancer Res 24:3292) estimated each POPLAR and OAK patient's KG, the covariate of
their OS model, from the sum of longest diameters with the biexponential model of Stein et al. without a
sensitive fraction; Chan et al. 2021 (CPT Pharmacometrics Syst Pharmacol 10:1171) used the same model for
6,699 atezolizumab patients:

    y(t) = SLD(t) / SLD(0) = exp(−KS·t) + exp(KG·t) − 1,      KS ≥ 0, KG ≥ 0    (t in days)

Shrinkage and regrowth act on the whole tumour, so a course that drops and then stays flat (a durable
response) is fitted with a small KG: unlike the Stein model with a sensitive fraction
(:func:`iosim.fitting.fit_tgi`), it cannot explain a plateau by a vanishing fraction regrowing fast. A
course with no growth phase gets KG = 0, Stein's "no g" (docs/endpoints.md).

Least squares on y over the scans, by a search on a log grid of (KS, KG) for all courses at once (the
model has two parameters, and the sums of squares of a whole grid are two matrix products), then a
finer grid, a few times, around each course's best point. Resolution: 0.002 decades (0.5%) of each rate.
"""

from __future__ import annotations

import numpy as np

__all__ = ["KG_MAX_PER_DAY", "fit_kg"]

#: Grid bounds (chosen): 1e-5/day (a diameter doubling in 190 years: no visible change) to 0.1/day, the
#: bounds of :mod:`iosim.fitting.tgi`; 0 is on the grid for a course without that phase.
KG_MIN_PER_DAY = 1e-5
KG_MAX_PER_DAY = 0.1
_COARSE = np.r_[0.0, np.logspace(-5, -1, 81)]  # 0.05 decades
#: Refinements: decades between points of each +-5-point grid around the best so far (chosen: ~0.5% at the end).
_FINE_STEPS = (0.05, 0.05, 0.01, 0.01, 0.01, 0.002, 0.002)


def fit_kg(days: np.ndarray, sld: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """KS and KG (per day) of each course of ``sld`` (patients x scans, column 0 the baseline at day 0).

    A course whose baseline is not positive or has a missing value gets NaN for both.
    """
    t = np.asarray(days, dtype=float)
    sld = np.asarray(sld, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        y = sld / sld[:, :1]
    ok = np.isfinite(y).all(axis=1) & (sld[:, 0] > 0)
    ks = np.full(len(y), np.nan)
    kg = np.full(len(y), np.nan)
    if not ok.any():
        return ks, kg
    y = y[ok]
    # Coarse grid: SSE(k, j) = sum_t (e1_k + e2_j - 1 - y)^2, expanded to need y only through dot products.
    e1 = np.exp(-np.outer(_COARSE, t))  # (K, m)
    e2 = np.exp(np.outer(_COARSE, t))
    a = e1[:, None, :] + e2[None, :, :] - 1.0  # (K, K, m), independent of the patients
    aa = np.einsum("kjm,kjm->kj", a, a)
    y1, y2, ysum = y @ e1.T, y @ e2.T, y.sum(axis=1)
    # One KS row of the (patients, KS, KG) sums at a time: the same numbers as the whole array at once, but
    # each row fits in cache (the whole array, 54 kB per patient, made this the slowest part of a trial chunk).
    # The first KS reaching the least sum, then its first KG: the order of an argmin over the flattened array.
    ysum = ysum[:, None]
    best_k = np.zeros(len(y), dtype=np.int64)
    best_j = np.zeros(len(y), dtype=np.int64)
    least = np.full(len(y), np.inf)
    for k in range(_COARSE.size):
        row = aa[k][None, :] - 2.0 * (y1[:, k : k + 1] + y2 - ysum)
        j = row.argmin(axis=1)
        v = row[np.arange(len(y)), j]
        better = v < least
        best_k[better], best_j[better], least[better] = k, j[better], v[better]
    b_ks, b_kg = _COARSE[best_k], _COARSE[best_j]
    for step in _FINE_STEPS:
        b_ks, b_kg = _refine(t, y, b_ks, b_kg, step)
    ks[ok], kg[ok] = b_ks, b_kg
    return ks, kg


def _refine(t, y, ks, kg, step):
    """The best point of a +-5-point log grid (``step`` decades apart) around each course's (ks, kg); a rate
    at 0 also tries the grid's smallest rates, and 0 stays a candidate."""
    factors = 10.0 ** (step * np.arange(-5, 6))

    def around(v):
        c = np.maximum(v, KG_MIN_PER_DAY)[:, None] * factors[None, :]
        return np.clip(np.concatenate([np.zeros((len(v), 1)), c], axis=1), 0.0, KG_MAX_PER_DAY)

    cs, cg = around(ks), around(kg)  # (n, 12) each
    e1 = np.exp(-cs[:, :, None] * t)  # (n, 12, m)
    e2 = np.exp(cg[:, :, None] * t)
    w = 1.0 + y
    # SSE(i, j) = sum_t (e1_i + e2_j - w)^2, expanded: the cross term is one batched matrix product
    sse = (
        np.einsum("nim,nim->ni", e1, e1 - 2.0 * w[:, None, :])[:, :, None]
        + np.einsum("njm,njm->nj", e2, e2 - 2.0 * w[:, None, :])[:, None, :]
        + 2.0 * (e1 @ e2.transpose(0, 2, 1))
        + np.einsum("nm,nm->n", w, w)[:, None, None]
    ).reshape(len(y), -1)
    best = sse.argmin(axis=1)
    rows = np.arange(len(y))
    return cs[rows, best // cs.shape[1]], cg[rows, best % cg.shape[1]]
