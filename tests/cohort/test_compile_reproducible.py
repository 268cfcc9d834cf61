"""The process that compiles a kernel gets the same bits as every process that loads it from the cache.

Until the fix, a ``core`` kernel compiled in the running process ran other machine code than the
one numba cached (the functions ``solve_batch`` calls were bound to copies compiled on their own;
see ``iosim.cohort.kernel.compile_first``): thousands of state values of stiff patients differed
in the last bit. It needs the flagship model: the toy model's kernel is small enough for LLVM to
inline every call, so it never showed the gap.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

_RUN = """
import sys
import numpy as np
from iosim.cohort import simulate_cohort
from iosim.models import get_model

model = get_model("core")
rng = np.random.default_rng(1)
# 40 patients, every positive parameter spread by a lognormal factor (sd 0.3) inside its bounds:
# some become stiff and take the Rosenbrock steps, where the two builds used to differ.
params = {p.name: np.clip(p.value * np.exp(0.3 * rng.standard_normal(40)), *p.bounds)
          for p in model.parameters if p.value > 0}
result = simulate_cohort(model, 365.0, params=params)
np.savez(sys.argv[1], y=result.y, steps=result.steps, stiff=result.stiff)
"""


def _cohort(cache: Path, out: Path) -> dict[str, np.ndarray]:
    env = {**os.environ, "IOSIM_CACHE_DIR": str(cache)}
    run = subprocess.run([sys.executable, "-c", _RUN, str(out)], env=env, capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stderr
    with np.load(out) as data:
        return dict(data)


@pytest.mark.slow  # compiles the core kernel into an empty cache (about a minute, more under load)
def test_the_process_that_compiles_the_kernel_matches_one_that_loads_it(tmp_path):
    cache = tmp_path / "cache"
    compiled = _cohort(cache, tmp_path / "compiled.npz")  # empty cache: this run compiles the kernel
    assert any((cache / "kernels").glob("k_*.py"))
    loaded = _cohort(cache, tmp_path / "loaded.npz")  # a later run loads it from the cache
    assert compiled["stiff"].any()  # the Rosenbrock path is exercised
    np.testing.assert_array_equal(compiled["steps"], loaded["steps"])
    np.testing.assert_array_equal(compiled["y"], loaded["y"])  # bit for bit (NaN equal to NaN)
