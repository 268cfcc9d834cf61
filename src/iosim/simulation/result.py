"""The result of one simulation: time grid, states, outputs and a status."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from iosim.errors import UnknownNameError
from iosim.model.declaration import Model
from iosim.simulation import status as _status

if TYPE_CHECKING:
    import pandas as pd


def _floor(unit: str) -> float:
    """Smallest value drawn on a log axis: one cell (below it the extinction rule sets a population to 0)."""
    return 1.0 if unit == "cells" else np.nextafter(0.0, 1.0)


@dataclass(frozen=True, eq=False)
class SimulationResult:
    """One patient's run; follows the shared result interface (:mod:`iosim.simulation.status`)."""

    model: Model
    t: np.ndarray
    #: States, shape (n_times, n_states), in the order of ``model.state_names``.
    y: np.ndarray
    #: Outputs, shape (n_times, n_outputs), in the order of ``model.output_names``.
    outputs: np.ndarray
    parameters: np.ndarray
    status: str = "ok"
    message: str = ""
    #: (state, time) for every population set to 0 by the extinction rule.
    extinctions: tuple[tuple[str, float], ...] = ()

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def raise_for_status(self) -> SimulationResult:
        """This result, or :class:`~iosim.errors.SimulationError` saying why the run failed."""
        _status.raise_for_status(np.array([self.status]), f"simulation of {self.model.id}", "runs", self.message)
        return self

    def status_counts(self) -> dict[str, int]:
        """``{status: 1}``: the shared interface's count, for one patient."""
        return {self.status: 1}

    def summary(self) -> pd.DataFrame:
        """Per output time and state: ``n`` (1, or 0 if the run failed), mean, sd, quantiles, ``p_zero``
        (the same table as every engine's; for one patient each statistic is the value)."""
        return _status.summarize(self.t, self.model.state_names, self.y[None], np.array([self.ok]))

    @property
    def names(self) -> tuple[str, ...]:
        return self.model.state_names + self.model.output_names

    def __getitem__(self, name: str) -> np.ndarray:
        if name in self.model.state_names:
            return self.y[:, self.model.state_names.index(name)]
        if name in self.model.output_names:
            return self.outputs[:, self.model.output_names.index(name)]
        if name == "time":
            return self.t
        raise UnknownNameError("state or output", name, self.names)

    def final(self, name: str) -> float:
        return float(self[name][-1])

    def at(self, name: str, time: float) -> float:
        """Value of ``name`` at the output time closest to ``time``."""
        return float(self[name][int(np.argmin(np.abs(self.t - time)))])

    def to_dataframe(self, *, outputs: bool = True) -> pd.DataFrame:
        import pandas as pd

        data = {"time": self.t}
        for i, s in enumerate(self.model.state_names):
            data[s] = self.y[:, i]
        if outputs:
            for i, o in enumerate(self.model.output_names):
                if o not in data:
                    data[o] = self.outputs[:, i]
        return pd.DataFrame(data)

    def _label(self, name: str) -> str:
        """``E: effector cells`` — the id a user types, with the plain name the model declares."""
        if name in self.model.state_names:
            text = self.model.state(name).description
        else:
            text = next((o.description for o in self.model.outputs if o.name == name), "")
        text = (text or "").strip()
        return f"{name}: {text[:47] + '...' if len(text) > 50 else text}" if text else name

    def plot(
        self, names: list[str] | None = None, *, log: bool = True, path: str | Path | None = None, ax=None,
        title: str = "",
    ):  # fmt: skip
        """Plot trajectories (every state by default), one axis per unit; log axes of cells start at one cell.

        The flagship model ``core`` gets its own figure (:func:`iosim.plots.plot_core`) unless ``names``
        or ``ax`` are given."""
        if self.model.id == "core" and names is None and ax is None:
            from iosim.plots import plot_core

            return plot_core(self, title=title, path=path)
        import matplotlib

        if path is not None:
            matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        names = list(names or self.model.state_names)
        for n in names:
            self[n]
        units: dict[str, list[str]] = {}
        for n in names:
            unit = (
                self.model.state(n).unit
                if n in self.model.state_names
                else next(o.unit for o in self.model.outputs if o.name == n)
            )
            units.setdefault(unit, []).append(n)
        if log:  # no empty panel: a unit whose series never reach the axis (one cell, or above 0) is left out
            shown = {u: g for u, g in units.items() if any(np.any(self[n] >= _floor(u)) for n in g)}
            units = shown or units
        if ax is None:
            fig, grid = plt.subplots(len(units), 1, figsize=(7, 2.6 * len(units)), sharex=True, squeeze=False)
            axes = list(grid[:, 0])
        else:
            fig, axes = ax.figure, [ax] * len(units)
        for a, (unit, group) in zip(axes, units.items()):
            floor = _floor(unit)
            for n in group:
                values = self[n]
                a.plot(self.t, np.where(values >= floor, values, np.nan) if log else values, label=self._label(n))
            if log and any(np.any(self[n] >= floor) for n in group):
                a.set_yscale("log")
                if unit == "cells":
                    a.set_ylim(bottom=floor)
            a.set_ylabel(unit)
            a.legend(loc="best", fontsize="small")
        axes[-1].set_xlabel(f"time ({self.model.time_unit})")
        fig.suptitle(title or f"{self.model.id}: {self.model.title}", fontsize="medium")
        fig.tight_layout()
        if path is not None:
            fig.savefig(path, dpi=120)
            plt.close(fig)
        return fig
