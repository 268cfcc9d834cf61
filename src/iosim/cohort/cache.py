"""The on-disk kernel cache: generated source keyed by content, compiled code kept by numba.

Layout: ``$IOSIM_CACHE_DIR`` (default ``~/.cache/iosim``) / ``kernels`` / ``k_<hash>.py``,
with numba's compiled objects beside it in ``__pycache__``. The hash covers the generated
source (which is a pure function of the model declaration and the solver template) and
the numba and Python versions, so a changed model or an upgraded numba gets a new file
and never a stale kernel. Files are written to a temporary name and moved into place with
``os.replace``, so processes compiling the same model at once never see a torn file; an
existing file is never rewritten, which keeps numba's own cache valid across runs.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
import threading
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

import numpy as np

from iosim.files import write_atomically
from iosim.model.declaration import Model

_LOADED: dict[str, ModuleType] = {}
_LOCK = threading.Lock()


def cache_dir() -> Path:
    """Where compiled kernels live: ``$IOSIM_CACHE_DIR`` or ``~/.cache/iosim``."""
    root = os.environ.get("IOSIM_CACHE_DIR") or os.path.join(os.path.expanduser("~"), ".cache", "iosim")
    return Path(root) / "kernels"


@dataclass(frozen=True)
class KernelFile:
    """A generated kernel module on disk; picklable, so worker processes can load it.

    It carries its source (compressed, ~10 kB), so a worker on another machine or with
    another cache folder writes the file into its own cache instead of failing.
    """

    path: str
    key: str
    model_id: str
    packed: bytes = field(default=b"", repr=False, compare=False)

    def load(self) -> ModuleType:
        return load_module(self)

    def local(self) -> KernelFile:
        """This kernel in this process's cache folder (written there if it is missing)."""
        if Path(self.path).is_file():
            return self
        path = _write(cache_dir(), self.key, zlib.decompress(self.packed).decode())
        return KernelFile(str(path), self.key, self.model_id, self.packed)


def _key(source: str) -> str:
    import numba

    text = f"{source}\n# numba {numba.__version__} python {sys.version_info[:3]}"
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def kernel_file(model: Model) -> KernelFile:
    """Generate (or find) the kernel module of ``model``; compiles nothing yet."""
    cached = model._cache.get("cohort_kernel")
    if cached is not None and Path(cached.path).is_file():
        return cached
    from iosim.cohort.codegen import kernel_source

    source = kernel_source(model)
    key = _key(source)
    path = _write(cache_dir(), key, source)
    kf = KernelFile(str(path), key, model.id, zlib.compress(source.encode(), 6))
    model._cache["cohort_kernel"] = kf
    return kf


def _write(folder: Path, key: str, source: str) -> Path:
    return write_atomically(folder / f"k_{key}.py", source)


def load_module(kf: KernelFile) -> ModuleType:
    """Import a kernel module once per process (numba compiles or loads it on first call)."""
    with _LOCK:
        module = _LOADED.get(kf.key)
        if module is None:
            kf = kf.local()
            name = f"iosim_kernel_{kf.key}"
            spec = importlib.util.spec_from_file_location(name, kf.path)
            assert spec is not None and spec.loader is not None
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module
            spec.loader.exec_module(module)
            _LOADED[kf.key] = module
    return module


def warm_up(module: ModuleType, n_states: int, n_params: int) -> None:
    """Compile (or load from numba's cache) ``solve_batch`` for the types real calls use."""
    z = np.zeros
    i64 = np.int64
    module.solve_batch(
        z((0, n_params)), z((0, n_states)), z((0, n_states)), np.array([0.0, 1.0]), z(1, i64), z(1, i64),
        z(0, i64), z(0, i64), z(0), z((1, n_states)), np.array([0.0]), z(n_states), 0, 1e-6, 1e-6, 10,
        z((0, 1, n_states)), z(0, i64), z(0, i64), z(0, np.bool_),
    )  # fmt: skip


def compile_kernel(model: Model) -> tuple[KernelFile, float]:
    """Make sure the kernel of ``model`` is compiled; returns it and the seconds it took."""
    start = time.perf_counter()
    kf = kernel_file(model)
    warm_up(load_module(kf), len(model.states), len(model.parameters))
    return kf, time.perf_counter() - start
