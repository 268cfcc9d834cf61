"""The CPU cohort kernel of a model: its :class:`~iosim.kernels.KernelKind`, warm-up and compile.

Files live in ``$IOSIM_CACHE_DIR/kernels/k_<hash>.py`` (see :mod:`iosim.kernels.loader`),
with numba's compiled objects beside them in ``__pycache__``.

A kernel missing from numba's cache is compiled in a child process, and every process then
loads it from the cache (:func:`compile_first`): a process that compiled ``solve_batch`` itself
ran different machine code from one that loaded it, differing in the last bit of some values
(docs/reproducibility.md).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType

import numpy as np

from iosim.cohort.codegen import SHARED_NUMERICS, kernel_source
from iosim.kernels import loader
from iosim.kernels.loader import KernelFile, KernelKind, load_module
from iosim.model.declaration import Model


def warm_up(module: ModuleType, n_states: int, n_params: int) -> None:
    """Load ``solve_batch`` from numba's cache (compiled first if missing) for the types real calls use."""
    compile_first(module, n_states, n_params)
    _call_empty(module, n_states, n_params)


def compile_first(module: ModuleType, n_states: int, n_params: int) -> None:
    """Fill numba's on-disk cache with ``solve_batch`` in a child process if it is not there yet.

    Why not here: compiling ``solve_batch`` compiles each function it calls (``_integrate``,
    ``_rodas_step``, ...) on its own and loads it into this process; ``solve_batch``'s code holds
    its own copies of them (optimised again with it, linked as ``linkonce_odr``), but its calls
    that LLVM did not inline bind to the copies loaded first. A process that loads ``solve_batch``
    from the cache loads no separate copies and runs its own: under ``fastmath`` contraction the two
    differ in the last bit of some values. Compiled apart, every process runs the cached code.
    If the child fails (no writable cache), the first call compiles here as before.
    """
    if module.solve_batch.signatures or loader.in_numba_cache(module.solve_batch):
        return
    package_root = str(Path(__file__).resolve().parents[2])  # the folder holding iosim
    path = os.environ.get("PYTHONPATH")
    env = {**os.environ, "PYTHONPATH": package_root + (os.pathsep + path if path else "")}
    code = "import sys; from iosim.cohort.kernel import _compile_here; _compile_here(*sys.argv[1:])"
    args = [sys.executable, "-c", code, str(module.__file__), str(n_states), str(n_params)]
    with loader.LOCK:
        if not loader.in_numba_cache(module.solve_batch):
            try:
                subprocess.run(args, env=env, capture_output=True, check=False)
            except OSError:  # no interpreter to start: compile in this process
                pass


def _compile_here(path: str, n_states: str, n_params: str) -> None:
    """The child of :func:`compile_first`: compile ``solve_batch`` and let numba cache it."""
    file = Path(path)
    module = load_module(KernelFile(str(file), file.stem, file.parent.name))
    _call_empty(module, int(n_states), int(n_params))


def _call_empty(module: ModuleType, n_states: int, n_params: int) -> None:
    """Call ``solve_batch`` on no patients, with the argument types real calls use."""
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


def kernel_compiled(model: Model) -> bool:
    """Whether the kernel of ``model`` is already compiled, in this process or in numba's on-disk cache."""
    solve_batch = load_module(kernel_file(model)).solve_batch
    return bool(solve_batch.signatures) or loader.in_numba_cache(solve_batch)


def compile_kernel(model: Model) -> tuple[KernelFile, float]:
    """Make sure the kernel of ``model`` is compiled; returns it and the seconds it took."""
    start = time.perf_counter()
    kf = kernel_file(model)
    _warm_up(load_module(kf), model)
    return kf, time.perf_counter() - start
