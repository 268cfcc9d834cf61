"""The flagship model's figure: the tumour as a clinician reads it, then the immune system and the drugs.

Panels, top to bottom (a panel with nothing to show is left out):

1. the sum of target-lesion diameters (mm) at the scans, with the RECIST 1.1 best response;
2. viable tumour cells (log scale);
3. immune cells (log scale);
4. antibody serum levels (mg/L) and 5. cytokine serum levels (IU/mL), when a drug was given.

Log axes start at one cell: below one cell there is nothing to draw (the extinction rule sets
such populations to 0).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np


class Trajectories(Protocol):
    """What the figure reads from one simulated patient: the output times and each state or output by
    name. :class:`iosim.SimulationResult` is one (this module does not import it: its ``plot()``
    imports this one)."""

    @property
    def t(self) -> np.ndarray: ...

    def __getitem__(self, name: str, /) -> np.ndarray: ...


#: Plain names of the core model's series, in the order they are drawn.
TUMOUR = (("Tp", "tumour cells with the therapy target"), ("Tn", "tumour cells without the target"))
IMMUNE = (
    ("effector_cells", "effector CD8 T cells"),
    ("exhausted_cells", "exhausted CD8 T cells"),
    ("nk_cells", "NK cells"),
    ("treg_cells", "regulatory T cells"),
    ("D", "antigen-presenting cells (lymph node)"),
    ("car_t_cells", "CAR-T cells"),
    ("vac", "vaccine antigen-presenting cells"),
)
ANTIBODIES = (
    ("anti_pd1_mg_per_L", "anti-PD-1"),
    ("anti_pdl1_mg_per_L", "anti-PD-L1"),
    ("anti_ctla4_mg_per_L", "anti-CTLA-4"),
    ("targeting_mab_mg_per_L", "tumour-targeting antibody"),
)
CYTOKINES = (("il2_IU_per_mL", "IL-2 (aldesleukin)"), ("ifn_alpha_IU_per_mL", "interferon-alpha"))
#: States of the drugs that see only cells with the target: the targeting antibody and CAR-T cells.
TARGETED_DRUG_STATES = ("mab_c", "C", "Cm")
#: Fewest cells drawn on a log axis.
ONE_CELL = 1.0

RESPONSE_NAMES = {
    "CR": "complete response",
    "PR": "partial response",
    "SD": "stable disease",
    "PD": "progressive disease",
}


@dataclass(frozen=True)
class BestResponse:
    """RECIST 1.1 best overall response of one simulated patient (scans every 8 weeks)."""

    category: str  # CR, PR, SD, PD, or "" when the tumour was not measurable
    best_pct_change: float
    scan_days: np.ndarray
    scan_diameters_mm: np.ndarray

    @property
    def measurable(self) -> bool:
        return bool(self.category)

    def describe(self) -> str:
        if not self.measurable:
            return "not measurable (no visible lesion at baseline, or no scan after it)"
        name = RESPONSE_NAMES[self.category]
        return f"{self.category} ({name}), best change in tumour size {self.best_pct_change:+.0f}%"


def best_response(result: Trajectories) -> BestResponse:
    """Scans every :data:`~iosim.endpoints.one_patient.SCAN_EVERY_DAYS` from day 0 read as RECIST 1.1 (as the
    web app and matrix)."""
    from iosim.endpoints.one_patient import SCAN_EVERY_DAYS, recist

    t = np.asarray(result.t, float)
    scans = np.arange(t[0], t[-1] + 1e-9, SCAN_EVERY_DAYS)
    # The diameter at each scan day; linear between output times when a scan falls between them.
    d = np.interp(scans, t, result["tumour_diameter_mm"])
    if scans.size < 2 or not d[0] > 0:
        return BestResponse("", 0.0, scans, d)
    change, category = recist(d, scans)
    return BestResponse(category, change, scans, d)


def _legend(ax) -> None:
    """Beside the panel, where it hides no curve."""
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small", frameon=False)


def _clip_cells(values: np.ndarray) -> np.ndarray:
    return np.where(values >= ONE_CELL, values, np.nan)


def _draw(ax, result: Trajectories, series, *, cells: bool) -> bool:
    drawn = False
    for name, label in series:
        values = np.asarray(result[name], float)
        shown = _clip_cells(values) if cells else np.where(values > 0, values, np.nan)
        if np.all(np.isnan(shown)):
            continue
        # A total drawn under its parts: wider, grey
        style = {"color": "0.55", "lw": 3.5} if label.startswith("all ") else {"lw": 1.4}
        ax.plot(result.t, shown, label=label, **style)
        drawn = True
    if drawn:
        _legend(ax)
        ax.grid(alpha=0.25)
    return drawn


def plot_core(result: Trajectories, *, title: str = "", path: str | Path | None = None):
    """The flagship figure for one simulated patient of model ``core`` (see the module docstring)."""
    import matplotlib

    if path is not None:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    br = best_response(result)
    # Cells with and without the target matter only when a drug needs the target (CAR-T, a targeting
    # antibody); immune cells kill both alike.
    targeted = any(np.any(np.asarray(result[s]) > 0) for s in TARGETED_DRUG_STATES)
    tumour_cells = [(n, lab) for n, lab in TUMOUR if np.any(np.asarray(result[n]) >= ONE_CELL)]
    if len(tumour_cells) > 1 and targeted:
        tumour_cells = [("tumour_cells", "all viable tumour cells"), *tumour_cells]
    elif np.any(np.asarray(result["tumour_cells"]) >= ONE_CELL):
        tumour_cells = [("tumour_cells", "viable tumour cells")]
    panels: list[tuple[str, list[tuple[str, str]] | None]] = [("diameter", None)]
    if tumour_cells:
        panels.append(("tumour", tumour_cells))
    immune = [(n, lab) for n, lab in IMMUNE if np.any(np.asarray(result[n]) >= ONE_CELL)]
    if immune:
        panels.append(("immune", immune))
    for key, group in (("antibodies", ANTIBODIES), ("cytokines", CYTOKINES)):
        given = [(n, lab) for n, lab in group if np.any(np.asarray(result[n]) > 0)]
        if given:
            panels.append((key, given))

    heights = [1.25] + [1.0] * (len(panels) - 1)
    fig, axes = plt.subplots(len(panels), 1, figsize=(11, 1.1 + 2.3 * sum(heights)), sharex=True, squeeze=False,
                             gridspec_kw={"height_ratios": heights})  # fmt: skip
    axes = axes[:, 0]
    for ax, (key, series) in zip(axes, panels):
        if key == "diameter":
            _diameter_panel(ax, result, br)
        elif key in ("tumour", "immune"):
            _draw(ax, result, series, cells=True)
            ax.set_yscale("log")
            ax.set_ylim(bottom=ONE_CELL)
            ax.set_ylabel("cells")
            ax.set_title("Tumour cells" if key == "tumour" else "Immune cells", loc="left", fontsize="medium")
        else:
            _draw(ax, result, series, cells=False)
            ax.set_ylim(bottom=0)
            unit = "mg/L" if key == "antibodies" else "IU/mL"
            ax.set_ylabel(unit)
            what = "Antibody serum levels" if key == "antibodies" else "Cytokine serum levels"
            ax.set_title(what, loc="left", fontsize="medium")
    axes[-1].set_xlabel("time (days)")
    if title:
        fig.suptitle(title, fontsize="large")
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=120)
        plt.close(fig)
    return fig


def _diameter_panel(ax, result: Trajectories, br: BestResponse) -> None:
    d = np.asarray(result["tumour_diameter_mm"], float)
    ax.plot(result.t, d, color="C3", lw=1.6, label="sum of target-lesion diameters\n(viable tumour and residue)")
    ax.plot(br.scan_days, br.scan_diameters_mm, "o", color="k", ms=4, label="scans (every 8 weeks)")
    if br.measurable:
        base = float(br.scan_diameters_mm[0])
        ax.axhline(0.7 * base, color="C2", ls="--", lw=0.9, label="partial response\n(-30% from baseline)")
    ax.set_ylim(bottom=0)
    ax.set_ylabel("mm")
    ax.set_title(f"Tumour size — best response: {br.describe()}", loc="left", fontsize="medium")
    _legend(ax)
    ax.grid(alpha=0.25)
