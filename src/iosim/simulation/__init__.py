"""Simulation engines and their results."""

from iosim.simulation.reference import METHODS, simulate
from iosim.simulation.result import SimulationResult

__all__ = ["METHODS", "SimulationResult", "simulate"]
