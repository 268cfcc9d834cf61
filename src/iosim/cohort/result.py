"""The result of a cohort simulation: arrays over patients, times and states, and a status each."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from iosim.errors import UnknownNameError
from iosim.model.declaration import Model
from iosim.simulation import status as _status

if TYPE_CHECKING:
    import pandas as pd

#: Kernel status codes, by index (names and advice: :class:`iosim.simulation.status.Status`).
STATUS_NAMES = tuple(s.value for s in _status.COHORT_CODES)


@dataclass(frozen=True, eq=False)
class CohortResult:
    """Many patients of one model; follows the shared result interface (:mod:`iosim.simulation.status`)."""

    model: Model
    #: Output times, shape (n_times,).
    t: np.ndarray
    #: States, shape (n_patients, n_times, n_states), in the order of ``model.state_names``.
    y: np.ndarray
    #: Per patient: "ok" or why the integration stopped (NaN from there on).
    status: np.ndarray
    #: Accepted plus rejected steps per patient.
    steps: np.ndarray
    #: True where the patient was solved (at least partly) by the stiff method.
    stiff: np.ndarray
    #: Parameter values per patient, shape (n_patients, n_parameters).
    parameters: np.ndarray
    #: Patient ids (0..n-1 unless given).
    patient: np.ndarray

    @property
    def n_patients(self) -> int:
        return int(self.y.shape[0])

    @property
    def ok(self) -> np.ndarray:
        """Boolean mask of patients whose integration finished."""
        return self.status == "ok"

    def __getitem__(self, name: str) -> np.ndarray:
        """One state over patients and times, shape (n_patients, n_times)."""
        if name not in self.model.state_names:
            raise UnknownNameError("state", name, self.model.state_names)
        return self.y[:, :, self.model.state_names.index(name)]

    def output(self, name: str) -> np.ndarray:
        """A declared model output (e.g. tumour diameter) over patients and times, shape (n_patients, n_times).

        Computed from the stored states and per-patient parameters; NaN where a patient failed.
        """
        from iosim.model.compiled import compile_model

        if name not in self.model.output_names:
            raise UnknownNameError("output", name, self.model.output_names)
        n, m, _ = self.y.shape
        Y = self.y.reshape(n * m, -1).T
        P = np.repeat(self.parameters.T, m, axis=1)
        with np.errstate(all="ignore"):
            values = compile_model(self.model).outputs(np.tile(self.t, n), Y, P)
        return values[self.model.output_names.index(name)].reshape(n, m)

    def final(self, name: str) -> np.ndarray:
        """Value of a state at the last output time, per patient."""
        return self[name][:, -1]

    def to_dataframe(self) -> pd.DataFrame:
        """Long table: ``patient``, ``time``, then one column per state."""
        import pandas as pd

        n, m = self.y.shape[:2]
        data = {"patient": np.repeat(self.patient, m), "time": np.tile(self.t, n)}
        for j, s in enumerate(self.model.state_names):
            data[s] = self.y[:, :, j].reshape(-1)
        return pd.DataFrame(data)

    def status_counts(self) -> dict[str, int]:
        """How many patients ended with each status."""
        return _status.status_counts(self.status)

    def raise_for_status(self) -> CohortResult:
        """This result, or :class:`~iosim.errors.SimulationError` naming how many patients failed and why."""
        _status.raise_for_status(self.status, f"the cohort of {self.model.id}", "patients")
        return self

    def summary(self, quantiles: tuple[float, ...] = _status.DEFAULT_QUANTILES) -> pd.DataFrame:
        """Per output time and state: patients that finished (``n``), mean, sd, quantiles, ``p_zero``."""
        return _status.summarize(self.t, self.model.state_names, self.y, self.ok, quantiles)
