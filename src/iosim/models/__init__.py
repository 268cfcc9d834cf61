"""The model library: published tumour–immune models, each a module citing its paper.

Every module in this package that defines ``MODEL_ID`` and ``build()`` is a model.
Models are discovered, not listed, so adding one is adding one file.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache
from typing import TYPE_CHECKING

from iosim.errors import UnknownNameError
from iosim.model.declaration import Model

if TYPE_CHECKING:
    from iosim.dosing import Regimen


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


_MODEL_FILES = (".xml", ".sbml", ".ant")


def load_model_file(name: str):
    """A model file with the doses it carries: (Model, Regimen).

    SBML (``.xml``, ``.sbml``) and Antimony (``.ant``); SBML events that fire at fixed times
    come back as the regimen."""
    from pathlib import Path

    path = Path(name)
    try:
        found = path.is_file()
    except (OSError, ValueError):  # a name too long to be a path, or one with a NUL byte
        found = False
    if not found:
        from iosim.errors import InputError

        raise InputError(f"model file {name[:200]!r} does not exist")
    from iosim.models._file_cache import cached_read

    # A file read before comes from the cache without importing libSBML (models/_file_cache.py).
    return cached_read(path, lambda p: _read_model_file(p, name))


def _read_model_file(path, name: str):
    from iosim import sbml

    source = sbml.antimony_to_sbml(path) if path.suffix.lower() == ".ant" else path
    imported = sbml.import_sbml(source)
    if imported.nothing_to_simulate:  # it would simulate a placeholder state: zeros, exit 0
        raise sbml.SBMLError(f"model file {name[:200]!r} has no species, rate rules or reactions: nothing to simulate")
    return imported.model, imported.regimen


def is_model_file(name: str) -> bool:
    from pathlib import Path

    return Path(name).suffix.lower() in _MODEL_FILES


def load(name_or_path: str) -> tuple[Model, Regimen]:
    """The one way every command loads a model: a library id (``"kuznetsov1994"``, no doses) or a
    model file (SBML ``.xml``/``.sbml``, Antimony ``.ant``) with the doses it carries as SBML events.

    Returns ``(model, regimen)``; a caller that simulates a span shorter than the file's plan
    keeps the doses inside it with :func:`iosim.simulation.reference.doses_within`."""
    if is_model_file(name_or_path):
        return load_model_file(name_or_path)
    from iosim.dosing import Regimen

    return get_model(name_or_path), Regimen()


def load_model(name: str) -> Model:
    """A library model by id, or a model file: SBML (``.xml``, ``.sbml``) or Antimony (``.ant``)."""
    if is_model_file(name):
        return load_model_file(name)[0]
    return get_model(name)


__all__ = ["get_model", "is_model_file", "load", "load_model", "load_model_file", "model_ids"]
