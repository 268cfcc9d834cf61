"""Analysis of a model: equilibria and stability, parameter scans, basins of attraction, sensitivity."""

from iosim.analysis.equilibria import KINDS, Equilibrium, classify, find_equilibria, jacobian_at
from iosim.analysis.scans import basins, plot_basins, plot_scan, scan_parameter
from iosim.analysis.sensitivity import plot_sensitivity, sensitivity

__all__ = [
    "KINDS",
    "Equilibrium",
    "basins",
    "classify",
    "find_equilibria",
    "jacobian_at",
    "plot_basins",
    "plot_scan",
    "plot_sensitivity",
    "scan_parameter",
    "sensitivity",
]
