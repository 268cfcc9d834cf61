"""What a stochastic run returns: every replicate's path, extinction and passage times, statuses."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from iosim.model.declaration import Model
from iosim.simulation import status as _status
from iosim.stochastic.stats import Proportion, proportion

#: The entropy of the run's SeedSequence, with its spawn key when it had one: what reproduces the run.
Entropy = int | Sequence[int] | None
Seed = Entropy | tuple[Entropy, tuple[int, ...]]

if TYPE_CHECKING:
    import pandas as pd

#: Kernel status codes, in order (names and advice: :class:`iosim.simulation.status.Status`).
STATUS_NAMES = tuple(s.value for s in _status.STOCHASTIC_CODES)
DEFAULT_QUANTILES = _status.DEFAULT_QUANTILES


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

    def raise_for_status(self) -> StochasticResult:
        """This result, or :class:`~iosim.errors.SimulationError` naming how many replicates failed and why."""
        _status.raise_for_status(self.status, f"the stochastic run of {self.model.id}", "replicates")
        return self

    def status_counts(self) -> dict[str, int]:
        """How many replicates ended with each status."""
        return _status.status_counts(self.status)

    def summary(self, quantiles: tuple[float, ...] = DEFAULT_QUANTILES) -> pd.DataFrame:
        """Per time and state: finished replicates (``n``), mean, sd, quantiles and the fraction at 0."""
        return _status.summarize(self.t, self.state_names, self.trajectories, self.ok, quantiles)

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

