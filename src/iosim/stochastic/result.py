"""What a stochastic run returns: every replicate's path, extinction and passage times, statuses."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from iosim.errors import SimulationError
from iosim.model.declaration import Model
from iosim.stochastic.stats import Proportion, proportion

#: The entropy of the run's SeedSequence, with its spawn key when it had one: what reproduces the run.
Entropy = int | Sequence[int] | None
Seed = Entropy | tuple[Entropy, tuple[int, ...]]

if TYPE_CHECKING:
    import pandas as pd

#: Kernel status codes, in order.
STATUS_NAMES = ("ok", "max_steps", "bad_rate", "tau_stuck")
_MESSAGES = {
    "max_steps": "stopped after the step limit (max_steps); use method='tau' or 'hybrid' for large populations",
    "bad_rate": "a reaction rate became negative or not finite; check the model's rate expressions",
    "tau_stuck": "tau-leaping could not find a leap keeping every population nonnegative",
}
DEFAULT_QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


@dataclass(frozen=True)
class StochasticResult:
    """Replicate paths of one model.

    ``trajectories[r, k, i]`` is state ``i`` of replicate ``r`` at ``t[k]`` (NaN after a
    replicate stopped early). ``extinction_times[r, i]`` is when population ``i`` last fell to
    0, if it is 0 at the end (NaN otherwise). ``passage_times[r, i]`` is when it first reached
    its ``escape`` level (NaN if never). ``status[r]`` is "ok" or why replicate ``r`` stopped.
    """

    model: Model
    method: str
    t: np.ndarray
    trajectories: np.ndarray
    extinction_times: np.ndarray
    passage_times: np.ndarray
    status: np.ndarray
    events: np.ndarray
    seed: Seed
    parameters: np.ndarray
    notes: tuple[str, ...] = field(default=())

    @property
    def state_names(self) -> tuple[str, ...]:
        return self.model.state_names

    @property
    def replicates(self) -> int:
        return self.trajectories.shape[0]

    @property
    def ok(self) -> np.ndarray:
        return self.status == "ok"

    def __getitem__(self, state: str) -> np.ndarray:
        """(replicates, times) array of one state."""
        return self.trajectories[:, :, self.model.state_index(state)]

    def final(self, state: str) -> np.ndarray:
        return self[state][:, -1]

    def extinct(self, state: str) -> np.ndarray:
        """Per replicate: is the population 0 at the end (among replicates that finished)?"""
        return self.final(state) == 0.0

    def p_extinct(self, state: str, confidence: float = 0.95) -> Proportion:
        """Fraction of finished replicates in which ``state`` is extinct at the end, with a Wilson interval."""
        ok = self.ok
        return proportion(int(np.sum(self.extinct(state) & ok)), int(np.sum(ok)), confidence)

    def raise_for_status(self) -> None:
        bad = ~self.ok
        if bad.any():
            first = str(self.status[bad][0])
            raise SimulationError(f"{int(bad.sum())} of {self.replicates} replicates failed: {_MESSAGES[first]}")

    def summary(self, quantiles: tuple[float, ...] = DEFAULT_QUANTILES) -> pd.DataFrame:
        """Per time and state: replicates, mean, sd, quantiles and the fraction at 0 (finished replicates only)."""
        import pandas as pd

        data = self.trajectories[self.ok]
        rows = []
        with np.errstate(invalid="ignore"):
            for i, s in enumerate(self.state_names):
                x = data[:, :, i]
                cols = {
                    "time": self.t,
                    "state": s,
                    "replicates": x.shape[0],
                    "mean": x.mean(axis=0) if x.shape[0] else np.nan,
                    "sd": x.std(axis=0, ddof=1) if x.shape[0] > 1 else np.nan,
                }
                for q in quantiles:
                    cols[_qname(q)] = np.quantile(x, q, axis=0) if x.shape[0] else np.nan
                cols["p_zero"] = (x == 0).mean(axis=0) if x.shape[0] else np.nan
                rows.append(pd.DataFrame(cols))
        return pd.concat(rows, ignore_index=True)

    def to_dataframe(self) -> pd.DataFrame:
        """One row per replicate and time: replicate, time, then one column per state."""
        import pandas as pd

        R, nt, _ = self.trajectories.shape
        df = pd.DataFrame({"replicate": np.repeat(np.arange(R), nt), "time": np.tile(self.t, R)})
        for i, s in enumerate(self.state_names):
            df[s] = self.trajectories[:, :, i].reshape(-1)
        return df

    def extinction_table(self) -> pd.DataFrame:
        """One row per replicate: status, events, and per state its extinction and passage time."""
        import pandas as pd

        df = pd.DataFrame({"replicate": np.arange(self.replicates), "status": self.status, "events": self.events})
        for i, s in enumerate(self.state_names):
            df[f"extinction_time_{s}"] = self.extinction_times[:, i]
        for i, s in enumerate(self.state_names):
            if np.isfinite(self.passage_times[:, i]).any():
                df[f"passage_time_{s}"] = self.passage_times[:, i]
        return df


def _qname(q: float) -> str:
    return "median" if q == 0.5 else f"q{round(q * 100):02d}"
