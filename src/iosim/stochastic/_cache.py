"""Generated stochastic kernels on disk, keyed by content, so numba's compiled code is reused.

Layout: ``$IOSIM_CACHE_DIR`` (default ``~/.cache/iosim``) / ``stochastic`` / ``s_<hash>.py``.
The hash covers the generated source and the numba and Python versions; files are written
under a temporary name and moved into place, and an existing file is never rewritten.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
import threading
from pathlib import Path
from types import ModuleType

from iosim.files import write_atomically
from iosim.model.declaration import Model

_LOADED: dict[str, ModuleType] = {}
_LOCK = threading.Lock()


def cache_dir() -> Path:
    root = os.environ.get("IOSIM_CACHE_DIR") or os.path.join(os.path.expanduser("~"), ".cache", "iosim")
    return Path(root) / "stochastic"


def kernel_module(model: Model) -> ModuleType:
    """The compiled-on-first-call kernel module of ``model`` (one per process and source)."""
    cached = model._cache.get("stochastic_kernel")
    if cached is not None:
        return cached
    import numba

    from iosim.stochastic._codegen import kernel_source

    source = kernel_source(model)
    key = hashlib.sha256(f"{source}\n# numba {numba.__version__} {sys.version_info[:3]}".encode()).hexdigest()[:24]
    with _LOCK:
        module = _LOADED.get(key)
        if module is None:
            path = write_atomically(cache_dir() / f"s_{key}.py", source)
            name = f"iosim_stochastic_{key}"
            spec = importlib.util.spec_from_file_location(name, path)
            assert spec is not None and spec.loader is not None
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module
            spec.loader.exec_module(module)
            _LOADED[key] = module
    model._cache["stochastic_kernel"] = module
    return module
