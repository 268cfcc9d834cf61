"""Calibration registry and validation: every observation iosim was fitted to or is compared with.

- :mod:`.registry`: the one registry file (``registry.yaml``) and its entries.
- :mod:`.populations`: which population each cancer's patients come from (calibrated or default).
- :mod:`.endpoints`: endpoint name -> ``function(results, arm) -> (simulated, low, high)``.
- :mod:`.compare`: observed vs simulated rows (``iosim validate`` and each trial's report).
- :mod:`.validate`: :func:`validate` runs every registry trial and writes the CSV, page and plot.
"""

from iosim.validation.endpoints import ENDPOINTS, Endpoint, Tables, clopper_pearson, endpoint, within
from iosim.validation.populations import calibration_status
from iosim.validation.registry import (
    REGISTRY_PATH,
    Entry,
    Registry,
    RegistryError,
    load_registry,
)
from iosim.validation.validate import Validation, validate

__all__ = [
    "ENDPOINTS",
    "REGISTRY_PATH",
    "Endpoint",
    "Entry",
    "Registry",
    "RegistryError",
    "Tables",
    "Validation",
    "calibration_status",
    "clopper_pearson",
    "endpoint",
    "load_registry",
    "validate",
    "within",
]
