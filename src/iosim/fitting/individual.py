"""Maximum-likelihood fit of one subject's time series, with profile-likelihood intervals.

The observation ``y_i`` at time ``t_i`` is the model prediction ``f_i = f(t_i; θ)`` (a state
or an output) plus noise with standard deviation

- ``"additive"``:      σ_i = a
- ``"proportional"``:  σ_i = b·f_i
- ``"combined"``:      σ_i = sqrt(a² + b²·f_i²)

The negative log-likelihood is Σ [ln σ_i + (y_i − f_i)²/(2σ_i²)] + (n/2)·ln 2π. For the
additive and proportional models the error scale has a closed-form maximum
(a² = mean r², b² = mean (r/f)²) and is profiled out; the combined model estimates ln a and
ln b with θ. Parameters are estimated on the log scale (they are positive), from several
starts (the model's values, then log-uniform draws within a factor 10 of them), with
scipy's L-BFGS-B then Nelder–Mead polish.

Confidence intervals come from the profile likelihood: for each parameter, the values where
2·(NLL_profile − NLL_min) crosses the χ²₁ 95 % quantile 3.841, the other parameters refitted
at each step. Wald standard errors from the numerical Hessian on the log scale are reported
beside them.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from iosim.errors import InputError, UnknownNameError
from iosim.model.declaration import Model

ERROR_MODELS = ("additive", "proportional", "combined")
CHI2_95 = 3.841458820694124  # χ²(1) 0.95 quantile
_BIG = 1e12


class FitError(InputError):
    """The data or the fitting options cannot be used."""


@dataclass(frozen=True)
class FitResult:
    """Estimates of one fit: ``summary()`` is a table; ``predict(times)`` the fitted curve."""

    model: Model
    observe: str
    estimate: tuple[str, ...]
    error_model: str
    values: dict[str, float]
    error: dict[str, float]
    se_log: dict[str, float]
    ci: dict[str, tuple[float, float]]
    nll: float
    n_obs: int
    time: np.ndarray = field(repr=False)
    observed: np.ndarray = field(repr=False)
    predicted: np.ndarray = field(repr=False)
    starts_converged: int = 0

    @property
    def n_estimated(self) -> int:
        return len(self.estimate) + len(self.error)

    @property
    def aic(self) -> float:
        return 2.0 * self.nll + 2.0 * self.n_estimated

    @property
    def bic(self) -> float:
        return 2.0 * self.nll + math.log(self.n_obs) * self.n_estimated

    @property
    def residuals(self) -> np.ndarray:
        """Weighted residuals (y − f)/σ."""
        return (self.observed - self.predicted) / _sigma(self.predicted, self.error_model, self.error)

    def summary(self) -> pd.DataFrame:
        rows = []
        for name in self.estimate:
            lo, hi = self.ci.get(name, (math.nan, math.nan))
            v = self.values[name]
            rows.append({"parameter": name, "estimate": v, "se": v * self.se_log.get(name, math.nan),
                         "ci_low": lo, "ci_high": hi, "ci_method": "profile likelihood 95%"})  # fmt: skip
        for name, v in self.error.items():
            rows.append({"parameter": f"error_{name}", "estimate": v, "se": math.nan, "ci_low": math.nan,
                         "ci_high": math.nan, "ci_method": ""})  # fmt: skip
        out = pd.DataFrame(rows)
        out.attrs.update(nll=self.nll, aic=self.aic, bic=self.bic, n_obs=self.n_obs)
        return out

    def predict(self, times: Sequence[float] | np.ndarray) -> np.ndarray:
        return _predict(self.model, self.observe, self.values, np.asarray(times, dtype=float))


def _sigma(f: np.ndarray, error_model: str, err: dict[str, float]) -> np.ndarray:
    if error_model == "additive":
        return np.full_like(f, err["a"])
    if error_model == "proportional":
        return err["b"] * np.abs(f)
    return np.sqrt(err["a"] ** 2 + (err["b"] * f) ** 2)


def _predict(model: Model, observe: str, values: dict[str, float], times: np.ndarray) -> np.ndarray:
    """The observed state or output at ``times``; NaN when the solution blows up (> 1e30) or fails.

    Integrates the compiled right-hand side with LSODA from t = 0 and stops at once on
    overflow, so that a wild trial parameter costs milliseconds, not a stalled solver."""
    from scipy.integrate import solve_ivp

    from iosim.model.compiled import compile_model

    cm = compile_model(model)
    p = model.parameter_values({k: v for k, v in values.items() if k in model.parameter_names})
    y0 = model.initial_values({k: v for k, v in values.items() if k in model.state_names})
    uniq = np.unique(times)

    def blow_up(t, y, p):
        return 1e30 - np.max(np.abs(y))

    blow_up.terminal = True  # type: ignore[attr-defined]  # scipy's solve_ivp reads event attributes
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # LSODA's convergence warnings at wild trial parameters
        try:
            sol = solve_ivp(cm.rhs, (0.0, float(uniq[-1])), y0, method="LSODA", t_eval=uniq, args=(p,),
                            rtol=1e-7, atol=1e-9, jac=cm.jacobian, events=blow_up)  # fmt: skip
        except (ValueError, OverflowError, ZeroDivisionError):  # e.g. log of a negative volume
            return np.full(times.size, np.nan)
        if sol.status != 0 or sol.y.shape[1] != uniq.size:
            return np.full(times.size, np.nan)
        if observe in model.state_names:
            track = sol.y[model.state_index(observe)]
        else:
            P = np.repeat(p[:, None], uniq.size, axis=1)
            track = cm.outputs(uniq, sol.y, P)[model.output_names.index(observe)]
    return track[np.searchsorted(uniq, times)]


def _nll(y: np.ndarray, f: np.ndarray, error_model: str, log_err: np.ndarray) -> tuple[float, dict[str, float]]:
    if not np.all(np.isfinite(f)) or (error_model != "additive" and np.any(f <= 0)):
        return _BIG, {}
    r = y - f
    n = y.size
    if error_model == "additive":
        a = math.sqrt(max(float(np.mean(r**2)), 1e-300))
        err = {"a": a}
    elif error_model == "proportional":
        b = math.sqrt(max(float(np.mean((r / f) ** 2)), 1e-300))
        err = {"b": b}
    else:
        err = {"a": math.exp(log_err[0]), "b": math.exp(log_err[1])}
    s = _sigma(f, error_model, err)
    value = float(np.sum(np.log(s)) + 0.5 * np.sum((r / s) ** 2) + 0.5 * n * math.log(2 * math.pi))
    return (value if math.isfinite(value) else _BIG), err


def _numbers(column, name: str) -> np.ndarray:
    try:
        return np.asarray(column, dtype=float).reshape(-1)
    except (TypeError, ValueError):
        bad = next((v for v in np.asarray(column, dtype=object).reshape(-1) if not _is_number(v)), "?")
        raise FitError(f"data column {name} holds a non-number ({str(bad)[:40]!r}); fix or drop that row") from None


def _is_number(v) -> bool:
    try:
        float(v)
    except (TypeError, ValueError):
        return False
    return True


def _check_data(time, value) -> tuple[np.ndarray, np.ndarray]:
    t, y = _numbers(time, "time"), _numbers(value, "value")
    if t.size != y.size:
        raise FitError(f"time and value have different lengths ({t.size} and {y.size})")
    if not (np.all(np.isfinite(t)) and np.all(np.isfinite(y))):
        raise FitError("data contain missing or non-finite times or values; drop those rows")
    if np.any(t < 0):
        raise FitError(f"data have a negative time ({t.min():g}); times start at 0")
    return t, y


class _Objective:
    def __init__(self, model, observe, names, error_model, t, y, fixed=None):
        self.model, self.observe, self.names, self.error_model = model, observe, names, error_model
        self.t, self.y, self.fixed = t, y, dict(fixed or {})
        self.n_err = 2 if error_model == "combined" else 0

    def values(self, x: np.ndarray) -> dict[str, float]:
        v = dict(self.fixed)
        v.update({n: math.exp(xi) for n, xi in zip(self.names, x[: len(self.names)])})
        return v

    def __call__(self, x: np.ndarray) -> float:
        if not np.all(np.isfinite(x)) or np.any(np.abs(x) > 700):
            return _BIG
        f = _predict(self.model, self.observe, self.values(x), self.t)
        return _nll(self.y, f, self.error_model, x[len(self.names) :])[0]


def _minimise(obj: _Objective, x0: np.ndarray, *, polish: bool = False) -> tuple[np.ndarray, float]:
    from scipy.optimize import minimize

    r = minimize(obj, x0, method="L-BFGS-B", options={"maxiter": 500})
    if not polish:
        return r.x, float(r.fun)
    r2 = minimize(obj, r.x, method="Nelder-Mead", options={"maxiter": 400 * x0.size, "xatol": 1e-7, "fatol": 1e-9})
    return (r2.x, float(r2.fun)) if r2.fun <= r.fun else (r.x, float(r.fun))


def _hessian_se(obj: _Objective, x: np.ndarray, h: float = 1e-3) -> np.ndarray:
    k = x.size
    H = np.empty((k, k))
    f0 = obj(x)
    for i in range(k):
        for j in range(i, k):
            ei, ej = np.eye(k)[i] * h, np.eye(k)[j] * h
            if i == j:
                H[i, i] = (obj(x + ei) - 2 * f0 + obj(x - ei)) / h**2
            else:
                H[i, j] = H[j, i] = (obj(x + ei + ej) - obj(x + ei - ej) - obj(x - ei + ej) + obj(x - ei - ej)) / (
                    4 * h**2
                )
    try:
        cov = np.linalg.inv(H)
        return np.sqrt(np.where(np.diag(cov) > 0, np.diag(cov), np.nan))
    except np.linalg.LinAlgError:
        return np.full(k, np.nan)


def _profile(obj: _Objective, x_hat: np.ndarray, nll_min: float, k: int, se: float, max_steps: int = 14):
    """Lower and upper 95% profile bounds of parameter k (natural scale); 0 or inf where never crossed.

    Steps outward on the log scale with growing steps, refitting the other parameters, then
    bisects the bracketing step four times."""
    from scipy.optimize import minimize

    step = min(max(0.5 * se if math.isfinite(se) else 0.1, 0.005), 0.5)

    def profile_value(xk: float, start: np.ndarray) -> tuple[float, np.ndarray]:
        if not start.size:
            return 2.0 * (obj(np.array([xk])) - nll_min), start
        r = minimize(
            lambda z: obj(np.insert(z, k, xk)), start, method="Nelder-Mead", options={"maxiter": 200 * start.size}
        )
        return 2.0 * (float(r.fun) - nll_min), r.x

    bounds = []
    for direction in (-1.0, 1.0):
        inner, start = x_hat[k], np.delete(x_hat, k)
        bound = math.nan
        for s in range(max_steps):
            xk = x_hat[k] + direction * step * 2 ** (s / 2)
            d, start_new = profile_value(xk, start)
            if d >= CHI2_95:
                outer = xk
                for _ in range(4):
                    mid = 0.5 * (inner + outer)
                    dm, _ = profile_value(mid, start)
                    inner, outer = (mid, outer) if dm < CHI2_95 else (inner, mid)
                bound = 0.5 * (inner + outer)
                break
            inner, start = xk, start_new
        bounds.append(math.exp(bound) if math.isfinite(bound) else (0.0 if direction < 0 else math.inf))
    return bounds[0], bounds[1]


def fit_individual(
    model: Model,
    data,
    *,
    observe: str,
    estimate: Sequence[str],
    error_model: str = "proportional",
    starts: int = 5,
    seed: int | np.random.Generator | None = 0,
    ci: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> FitResult:
    """Fit ``estimate`` (parameter or initial-state names) of ``model`` to one time series.

    Parameters
    ----------
    model : the model; parameters not estimated keep its values.
    data : ``(time, value)`` arrays, or a DataFrame with ``time`` and ``value`` columns.
    observe : the state or output the data measure.
    estimate : names to estimate (all must be positive: they are fitted on the log scale).
    error_model : ``"proportional"``, ``"additive"`` or ``"combined"``.
    starts : number of starts (the first is the model's values).
    seed : seed or Generator of the random starts.
    ci : compute profile-likelihood 95 % intervals (one refit per step; slower).
    progress : called as ``progress(done, total)`` after each start, the polish and each profile.
    """
    if isinstance(data, pd.DataFrame):
        missing = [c for c in ("time", "value") if c not in data.columns]
        if missing:
            raise FitError(f"data has no {', '.join(missing)} column; it needs time and value")
        data = (data["time"], data["value"])
    t, y = _check_data(*data)
    if error_model not in ERROR_MODELS:
        raise UnknownNameError("error model", error_model, ERROR_MODELS)
    if observe not in model.state_names + model.output_names:
        raise UnknownNameError("state or output", observe, model.state_names + model.output_names)
    names = tuple(estimate)
    if not names:
        raise FitError("nothing to estimate; name at least one parameter")
    if len(set(names)) != len(names):
        raise FitError("a name is listed twice in estimate")
    x0 = []
    for n in names:
        if n in model.parameter_names:
            v = model.parameter(n).value
        elif n in model.state_names:
            v = model.state(n).initial
        else:
            raise UnknownNameError("parameter or state", n, model.parameter_names + model.state_names)
        if v <= 0:
            raise FitError(f"{n}={v:g} is not positive; iosim fits positive quantities on the log scale")
        x0.append(math.log(v))
    n_err = 2 if error_model == "combined" else 0
    if y.size <= len(names) + max(n_err, 1):
        raise FitError(f"{y.size} observations are too few to estimate {len(names)} parameters and the error")
    if error_model != "additive" and np.any(y <= 0):
        raise FitError(f"the {error_model} error model needs positive observations; drop the zeros or use additive")
    if not isinstance(starts, int) or starts < 1:
        raise FitError(f"starts must be a whole number of at least 1, got {starts!r}")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    obj = _Objective(model, observe, names, error_model, t, y)
    base = np.array(x0 + ([math.log(max(np.std(y), 1e-9)), math.log(0.1)] if n_err else []))
    best_x, best, converged = None, math.inf, 0
    steps = starts + 1 + (len(names) if ci else 0)

    def step(done: int) -> None:
        if progress is not None:
            progress(done, steps)

    for s in range(starts):
        x_start = base.copy()
        if s:
            x_start[: len(names)] += rng.uniform(-math.log(10), math.log(10), len(names))
        x, val = _minimise(obj, x_start)
        if val < _BIG:
            converged += 1
        if val < best:
            best_x, best = x, val
        step(s + 1)
    if best_x is None or best >= _BIG:
        raise FitError("no start gave a finite likelihood; check the data, the observed name and the starting values")
    best_x, best = _minimise(obj, best_x, polish=True)
    step(starts + 1)
    values = obj.values(best_x)
    f = _predict(model, observe, values, t)
    _, err = _nll(y, f, error_model, best_x[len(names) :])
    se = _hessian_se(obj, best_x)
    intervals = {}
    if ci:
        for k, n in enumerate(names):
            intervals[n] = _profile(obj, best_x, best, k, float(se[k]))
            step(starts + 2 + k)
    return FitResult(
        model=model, observe=observe, estimate=names, error_model=error_model,
        values={n: values[n] for n in names}, error=err, se_log={n: float(se[k]) for k, n in enumerate(names)},
        ci=intervals, nll=best, n_obs=int(y.size), time=t, observed=y, predicted=f, starts_converged=converged,
    )  # fmt: skip
