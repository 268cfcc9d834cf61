"""Figures made for people: plain names, units, the clinical read-out first."""

from iosim.plots.flagship import best_response, plot_core

__all__ = ["best_response", "plot_core"]
