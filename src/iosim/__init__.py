"""iosim: simulate the immune system's fight against cancer and its immunotherapies.

The public API::

    import iosim
    model = iosim.get_model("kuznetsov1994")
    result = iosim.simulate(model, 200, initial={"T": 1e6})
    result.to_dataframe(); result.plot()
    # every engine takes the same output times and solver options, and returns the same interface
    iosim.simulate(model, 200, saveat=iosim.SaveAt(t1=True), solver=iosim.SolverOptions(method="BDF"))

Names are imported on first use so that ``iosim --help`` starts quickly.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from iosim._version import __version__

_EXPORTS = {
    "Bolus": "iosim.dosing",
    "Infusion": "iosim.dosing",
    "Regimen": "iosim.dosing",
    "SetState": "iosim.dosing",
    "bolus": "iosim.dosing",
    "infusion": "iosim.dosing",
    "parse_dose": "iosim.dosing",
    "set_state": "iosim.dosing",
    "DosingError": "iosim.errors",
    "ExpressionError": "iosim.errors",
    "InputError": "iosim.errors",
    "IosimError": "iosim.errors",
    "ModelError": "iosim.errors",
    "SimulationError": "iosim.errors",
    "UnknownNameError": "iosim.errors",
    "Model": "iosim.model",
    "ModelBuilder": "iosim.model",
    "Reference": "iosim.model",
    "get_model": "iosim.models",
    "load": "iosim.models",
    "load_model": "iosim.models",
    "model_ids": "iosim.models",
    "SimulationResult": "iosim.simulation",
    "simulate": "iosim.simulation",
    "SaveAt": "iosim.simulation",
    "SolverOptions": "iosim.simulation",
    "Status": "iosim.simulation",
    "EngineResult": "iosim.simulation",
    "find_equilibria": "iosim.analysis",
    "scan_parameter": "iosim.analysis",
    "basins": "iosim.analysis",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'iosim' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(list(globals()) + __all__)


if TYPE_CHECKING:
    from iosim.analysis import basins, find_equilibria, scan_parameter
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
    from iosim.models import get_model, load, load_model, model_ids
    from iosim.simulation import EngineResult, SaveAt, SimulationResult, SolverOptions, Status, simulate
