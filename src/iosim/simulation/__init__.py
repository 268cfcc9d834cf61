"""Simulation engines and their results.

The reference engine :func:`simulate` and what every engine shares: the output times
(:class:`SaveAt`), the solver options (:class:`SolverOptions`) and the result interface
(:class:`EngineResult`, :class:`Status`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from iosim.simulation.options import SaveAt, SolverOptions
from iosim.simulation.status import ADVICE, EngineResult, Status

if TYPE_CHECKING:
    from iosim.simulation.reference import METHODS, simulate
    from iosim.simulation.result import SimulationResult

# The reference engine imports scipy.integrate (~0.4 s); the other engines import only the shared
# options and status from here, so it loads on first use (keeps `iosim cohort` start-up short).
_LAZY = {"METHODS": "reference", "simulate": "reference", "SimulationResult": "result"}


def __getattr__(name: str):
    if name in _LAZY:
        from importlib import import_module

        return getattr(import_module(f"iosim.simulation.{_LAZY[name]}"), name)
    raise AttributeError(f"module 'iosim.simulation' has no attribute {name!r}")


__all__ = ["ADVICE", "METHODS", "EngineResult", "SaveAt", "SimulationResult", "SolverOptions", "Status", "simulate"]
