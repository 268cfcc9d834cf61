"""The shared numerics compiled for another target: CUDA device functions, or the CPU without fastmath.

The modules of :mod:`iosim.numerics` are written once, as numba CPU functions
(:data:`iosim.numerics.flags.kernel`). :func:`retarget` compiles copies of one module's
functions with another decorator; inside the copies, calls to the module's other functions
go to their copies too (each copy's globals are a namespace where the module's functions
are replaced). The copies are made once per process and target.

What cannot be shared this way, and why, is in docs/kernels.md: the integrators' drivers
call the model's right-hand side between the stages, and a CUDA device function cannot take
another function as an argument, so each generated kernel keeps a thin driver of its own.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable
from types import FunctionType, ModuleType
from typing import Any

_DONE: dict[tuple[str, str], ModuleType] = {}
_LOCK = threading.RLock()


def _shared_functions(module: ModuleType) -> dict[str, FunctionType]:
    """The module's own compiled functions, as their Python source functions."""
    out = {}
    for name, obj in vars(module).items():
        py_func = getattr(obj, "py_func", None)
        if isinstance(py_func, FunctionType) and py_func.__module__ == module.__name__:
            out[name] = py_func
    return out


def retarget(module: ModuleType, target: str, decorator: Callable[[FunctionType], Any]) -> ModuleType:
    """A module object holding ``module``'s constants and its functions compiled by ``decorator``."""
    with _LOCK:
        done = _DONE.get((module.__name__, target))
        if done is not None:
            return done
        namespace = dict(vars(module))
        for name, obj in vars(module).items():  # functions imported from another shared module: their copies
            py_func = getattr(obj, "py_func", None)
            home = getattr(py_func, "__module__", "")
            if home != module.__name__ and home.startswith("iosim.numerics."):
                namespace[name] = getattr(retarget(importlib.import_module(home), target, decorator), name)
        for name, f in _shared_functions(module).items():
            copy = FunctionType(f.__code__, namespace, name, f.__defaults__, f.__closure__)
            copy.__qualname__ = f"{target}.{f.__qualname__}"
            copy.__doc__ = f.__doc__
            namespace[name] = decorator(copy)
        out = ModuleType(f"{module.__name__}[{target}]", module.__doc__)
        vars(out).update({k: v for k, v in namespace.items() if not k.startswith("__")})
        _DONE[(module.__name__, target)] = out
        return out


def on_cuda(module: ModuleType) -> ModuleType:
    """``module``'s functions as numba-cuda device functions."""
    from numba import cuda

    return retarget(module, "cuda", cuda.jit(device=True))


def exact_cpu(module: ModuleType) -> ModuleType:
    """``module``'s functions compiled for the CPU without fastmath (the stochastic engines' flags)."""
    from numba import njit

    return retarget(module, "exact", njit(nogil=True, error_model="numpy", inline="always"))
