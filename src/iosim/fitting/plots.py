"""Goodness-of-fit plots: observed vs predicted, weighted residuals vs time, fitted curves."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from iosim.fitting.individual import FitResult


def plot_gof(fits: FitResult | Sequence[FitResult], *, path: str | Path | None = None, title: str = ""):
    """Three panels: data with fitted curves, observed vs predicted (log–log), residuals vs time."""
    import matplotlib

    if path is not None:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fits = [fits] if isinstance(fits, FitResult) else list(fits)
    fig, (a0, a1, a2) = plt.subplots(1, 3, figsize=(13, 4))
    for k, f in enumerate(fits):
        colour = f"C{k % 10}"
        grid = np.linspace(0.0, float(f.time.max()), 200)
        a0.plot(f.time, f.observed, "o", color=colour, ms=3)
        a0.plot(grid, f.predict(grid), "-", color=colour, lw=1)
        a1.loglog(f.predicted, f.observed, "o", color=colour, ms=3)
        a2.plot(f.time, f.residuals, "o", color=colour, ms=3)
    lo = min(min(f.observed.min(), f.predicted.min()) for f in fits)
    hi = max(max(f.observed.max(), f.predicted.max()) for f in fits)
    a1.plot([lo, hi], [lo, hi], "k--", lw=1)
    a0.set(yscale="log", xlabel="time (days)", ylabel=fits[0].observe, title="data and fit")
    a1.set(xlabel="predicted", ylabel="observed", title="observed vs predicted")
    a2.axhline(0, color="k", lw=1)
    for y in (-2, 2):
        a2.axhline(y, color="k", lw=0.5, ls=":")
    a2.set(xlabel="time (days)", ylabel="weighted residual", title=f"residuals ({fits[0].error_model} error)")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=110)
        plt.close(fig)
    return fig
