"""Compiled model kernels: one loader for every engine, and the numerics they share.

* :mod:`iosim.kernels.loader`: generate a model's kernel module, hash it, write it atomically
  to the cache folder, import it, warm it up, and remember it per model and kind (the CPU and
  GPU cohort engines and the stochastic engines each declare one :class:`KernelKind`).

The integrator pieces shared by the generated kernels (Dormand–Prince tableau and steps,
error norm, step-size control, dense output, event location) live in :mod:`iosim.numerics`.
"""

from iosim.kernels.loader import KernelFile, KernelKind, cache_root, kernel_file, kernel_module, load_module

__all__ = ["KernelFile", "KernelKind", "cache_root", "kernel_file", "kernel_module", "load_module"]
