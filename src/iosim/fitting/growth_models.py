"""Classical tumour-growth models as small iosim models, for fitting volume data.

Benzekry S et al. (2014). Classical mathematical models for description and prediction of
experimental tumor growth. PLoS Comput Biol 10(8):e1003800, Table 1. Volume V in mm³, time
in days, V(0) = 1 mm³ at injection of 10⁶ cells (the paper's fixed initial condition)::

    exponential   dV/dt = a·V
    logistic      dV/dt = a·V·(1 − V/K)
    gompertz      dV/dt = (α − β·ln V)·V      (V in mm³, so ln(V/V₀) with V₀ = 1 mm³)

Parameter values are starting points for fitting, chosen to give an LLC-like tumour of
about 1,000 mm³ at day 20; they are not estimates.
"""

from __future__ import annotations

from iosim.expr import log
from iosim.model import ModelBuilder, Reference
from iosim.model.declaration import Model

_REF = Reference(
    "Benzekry S, Lamont C, Beheshti A, Tracz A, Ebos JML, Hlatky L, Hahnfeldt P (2014). Classical mathematical "
    "models for description and prediction of experimental tumor growth. PLoS Comput Biol 10:e1003800",
    doi="10.1371/journal.pcbi.1003800",
)
_START = "chosen: a fitting start (LLC-like growth to ~1,000 mm3 by day 20), not an estimate"
_V0 = "Benzekry et al. 2014: V(0) = 1 mm3 at injection of 1e6 cells"


def _builder(id: str, title: str):
    b = ModelBuilder(id, title, reference=_REF, description=f"{title} (Benzekry et al. 2014, Table 1)")
    V = b.state("V", "mm3", "tumour volume", initial=1.0, kind="other")
    return b, V


def exponential() -> Model:
    b, V = _builder("growth_exponential", "Exponential tumour growth")
    a = b.parameter("a", 0.35, "1/day", "proliferation rate", source=_START)
    b.equation(V, a * V)
    b.output("volume", V, "mm3", "tumour volume")
    b.note(_V0)
    return b.build()


def logistic() -> Model:
    b, V = _builder("growth_logistic", "Logistic tumour growth")
    a = b.parameter("a", 0.6, "1/day", "proliferation rate at small volume", source=_START)
    K = b.parameter("K", 3000.0, "mm3", "carrying capacity", source=_START)
    b.equation(V, a * V * (1 - V / K))
    b.output("volume", V, "mm3", "tumour volume")
    b.note(_V0)
    return b.build()


def gompertz() -> Model:
    b, V = _builder("growth_gompertz", "Gompertz tumour growth")
    alpha = b.parameter("alpha", 0.8, "1/day", "proliferation rate at V = 1 mm3", source=_START)
    beta = b.parameter("beta", 0.1, "1/day", "exponential decay of the proliferation rate", source=_START)
    b.equation(V, (alpha - beta * log(V)) * V)
    b.output("volume", V, "mm3", "tumour volume")
    b.note(_V0)
    return b.build()


GROWTH_MODELS = {"exponential": exponential, "logistic": logistic, "gompertz": gompertz}


def growth_model(name: str) -> Model:
    """``"exponential"``, ``"logistic"`` or ``"gompertz"`` (also with a ``growth_`` prefix)."""
    from iosim.errors import UnknownNameError

    key = name.removeprefix("growth_")
    if key not in GROWTH_MODELS:
        raise UnknownNameError("growth model", name, tuple(GROWTH_MODELS))
    return GROWTH_MODELS[key]()
