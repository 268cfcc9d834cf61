"""Global sensitivity analysis of a model output with SALib, on the cohort engine.

Each SALib sample is one virtual patient: the whole design runs in one call of
:func:`iosim.cohort.simulate_cohort`, and the output (a state or a declared output
expression) is read at ``at_day``.

Ranges: ``spread=s`` gives every parameter a log-uniform range [v/(1+s), v·(1+s)] around its
value v (s = 0.5: from 2/3 to 1.5 times the default); a ``bounds`` dict gives uniform
ranges {name: (low, high)} instead. Sobol indices (Saltelli sampling, N·(2k+2) runs) come
with bootstrap 95 % confidence intervals; Morris elementary effects (N·(k+1) runs) give
μ* (mean absolute effect, with its bootstrap interval) and σ.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from iosim.errors import InputError, UnknownNameError
from iosim.model.declaration import Model
from iosim.simulation.options import SaveAt

METHODS = ("sobol", "morris")


def _problem(model: Model, parameters, spread, bounds):
    names = list(model.parameter_names if parameters is None else parameters)
    for n in names:
        if n not in model.parameter_names:
            raise UnknownNameError("parameter", n, model.parameter_names)
    if len(names) < 2:
        raise InputError("sensitivity needs at least two parameters")
    if bounds is not None:
        missing = [n for n in names if n not in bounds]
        if missing:
            raise InputError(f"bounds has no range for {', '.join(missing)}; give (low, high) for every parameter")
        lo_hi = [tuple(map(float, bounds[n])) for n in names]
        for n, (lo, hi) in zip(names, lo_hi):
            if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
                raise InputError(f"bounds for {n} must be finite with low < high, got ({lo}, {hi})")
        return names, lo_hi, False
    if not (math.isfinite(spread) and spread > 0):
        raise InputError(f"spread must be a positive number, got {spread}")
    lo_hi = []
    for n in names:
        v = model.parameter(n).value
        if v <= 0:
            raise InputError(f"parameter {n}={v:g} is not positive: give it a range in bounds=")
        lo_hi.append((math.log(v / (1 + spread)), math.log(v * (1 + spread))))
    return names, lo_hi, True


def sensitivity(
    model: Model | str,
    output: str,
    at_day: float,
    *,
    method: str = "sobol",
    parameters: Sequence[str] | None = None,
    spread: float = 0.5,
    bounds: Mapping[str, tuple[float, float]] | None = None,
    n: int = 256,
    seed: int = 0,
    initial: Mapping[str, float] | None = None,
    regimen=None,
    progress: Callable[[int, int], None] | None = None,
) -> pd.DataFrame:
    """First-order and total Sobol indices (or Morris μ*, σ) of ``output`` at ``at_day``.

    Returns one row per parameter: for Sobol ``S1, S1_conf, ST, ST_conf`` (``*_conf`` is
    the half-width of the 95 % bootstrap interval); for Morris ``mu_star, mu_star_conf,
    sigma``. ``attrs`` hold the number of runs and of failed runs (dropped: a failed
    patient is replaced by the mean output, and the count is reported). ``progress(runs_done, runs)``,
    if given, is called as blocks of runs finish.
    """
    from SALib.analyze import morris as morris_analyze
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import morris as morris_sample
    from SALib.sample import sobol as sobol_sample

    from iosim.cohort import simulate_cohort

    if isinstance(model, str):
        from iosim.models import get_model

        model = get_model(model)
    if method not in METHODS:
        raise UnknownNameError("sensitivity method", method, METHODS)
    if output not in model.state_names + model.output_names:
        raise UnknownNameError("state or output", output, model.state_names + model.output_names)
    if not (math.isfinite(at_day) and at_day > 0):
        raise InputError(f"at_day must be a positive number of days, got {at_day}")
    if not isinstance(n, int) or n < 4:
        raise InputError(f"n must be a whole number of at least 4, got {n!r}")
    names, lo_hi, log_scale = _problem(model, parameters, spread, bounds)
    problem = {"num_vars": len(names), "names": names, "bounds": [list(b) for b in lo_hi]}
    if method == "sobol":
        X = sobol_sample.sample(problem, n, calc_second_order=False, seed=seed)
    else:
        X = morris_sample.sample(problem, n, num_levels=4, seed=seed)
    values = np.exp(X) if log_scale else X
    # In blocks, so that progress can be reported (each run is independent: blocks change nothing).
    block = values.shape[0] if progress is None else max(256, math.ceil(values.shape[0] / 50))
    parts = []
    if progress is not None:
        progress(0, values.shape[0])
    for lo in range(0, values.shape[0], block):
        cut = values[lo : lo + block]
        res = simulate_cohort(model, float(at_day), params={nm: cut[:, j] for j, nm in enumerate(names)},
                              initial=initial, regimen=regimen, saveat=SaveAt(t1=True))  # fmt: skip
        parts.append(res[output][:, -1] if output in model.state_names else res.output(output)[:, -1])
        if progress is not None:
            progress(lo + cut.shape[0], values.shape[0])
    y = np.concatenate(parts)
    bad = ~np.isfinite(y)
    if bad.all():
        raise InputError("every run failed; narrow the ranges")
    y = np.where(bad, np.nanmean(y), y)
    if method == "sobol":
        si = sobol_analyze.analyze(problem, y, calc_second_order=False, seed=seed)
        table = pd.DataFrame({"parameter": names, "S1": si["S1"], "S1_conf": si["S1_conf"], "ST": si["ST"],
                              "ST_conf": si["ST_conf"]})  # fmt: skip
    else:
        si = morris_analyze.analyze(problem, X, y, num_levels=4, seed=seed)
        table = pd.DataFrame({"parameter": names, "mu_star": si["mu_star"], "mu_star_conf": si["mu_star_conf"],
                              "sigma": si["sigma"]})  # fmt: skip
    table.attrs.update(runs=int(y.size), failed=int(bad.sum()), method=method, output=output, at_day=float(at_day))
    return table


def plot_sensitivity(table: pd.DataFrame, *, path=None, title: str = ""):
    """Bar chart of the indices with their 95 % intervals."""
    import matplotlib

    if path is not None:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(max(5, 0.6 * len(table) + 2), 4))
    x = np.arange(len(table))
    if "S1" in table:
        ax.bar(x - 0.2, table["S1"], 0.4, yerr=table["S1_conf"], label="first order S1", capsize=2)
        ax.bar(x + 0.2, table["ST"], 0.4, yerr=table["ST_conf"], label="total ST", capsize=2)
        ax.set_ylabel("Sobol index")
    else:
        ax.bar(x - 0.2, table["mu_star"], 0.4, yerr=table["mu_star_conf"], label="μ*", capsize=2)
        ax.bar(x + 0.2, table["sigma"], 0.4, label="σ")
        ax.set_ylabel("elementary effect")
    ax.set_xticks(x, table["parameter"], rotation=45)
    ax.legend()
    a = table.attrs
    ax.set_title(title or f"{a.get('output', '')} at day {a.get('at_day', 0):g} ({a.get('runs', 0)} runs)")
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=110)
        plt.close(fig)
    return fig
