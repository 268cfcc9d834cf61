"""One-parameter scans of equilibria and two-dimensional scans of initial conditions."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from iosim.analysis.equilibria import find_equilibria
from iosim.model.declaration import Model
from iosim.simulation.options import SaveAt, SolverOptions


def scan_parameter(
    model: Model,
    name: str,
    values: Sequence[float] | np.ndarray,
    *,
    params: Mapping[str, float] | None = None,
    n_starts: int = 100,
    progress: Callable[[int, int], None] | None = None,
) -> pd.DataFrame:
    """Equilibria and their stability as parameter ``name`` takes each of ``values``.

    One row per (value, equilibrium): the parameter value, every state, ``kind`` and
    ``stable`` — a bifurcation diagram in table form. ``progress(done, total)`` is called after each value."""
    model.parameter(name)
    rows = []
    values = list(values)
    for k, v in enumerate(values):
        overrides = {**dict(params or {}), name: float(v)}
        for eq in find_equilibria(model, params=overrides, n_starts=n_starts):
            rows.append({name: float(v), **eq.values, "kind": eq.kind, "stable": eq.stable})
        if progress is not None:
            progress(k + 1, len(values))
    return pd.DataFrame(rows, columns=[name, *model.state_names, "kind", "stable"])


def plot_scan(df: pd.DataFrame, parameter: str, state: str, *, path: str | Path | None = None, log: bool = True):
    """Bifurcation diagram: stable equilibria filled, unstable open."""
    import matplotlib

    if path is not None:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.5, 4))
    for stable, marker in ((True, "o"), (False, "o")):
        part = df[df["stable"] == stable]
        ax.scatter(
            part[parameter],
            part[state],
            s=14,
            marker=marker,
            facecolors="C0" if stable else "none",
            edgecolors="C0" if stable else "C3",
            label="stable" if stable else "unstable",
        )
    if log and (df[state] > 0).any():
        ax.set_yscale("symlog", linthresh=max(1e-12, float(df.loc[df[state] > 0, state].min())))
    ax.set_xlabel(parameter)
    ax.set_ylabel(f"{state} at equilibrium")
    ax.legend()
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=120)
        plt.close(fig)
    return fig


@dataclass(frozen=True)
class Basins:
    x_state: str
    y_state: str
    x: np.ndarray
    y: np.ndarray
    #: Final value of ``outcome_state`` for each (y, x) initial condition.
    final: np.ndarray
    outcome_state: str


def basins(
    model: Model,
    x: tuple[str, float, float, int],
    y: tuple[str, float, float, int],
    *,
    outcome: str,
    t_end: float,
    params: Mapping[str, float] | None = None,
    log: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> Basins:
    """Simulate a grid of initial conditions and record the final value of ``outcome``.

    ``x`` and ``y`` are (state, low, high, points); grids are log-spaced when ``log``.
    ``progress(done, total)`` is called after each row of the grid."""
    from iosim.simulation import simulate

    space = np.geomspace if log else np.linspace
    xs, ys = space(x[1], x[2], x[3]), space(y[1], y[2], y[3])
    final = np.empty((ys.size, xs.size))
    for i, yv in enumerate(ys):
        for j, xv in enumerate(xs):
            r = simulate(
                model, t_end, params=params, initial={x[0]: xv, y[0]: yv}, saveat=SaveAt(t1=True),
                solver=SolverOptions(rtol=1e-6, atol=1e-6),
            )
            final[i, j] = r.final(outcome) if r.ok else np.nan
        if progress is not None:
            progress((i + 1) * xs.size, final.size)
    return Basins(x[0], y[0], xs, ys, final, outcome)


def plot_basins(b: Basins, *, path: str | Path | None = None):
    import matplotlib

    if path is not None:
        matplotlib.use("Agg")
    import matplotlib.colors as mcolors
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4.5))
    data = np.where(b.final > 0, b.final, np.nan)
    mesh = ax.pcolormesh(b.x, b.y, data, shading="nearest", norm=mcolors.LogNorm() if np.nanmin(data) > 0 else None)
    ax.contourf(b.x, b.y, (b.final <= 0).astype(float), levels=[0.5, 1.5], colors=["white"], hatches=["//"])
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(f"initial {b.x_state}")
    ax.set_ylabel(f"initial {b.y_state}")
    fig.colorbar(mesh, ax=ax, label=f"final {b.outcome_state} (hatched: 0)")
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=120)
        plt.close(fig)
    return fig
