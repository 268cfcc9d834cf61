"""The model library: published tumour–immune models, each a module citing its paper.

Every module in this package that defines ``MODEL_ID`` and ``build()`` is a model.
Models are discovered, not listed, so adding one is adding one file.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from iosim.errors import UnknownNameError
from iosim.model.declaration import Model


@cache
def _modules() -> dict[str, str]:
    found: dict[str, str] = {}
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        model_id = getattr(module, "MODEL_ID", None)
        if model_id is not None and callable(getattr(module, "build", None)):
            found[model_id] = module.__name__
    return dict(sorted(found.items()))


def model_ids() -> list[str]:
    """Ids of every model in the library."""
    return list(_modules())


@cache
def get_model(model_id: str) -> Model:
    """The model with this id, with its published default parameters."""
    modules = _modules()
    if model_id not in modules:
        raise UnknownNameError("model", model_id, list(modules))
    return importlib.import_module(modules[model_id]).build()


_FILE_READERS = {".xml": "read_sbml", ".sbml": "read_sbml", ".ant": "read_antimony"}


def load_model(name: str) -> Model:
    """A library model by id, or a model file: SBML (``.xml``, ``.sbml``) or Antimony (``.ant``)."""
    from pathlib import Path

    suffix = Path(name).suffix.lower()
    if suffix in _FILE_READERS:
        path = Path(name)
        if not path.is_file():
            from iosim.errors import InputError

            raise InputError(f"model file {name} does not exist")
        from iosim import sbml

        return getattr(sbml, _FILE_READERS[suffix])(path)
    return get_model(name)


__all__ = ["get_model", "load_model", "model_ids"]
