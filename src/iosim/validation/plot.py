"""Predicted (simulated) against observed, one panel per kind of endpoint, with the identity line."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from iosim.validation.endpoints import ENDPOINTS

COLOURS = {"calibrated": "#1f77b4", "predicted": "#d95f02"}
_PANELS = {"rate": ("rates (%)", 100.0), "months": ("medians (months)", 1.0),
           "percent": ("% change", 1.0), "value": ("other", 1.0)}  # fmt: skip
_SHORT = {"orr": "ORR", "cr_rate": "CR", "dcr": "DCR", "median_pfs_months": "PFS", "median_os_months": "OS"}


def _label(row) -> str:
    return f"{row.trial} {row.arm} {_SHORT.get(row.endpoint, row.endpoint)}"


def _err(centre: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Asymmetric error bars; none where the interval (or one end) is unknown."""
    lower = np.where(np.isfinite(lo), centre - lo, 0.0)
    upper = np.where(np.isfinite(hi), hi - centre, 0.0)
    return np.vstack([np.clip(lower, 0, None), np.clip(upper, 0, None)])


def plot_predicted_vs_observed(table: pd.DataFrame, path: str | Path | None = None):
    """Points coloured by role (filled: simulated value within the observed CI; open: outside or not
    judged), horizontal bars the observed 95% CI, vertical bars the simulated one. Medians not reached
    in the simulation cannot be placed and are listed under the figure."""
    import matplotlib

    if path is not None:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    # A distance (ks_*) has no observed point to place: it is listed under the figure instead.
    distances = table["endpoint"].str.startswith("ks_")
    listed = [f"{r.trial} {r.arm} {r.endpoint} = {float(r.simulated):.3g}" for r in table[distances].itertuples()]
    table = table[~distances]
    kinds = [k for k in _PANELS if any(ENDPOINTS[e].kind == k for e in table["endpoint"].unique())]
    panels = max(1, len(kinds))
    fig, axes = plt.subplots(1, panels, figsize=(5.6 * panels + 3.6, 6.0), squeeze=False)
    # Points carry numbers; the key beside the panels names them (names would overlap in clusters).
    table = table.reset_index(drop=True)
    number = {i: i + 1 for i in range(len(table))}
    unplaced = []
    for ax, kind in zip(axes[0], kinds):
        title, scale = _PANELS[kind]
        rows = table[[ENDPOINTS[e].kind == kind for e in table["endpoint"]]]
        top, bottom = 0.0, 0.0 if kind in ("rate", "months") else np.inf
        for role, g in rows.groupby("role"):
            g = g.astype({c: float for c in ("observed", "ci_low", "ci_high", "simulated", "sim_ci_low",
                                             "sim_ci_high")})  # fmt: skip
            shown = g[np.isfinite(g["simulated"])]
            unplaced += [str(number[i]) for i in g.index[~np.isfinite(g["simulated"])]]
            x, y = shown["observed"].to_numpy() * scale, shown["simulated"].to_numpy() * scale
            xerr = _err(x, shown["ci_low"].to_numpy() * scale, shown["ci_high"].to_numpy() * scale)
            yerr = _err(y, shown["sim_ci_low"].to_numpy() * scale, shown["sim_ci_high"].to_numpy() * scale)
            colour = COLOURS.get(str(role), "grey")
            ax.errorbar(x, y, xerr=xerr, yerr=yerr, fmt="none", ecolor=colour, alpha=0.6, elinewidth=1, capsize=2)
            inside = shown["within"].astype("boolean").fillna(False).to_numpy(dtype=bool)
            ax.scatter(x[inside], y[inside], color=colour, s=36, zorder=3, label=f"{role} (within observed CI)")
            ax.scatter(x[~inside], y[~inside], facecolors="white", edgecolors=colour, s=36, zorder=3,
                       label=f"{role} (outside, or no CI)")  # fmt: skip
            for xi, yi, i in zip(x, y, shown.index):
                ax.annotate(str(number[i]), (xi, yi), textcoords="offset points", xytext=(3, 2), fontsize=7,
                            color=colour)  # fmt: skip
            ends = [x - xerr[0], x + xerr[1], y - yerr[0], y + yerr[1]]
            finite = np.concatenate([x, y, *ends]) if len(x) else np.array([0.0])
            top = max(top, float(np.nanmax(finite)))
            bottom = min(bottom, float(np.nanmin(finite)))
        if kind in ("rate", "months"):
            top = top * 1.08 + (1.0 if kind == "months" else 2.0)
        else:  # % change and other values: the data's own range (a % change can be negative)
            bottom = bottom if np.isfinite(bottom) else 0.0
            pad = 0.08 * max(top - bottom, abs(top), 1e-12)
            top, bottom = top + pad, bottom - pad
        ax.plot([bottom, top], [bottom, top], color="grey", lw=1, ls="--", label="identity (simulated = observed)")
        ax.set(xlim=(bottom, top), ylim=(bottom, top), xlabel=f"observed {title}", ylabel=f"simulated {title}",
               title=f"Simulated vs observed: {title}", aspect="equal")  # fmt: skip
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="upper left")
    key = [f"{number[i]:>2}  {_label(r)}" for i, r in zip(table.index, table.itertuples())]
    if unplaced:
        key += ["", "not placed (median not reached", f"in the simulation): {', '.join(unplaced)}"]
    if listed:
        key += ["", "distances (not placed):", *listed]
    fig.text(1 - 3.5 / fig.get_figwidth(), 0.93, "\n".join(key), fontsize=7, ha="left", va="top", family="monospace")
    fig.tight_layout(rect=(0, 0, 1 - 3.6 / fig.get_figwidth(), 1))
    if path is not None:
        fig.savefig(path, dpi=130)
        plt.close(fig)
    return fig
