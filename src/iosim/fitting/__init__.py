"""Parameter estimation from time series: one subject (maximum likelihood, profile-likelihood
intervals) and a population (two-stage), goodness-of-fit plots, bundled tumour-growth data, and
tumour growth-inhibition fits of many patients' lesion diameters at once (``fit_tgi``).

    from iosim.fitting import fit_individual, growth_model, load_tumour_growth
    data = load_tumour_growth("llc")
    fit = fit_individual(growth_model("gompertz"), data[data.id == 0], observe="V", estimate=["alpha", "beta"])
    fit.summary()
"""

from iosim.fitting.data import load_tumour_growth
from iosim.fitting.growth_models import GROWTH_MODELS, growth_model
from iosim.fitting.individual import ERROR_MODELS, FitError, FitResult, fit_individual
from iosim.fitting.plots import plot_gof
from iosim.fitting.population import PopulationFit, fit_population
from iosim.fitting.tgi import best_percent_change, fit_tgi

__all__ = [
    "ERROR_MODELS",
    "GROWTH_MODELS",
    "FitError",
    "FitResult",
    "PopulationFit",
    "best_percent_change",
    "fit_individual",
    "fit_population",
    "fit_tgi",
    "growth_model",
    "load_tumour_growth",
    "plot_gof",
]
