"""One result interface for every engine, and one table of status codes.

Every engine's result (:class:`~iosim.simulation.SimulationResult`,
:class:`~iosim.cohort.CohortResult`, :class:`~iosim.stochastic.StochasticResult`) follows
:class:`EngineResult`:

* ``status`` (the in-memory results): per member (the one patient, each patient, each replicate)
  a :class:`Status` name, ``"ok"`` when it finished; a failure is data, not an exception. A
  cohort streamed to a file (:class:`~iosim.cohort.CohortFile`) keeps the counts only.
* ``raise_for_status()``: raises :class:`~iosim.errors.SimulationError` naming how many members
  failed and what to do (:data:`ADVICE`); returns the result itself otherwise, so it chains:
  ``simulate(...).raise_for_status().to_dataframe()``.
* ``status_counts()``: ``{status: members}``.
* ``summary()``: a pandas DataFrame, one row per output time and state, with the members that
  finished (``n``), their ``mean``, ``sd``, quantiles (``q05``, ``q25``, ``median``, ``q75``,
  ``q95``) and the fraction at exactly 0 (``p_zero``). For one patient ``n`` is 1 and every
  quantile is the value.
* ``to_dataframe()``: a long table, one row per member and output time.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np

from iosim.errors import SimulationError

if TYPE_CHECKING:
    import pandas as pd


class Status(StrEnum):
    """Why a member of a run stopped (``OK`` when it did not)."""

    OK = "ok"
    #: The reference engine's solver failed; its message says why.
    FAILED = "failed"
    MAX_STEPS = "max_steps"
    STEP_TOO_SMALL = "step_too_small"
    NOT_FINITE = "not_finite"
    BAD_RATE = "bad_rate"
    TAU_STUCK = "tau_stuck"

    @property
    def advice(self) -> str:
        return ADVICE[self]


#: What each failure means and what to try.
ADVICE: dict[Status, str] = {
    Status.OK: "finished",
    Status.FAILED: "the solver stopped; check for extreme parameter or initial values, or try a stiff method",
    Status.MAX_STEPS: "stopped after the step limit (max_steps); raise SolverOptions.max_steps, use a stiff method "
    "(cohort: 'auto' or 'rosenbrock'), or for stochastic runs method='tau' or 'hybrid' for large populations",
    Status.STEP_TOO_SMALL: "the step size shrank to nothing (a discontinuity or a blow-up); check for extreme "
    "parameter values or loosen rtol/atol",
    Status.NOT_FINITE: "a state became infinite or NaN (a value overflowed); check for extreme parameter values",
    Status.BAD_RATE: "a reaction rate became negative or not finite; check the model's rate expressions",
    Status.TAU_STUCK: "tau-leaping could not find a leap keeping every population nonnegative; use method='ssa' "
    "or 'hybrid'",
}

#: The cohort kernels' status codes (CPU and GPU), by index.
COHORT_CODES = (Status.OK, Status.MAX_STEPS, Status.STEP_TOO_SMALL, Status.NOT_FINITE)
#: The stochastic kernels' status codes, by index.
STOCHASTIC_CODES = (Status.OK, Status.MAX_STEPS, Status.BAD_RATE, Status.TAU_STUCK)

DEFAULT_QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


@runtime_checkable
class EngineResult(Protocol):
    """What every engine's result offers (see the module docstring)."""

    def raise_for_status(self) -> EngineResult: ...

    def status_counts(self) -> dict[str, int]: ...

    def summary(self) -> pd.DataFrame: ...

    def to_dataframe(self) -> pd.DataFrame: ...


def status_counts(status: np.ndarray) -> dict[str, int]:
    """``{status: members}`` for an array of status names."""
    names, counts = np.unique(np.asarray(status, dtype=str), return_counts=True)
    return {str(k): int(v) for k, v in zip(names, counts)}


def raise_for_status(status: np.ndarray, what: str, members: str, message: str = "") -> None:
    """Raise :class:`SimulationError` when any member's status is not ``"ok"``: how many, and the advice."""
    status = np.asarray(status, dtype=str).reshape(-1)
    bad = status != Status.OK.value
    if not bad.any():
        return
    first = Status(str(status[bad][0]))
    why = message or first.advice
    if status.size == 1:
        raise SimulationError(f"{what} failed: {why}")
    raise SimulationError(f"{int(bad.sum())} of {status.size} {members} of {what} failed ({first.value}): {why}")


def summarize(
    t: np.ndarray, names: tuple[str, ...], values: np.ndarray, ok: np.ndarray,
    quantiles: tuple[float, ...] = DEFAULT_QUANTILES,
) -> pd.DataFrame:  # fmt: skip
    """Per output time and name: finished members ``n``, mean, sd, quantiles, ``p_zero``.

    ``values`` has shape (members, times, names); only members where ``ok`` count."""
    import pandas as pd

    data = values[np.asarray(ok, dtype=bool)]
    rows = []
    with np.errstate(invalid="ignore"):
        for i, s in enumerate(names):
            x = data[:, :, i]
            n = x.shape[0]
            cols: dict[str, Any] = {
                "time": t,
                "state": s,
                "n": n,
                "mean": x.mean(axis=0) if n else np.nan,
                "sd": x.std(axis=0, ddof=1) if n > 1 else np.nan,
            }
            for q in quantiles:
                cols[quantile_name(q)] = np.quantile(x, q, axis=0) if n else np.nan
            cols["p_zero"] = (x == 0).mean(axis=0) if n else np.nan
            rows.append(pd.DataFrame(cols))
    return pd.concat(rows, ignore_index=True)


def quantile_name(q: float) -> str:
    return "median" if q == 0.5 else f"q{round(q * 100):02d}"
