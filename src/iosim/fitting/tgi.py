"""Tumour growth-inhibition (TGI) fits of lesion diameters, one per patient, all patients at once.

Each patient's diameters D(t), normalised to the baseline scan, follow the regression–growth
model of Stein et al. 2011 (Clin Cancer Res 17:907) in its form with a sensitive fraction f:
that fraction of the tumour shrinks with rate d while the rest grows with rate g,

    y(t) = D(t) / D(0) = f·exp(−d·t) + (1 − f)·exp(g·t),    0 ≤ f ≤ 1,  d ≥ 0,  g ≥ 0,

t in days from the baseline scan: the last scan on or before day 0 (start of treatment), or
the first scan when none is. Scans before the baseline are not used. f = 1 is pure regression,
f = 0 pure growth; a rate whose component is absent (changes the curve by < 1e-12) is
reported as 0.

The fit minimises SSE = Σ (y_model − D/D0)² over the post-baseline scans (the baseline's
residual is 0 by construction), all patients at once in numpy (benchmarks/tgi_fit.py: 200,000
patients of 8 scans in well under a minute on one core). The model is linear in the growing
fraction h = 1 − f, so h is solved exactly for given d and g (see _best_h) and a projected
Levenberg–Marquardt searches (d, g) in the box [0, D_MAX] × [0, G_MAX] (variable projection,
Golub & Pereyra 1973, SIAM J Numer Anal 10:413) from a few grid starts; after some iterations
each patient continues from its best start only. A late upturn can put g on its bound (a
vanishing fraction regrowing at G_MAX): the bound, not the data, sets g there. A patient
whose fit cannot run (too few scans, zero baseline) or fails is a row with ``fit_ok = False``,
never an exception.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from iosim.errors import InputError

__all__ = ["D_MAX_PER_DAY", "G_MAX_PER_DAY", "best_percent_change", "fit_tgi"]

# Upper bounds of the rates (assumed): 0.1/day halves or doubles a diameter in a week, faster
# than scans every ~6 weeks can resolve and 25-100 times the medians fitted to OAK (docs/data.md).
# They also keep exp(g·t) finite for follow-ups of years.
D_MAX_PER_DAY = 0.1
G_MAX_PER_DAY = 0.1
# Start grid (chosen to span 0 to the bounds on a log scale), see _grid_starts.
_D_GRID = (3e-4, 0.003, 0.01, 0.03, D_MAX_PER_DAY)
_G_GRID = (3e-5, 0.001, 0.003, 0.01, 0.03, G_MAX_PER_DAY)
_N_STARTS = len(_D_GRID) + 1
# Iteration control, chosen so that the cross-check against scipy in tests/fitting/test_tgi.py
# passes with margin: every start runs _SCOUT iterations, the best one up to _ITERATIONS; every
# _CHECK iterations the rows whose SSE fell by less than _RTOL (relative) stop.
_SCOUT = 10
_ITERATIONS = 100
_CHECK = 5
_RTOL = 1e-9
_LAM0, _LAM_UP, _LAM_DOWN = 1e-2, 10.0, 0.3  # damping: start, after a rejected and an accepted step
_INVISIBLE = 1e-12  # chosen: a change of the curve far below any measurable one
_BLOCK = 400_000  # patient·scan cells per block: bounds memory, keeps arrays cache-friendly


def best_percent_change(
    df: pd.DataFrame, *, patient: str = "patient", day: str = "day", diameter: str = "diameter_mm"
) -> pd.DataFrame:
    """Observed response per patient, one row each (sorted by patient).

    Columns: ``patient``, ``n_scans`` (baseline and later scans with a diameter),
    ``baseline_mm``, ``best_pct_change`` (min over post-baseline scans of 100·(D/D0 − 1); NaN
    without a post-baseline scan or with a zero baseline), ``nadir_day`` (day of that scan) and
    ``last_day`` (day of the last scan).
    """
    return _Scans.from_frame(df, patient, day, diameter).summary()


def fit_tgi(
    df: pd.DataFrame,
    *,
    patient: str = "patient",
    day: str = "day",
    diameter: str = "diameter_mm",
    min_scans: int = 3,
) -> pd.DataFrame:
    """Fit y(t) = f·exp(−d·t) + (1 − f)·exp(g·t) to every patient's normalised diameters.

    Parameters
    ----------
    df : long table, one row per scan; rows with a missing day or diameter are ignored.
    patient, day, diameter : its column names (day in days from the start of treatment).
    min_scans : fewest scans (baseline included) for a fit; with fewer than 4 the three
        parameters are not all identifiable, the fit then only reproduces the points.

    Returns
    -------
    The columns of :func:`best_percent_change`, then ``f``, ``d`` and ``g`` (per day; NaN
    when not fitted), ``fit_ok`` and ``rmse`` (root mean square of the residuals in units of
    the baseline diameter, over the post-baseline scans). In a bound fit (g = G_MAX) the
    regrowing fraction 1 − f can be ~1e-15, which f = 1 − (1 − f) rounds in float64.
    """
    if isinstance(min_scans, bool) or not isinstance(min_scans, int | np.integer) or min_scans < 2:
        raise InputError(f"min_scans={min_scans!r}: use a whole number of at least 2 (baseline and one more scan)")
    scans = _Scans.from_frame(df, patient, day, diameter)
    out = scans.summary()
    n_post = out["n_scans"].to_numpy() - 1
    fit = (out["n_scans"].to_numpy() >= min_scans) & (scans.baseline > 0)
    params = np.full((len(out), 4), np.nan)  # f, d, g, sse
    for block in _blocks(np.flatnonzero(fit), n_post):
        t, y = scans.padded(block, int(n_post[block].max()))
        params[block] = _fit_block(t, y)
    out["f"], out["d"], out["g"] = params[:, 0], params[:, 1], params[:, 2]
    out["fit_ok"] = fit & np.isfinite(params).all(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["rmse"] = np.where(out["fit_ok"], np.sqrt(params[:, 3] / np.maximum(n_post, 1)), np.nan)
    for col in ("f", "d", "g"):
        out.loc[~out["fit_ok"], col] = np.nan
    return out


def _blocks(ids: np.ndarray, n_post: np.ndarray):
    """Patients in blocks of equal scan counts (no padding) and at most ``_BLOCK`` cells."""
    for width in np.unique(n_post[ids]):
        same = ids[n_post[ids] == width]
        per_block = max(1, _BLOCK // int(width))
        for i in range(0, len(same), per_block):
            yield same[i : i + per_block]


class _Scans:
    """Scans sorted by patient then day, with each patient's baseline located (all vectorised)."""

    def __init__(self, ids, code, day_, diam, n_patients):
        self.ids = ids
        n_rows = np.bincount(code, minlength=n_patients)
        first = np.concatenate(([0], np.cumsum(n_rows)[:-1]))
        n_pre = np.bincount(code, weights=day_ <= 0, minlength=n_patients).astype(int)
        has = n_rows > 0
        self.base_row = np.where(has, first + np.maximum(n_pre - 1, 0), 0)
        self.n_scans = np.where(has, n_rows - (self.base_row - first), 0)
        self.baseline = np.where(has, diam[self.base_row] if len(diam) else 0.0, np.nan)
        self.last_day = np.where(has, day_[np.maximum(first + n_rows - 1, 0)] if len(day_) else 0.0, np.nan)
        rank = np.arange(len(code)) - first[code]
        base_rank = (self.base_row - first)[code]
        self.post = rank > base_rank
        self.t = day_ - day_[self.base_row[code]] if len(code) else day_
        with np.errstate(invalid="ignore", divide="ignore"):
            self.y = diam / self.baseline[code]
        self.code, self.day = code, day_

    @classmethod
    def from_frame(cls, df: pd.DataFrame, patient: str, day: str, diameter: str) -> _Scans:
        if not isinstance(df, pd.DataFrame):
            raise InputError(f"expected a pandas DataFrame of scans, got {type(df).__name__}")
        for col, option in ((patient, "patient"), (day, "day"), (diameter, "diameter")):
            if col not in df.columns:
                raise InputError(
                    f"column {col!r} is not in the table (columns: {', '.join(map(str, df.columns))}); "
                    f"name yours with {option}=..."
                )
        if df[patient].isna().any():
            raise InputError(f"column {patient!r} has {int(df[patient].isna().sum())} missing patient ids")
        day_ = _numeric(df[day], day)
        diam = _numeric(df[diameter], diameter)
        if (diam < 0).any():
            raise InputError(f"column {diameter!r} has negative diameters; sizes must be >= 0")
        code, ids = pd.factorize(df[patient], sort=True)
        keep = ~(np.isnan(day_) | np.isnan(diam))
        code, day_, diam = code[keep], day_[keep], diam[keep]
        order = np.lexsort((day_, code))
        return cls(ids, code[order], day_[order], diam[order], len(ids))

    def summary(self) -> pd.DataFrame:
        n = len(self.ids)
        best = np.full(n, np.nan)
        nadir = np.full(n, np.nan)
        ok = self.post & np.isfinite(self.y)
        pct = 100.0 * (self.y[ok] - 1.0)
        code, day_ = self.code[ok], self.day[ok]
        order = np.lexsort((day_, pct, code))  # lowest change first, the earliest such scan on ties
        uniq, first = np.unique(code[order], return_index=True)
        best[uniq] = pct[order][first]
        nadir[uniq] = day_[order][first]
        return pd.DataFrame(
            {
                "patient": np.asarray(self.ids),
                "n_scans": self.n_scans,
                "baseline_mm": self.baseline,
                "best_pct_change": best,
                "nadir_day": nadir,
                "last_day": self.last_day,
            }
        )

    def padded(self, patients: np.ndarray, width: int) -> tuple[np.ndarray, np.ndarray]:
        """Post-baseline times and normalised sizes, one row per patient, padded with t=0, y=1
        (where the model is exactly 1, so padding adds nothing to the SSE or the Jacobian)."""
        cols = np.arange(width)
        count = (self.n_scans[patients] - 1)[:, None]
        rows = np.minimum(self.base_row[patients][:, None] + 1 + cols, len(self.t) - 1)
        pad = cols >= count
        t = np.where(pad, 0.0, self.t[rows])
        y = np.where(pad, 1.0, self.y[rows])
        return t, y


def _numeric(col: pd.Series, name: str) -> np.ndarray:
    try:
        values = pd.to_numeric(col, errors="raise").to_numpy(dtype=float)
    except (ValueError, TypeError):
        raise InputError(f"column {name!r} must hold numbers (missing values may be empty)") from None
    if np.isinf(values).any():
        raise InputError(f"column {name!r} has infinite values")
    return values


_UPPER = np.array([D_MAX_PER_DAY, G_MAX_PER_DAY])


def _fit_block(t: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Best fit for each row of ``t``/``y``: an (n, 4) array f, d, g, SSE.

    Every start runs ``_SCOUT`` iterations; each patient's best start so far then runs on alone.
    """
    n, k = len(t), _N_STARTS
    p = _grid_starts(t, y).transpose(1, 0, 2).reshape(-1, 2)  # row j·n + i: start j of patient i
    p, h, sse = _levenberg_marquardt(np.tile(t, (k, 1)), np.tile(y, (k, 1)), p, _SCOUT)
    pick = np.argmin(np.nan_to_num(sse.reshape(k, n), nan=np.inf), axis=0) * n + np.arange(n)
    p, h, sse = _levenberg_marquardt(t, y, p[pick], _ITERATIONS)
    # A component that changes the curve by less than _INVISIBLE over the follow-up (f = 0 for the
    # shrinking one, f = 1 for the growing one) leaves its rate undetermined: report that rate as
    # 0 rather than wherever the search left it.
    t_last = t.max(axis=1)
    p[(1.0 - h) * -np.expm1(-p[:, 0] * t_last) < _INVISIBLE, 0] = 0.0
    p[h * np.expm1(p[:, 1] * t_last) < _INVISIBLE, 1] = 0.0
    f = 1.0 - h
    return np.column_stack((f, p, sse))


def _best_h(e1: np.ndarray, e2: np.ndarray, y: np.ndarray):
    """For fixed d and g the model is linear in the growing fraction h = 1 − f:
    y − e^{−dt} = −h·a with a = e^{−dt} − e^{gt}, so the best h is Σa·b/Σa², b = e^{−dt} − y,
    clipped to [0, 1]. Solving for h rather than f keeps a tiny growing fraction exact where
    e^{gt} is large (late regrowth), which 1 − f would round away."""
    a, b = e1 - e2, e1 - y
    saa, sab = _rowdot(a, a), _rowdot(a, b)
    with np.errstate(invalid="ignore", divide="ignore"):
        h_free = np.where(saa > 0, sab / np.where(saa > 0, saa, 1.0), 0.5)
    h = np.clip(h_free, 0.0, 1.0)
    return h, a, b, saa, b - h[:, None] * a  # the last: residuals y_model − y


def _grid_starts(t: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Starts from the (d, g) grid, h solved exactly at each point: for each d its best g, so both
    slow and fast shrinking are tried, and the best d at g = G_MAX. That last one reaches the
    corner where a vanishing fraction regrows at the bound rate to fit a late upturn: from
    anywhere else the search tends to h = 0, where g no longer moves the curve."""
    e2 = [np.exp(g * t) for g in _G_GRID]
    sse = np.empty((len(t), len(_D_GRID), len(_G_GRID)))
    for i, d in enumerate(_D_GRID):
        e1 = np.exp(-d * t)
        for j, a2 in enumerate(e2):
            r = _best_h(e1, a2, y)[4]
            sse[:, i, j] = _rowdot(r, r)
    starts = np.empty((len(t), _N_STARTS, 2))
    starts[:, : len(_D_GRID), 0] = _D_GRID
    starts[:, : len(_D_GRID), 1] = np.asarray(_G_GRID)[np.argmin(sse, axis=2)]
    starts[:, -1, 0] = np.asarray(_D_GRID)[np.argmin(sse[:, :, -1], axis=1)]
    starts[:, -1, 1] = _G_GRID[-1]
    return starts


def _residuals(T, Y, p):
    """Residuals at the best h for each (d, g), and their total derivatives by d and g
    (variable projection, Golub & Pereyra 1973: h follows d and g, so dr/dd = ∂r/∂d − a·∂h/∂d)."""
    d, g = p[:, 0:1], p[:, 1:2]
    e1 = np.exp(-d * T)
    e2 = np.exp(g * T)  # g·t ≤ 0.1·t: finite for any follow-up shorter than ~19 years
    h, a, b, saa, r = _best_h(e1, e2, Y)
    hc = h[:, None]
    te1, te2 = T * e1, T * e2
    interior = (h > 0) & (h < 1)  # a clipped h does not move with d and g
    with np.errstate(invalid="ignore", divide="ignore"):
        inv = np.where(interior, 1.0 / np.where(saa > 0, saa, 1.0), 0.0)
    a_te1, a_te2 = _rowdot(a, te1), _rowdot(a, te2)
    dh_dd = (-_rowdot(te1, b) - a_te1 + 2 * h * a_te1) * inv
    dh_dg = (-_rowdot(te2, b) + 2 * h * a_te2) * inv
    jd = -(1.0 - hc) * te1 - a * dh_dd[:, None]
    jg = hc * te2 - a * dh_dg[:, None]
    return r, (jd, jg), h


def _rowdot(a, b):
    return np.einsum("ij,ij->i", a, b)


def _levenberg_marquardt(T, Y, p, iterations):
    """Projected Levenberg–Marquardt on (d, g) with per-row damping (Marquardt's scaling).

    A rate on a bound whose gradient points outwards is held there for the step (the active
    set); the step is then clipped to the box. A step is kept only if it lowers the SSE. Every
    ``_CHECK`` iterations the rows whose SSE fell by less than ``_RTOL`` (relative) are set
    aside, so the slow few do not cost a pass over the converged many.
    """
    p = p.copy()
    r, J, h = _residuals(T, Y, p)
    sse = _rowdot(r, r)
    out_p, out_h, out_sse = p.copy(), h.copy(), sse.copy()
    rows = np.arange(len(p))  # which rows of the output the working arrays hold
    lam = np.full(len(p), _LAM0)
    before = sse.copy()
    for it in range(1, iterations + 1):
        p, sse, h, r, J, lam, took = _lm_step(T, Y, p, sse, h, r, J, lam)
        if it % _CHECK == 0 or it == iterations:
            out_p[rows], out_h[rows], out_sse[rows] = p, h, sse
            # converged: no real gain, and the last step was taken or damping is already heavy
            done = (before - sse <= _RTOL * (sse + 1e-12)) & (took | (lam >= 1e4))
            going = ~done
            if not going.all():
                rows, T, Y, p, sse, h, r, lam = (v[going] for v in (rows, T, Y, p, sse, h, r, lam))
                J = tuple(j[going] for j in J)
            if not len(rows):
                break
            before = sse.copy()
    return out_p, out_h, out_sse


def _lm_step(T, Y, p, sse, h, r, J, lam):
    grad = np.column_stack([_rowdot(j, r) for j in J])
    held = ((p <= 0) & (grad > 0)) | ((p >= _UPPER) & (grad < 0))
    free = (~held).astype(float)
    a00 = (_rowdot(J[0], J[0]) * (1.0 + lam) + 1e-12) * free[:, 0] + held[:, 0]
    a11 = (_rowdot(J[1], J[1]) * (1.0 + lam) + 1e-12) * free[:, 1] + held[:, 1]
    a01 = _rowdot(J[0], J[1]) * free[:, 0] * free[:, 1]
    b = -grad * free
    det = a00 * a11 - a01 * a01
    with np.errstate(invalid="ignore", divide="ignore"):
        inv = np.where(det > 0, 1.0 / np.where(det > 0, det, 1.0), 0.0)
    step = np.column_stack(((a11 * b[:, 0] - a01 * b[:, 1]) * inv, (a00 * b[:, 1] - a01 * b[:, 0]) * inv))
    trial = np.clip(p + np.nan_to_num(step), 0.0, _UPPER)
    r_new, J_new, h_new = _residuals(T, Y, trial)
    sse_new = _rowdot(r_new, r_new)
    better = sse_new < sse  # NaN compares False: a step into overflow is rejected
    keep = better[:, None]
    return (
        np.where(keep, trial, p),
        np.where(better, sse_new, sse),
        np.where(better, h_new, h),
        np.where(keep, r_new, r),
        tuple(np.where(keep, jn, jo) for jn, jo in zip(J_new, J)),
        np.clip(np.where(better, lam * _LAM_DOWN, lam * _LAM_UP), 1e-9, 1e9),
        better,
    )
