"""Simulation engines and their results.

The reference engine :func:`simulate` and what every engine shares: the output times
(:class:`SaveAt`), the solver options (:class:`SolverOptions`) and the result interface
(:class:`EngineResult`, :class:`Status`).
"""

from iosim.simulation.options import SaveAt, SolverOptions
from iosim.simulation.reference import METHODS, simulate
from iosim.simulation.result import SimulationResult
from iosim.simulation.status import ADVICE, EngineResult, Status

__all__ = ["ADVICE", "METHODS", "EngineResult", "SaveAt", "SimulationResult", "SolverOptions", "Status", "simulate"]
