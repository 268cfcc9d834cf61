"""iosim: simulate the immune system's fight against cancer and its immunotherapies.

The public API::

    import iosim
    model = iosim.get_model("kuznetsov1994")
    result = iosim.simulate(model, 200, initial={"T": 1e6})
    result.to_dataframe(); result.plot()
"""

from iosim.dosing import Bolus, Infusion, Regimen, SetState, bolus, infusion, parse_dose, set_state
from iosim.errors import (
    DosingError,
    ExpressionError,
    InputError,
    IosimError,
    ModelError,
    SimulationError,
    UnknownNameError,
)
from iosim.model import Model, ModelBuilder, Reference
from iosim.models import get_model, model_ids
from iosim.simulation import SimulationResult, simulate

__version__ = "0.1.0"

__all__ = [
    "Bolus",
    "DosingError",
    "ExpressionError",
    "Infusion",
    "InputError",
    "IosimError",
    "Model",
    "ModelBuilder",
    "ModelError",
    "Reference",
    "Regimen",
    "SetState",
    "SimulationError",
    "SimulationResult",
    "UnknownNameError",
    "bolus",
    "get_model",
    "infusion",
    "model_ids",
    "parse_dose",
    "set_state",
    "simulate",
]
