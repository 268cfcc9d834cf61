"""The CPU cohort kernel of a model: its :class:`~iosim.kernels.KernelKind`, warm-up and compile.

Files live in ``$IOSIM_CACHE_DIR/kernels/k_<hash>.py`` (see :mod:`iosim.kernels.loader`),
with numba's compiled objects beside them in ``__pycache__``.
"""

from __future__ import annotations

import time
from pathlib import Path
from types import ModuleType

import numpy as np

from iosim.cohort.codegen import SHARED_NUMERICS, kernel_source
from iosim.kernels import loader
from iosim.kernels.loader import KernelFile, KernelKind, load_module
from iosim.model.declaration import Model


def warm_up(module: ModuleType, n_states: int, n_params: int) -> None:
    """Compile (or load from numba's cache) ``solve_batch`` for the types real calls use."""
    z = np.zeros
    i64 = np.int64
    module.solve_batch(
        z((0, n_params)), z((0, n_states)), z((0, n_states)), np.array([0.0, 1.0]), z(1, i64), z(1, i64),
        z(0, i64), z(0, i64), z(0), z((1, n_states)), np.array([0.0]), z(n_states), 0, 1e-6, 1e-6, 10,
        z((0, 1, n_states)), z(0, i64), z(0, i64), z(0, np.bool_),
    )  # fmt: skip


def _warm_up(module: ModuleType, model: Model) -> None:
    warm_up(module, len(model.states), len(model.parameters))


#: The CPU cohort kernels: ``k_<hash>.py`` in the cache's ``kernels`` folder.
CPU = KernelKind("cohort", "kernels", "k_", kernel_source, depends=SHARED_NUMERICS, warm_up=_warm_up)


def cache_dir() -> Path:
    """Where the CPU cohort kernels live: ``$IOSIM_CACHE_DIR/kernels`` (default ``~/.cache/iosim/kernels``)."""
    return loader.cache_root() / CPU.folder


def kernel_file(model: Model) -> KernelFile:
    """Generate (or find) the CPU kernel module of ``model``; compiles nothing."""
    return loader.kernel_file(model, CPU)


def compile_kernel(model: Model) -> tuple[KernelFile, float]:
    """Make sure the kernel of ``model`` is compiled; returns it and the seconds it took."""
    start = time.perf_counter()
    kf = kernel_file(model)
    _warm_up(load_module(kf), model)
    return kf, time.perf_counter() - start
