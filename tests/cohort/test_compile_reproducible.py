"""The process that compiles a kernel gets the same bits as every process that loads it from the cache.

Until the fix, a ``core`` kernel compiled in the running process ran other machine code than the
one numba cached (the functions ``solve_batch`` calls were bound to copies compiled on their own;
see ``iosim.cohort.kernel.compile_first``): 2,939 of these 380,640 values differed in the last
bit. It uses the flagship model, where the gap was measured; whether a kernel shows it depends on
what LLVM inlines and how it optimises each copy, so a small model is no proof.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from iosim import Reference
from iosim.cohort import simulate_cohort
from iosim.cohort.kernel import kernel_compiled, kernel_file, load_module
from iosim.model import ModelBuilder

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


def _decay(rate: float):
    """A one-state model of its own (the rate is in the equation), so its kernel is new to this process."""
    b = ModelBuilder(f"decay_{rate:g}", "x' = -rate x", reference=Reference("iosim tests"))
    x = b.state("x", "1", "decaying amount", initial=1.0)
    b.equation(x, -rate * x)
    return b.build()


@pytest.mark.slow  # compiles a small kernel in a child process (about 20 s)
def test_a_kernel_missing_from_the_cache_is_compiled_apart_and_loaded(tmp_path, monkeypatch):
    monkeypatch.setenv("IOSIM_CACHE_DIR", str(tmp_path))
    model = _decay(2.5)
    assert not kernel_compiled(model)  # what `iosim cohort` asks before saying it compiled
    result = simulate_cohort(model, 1.0)
    assert kernel_compiled(model)
    np.testing.assert_allclose(result.y[0, -1, 0], np.exp(-2.5), rtol=1e-5)
    stats = load_module(kernel_file(model)).solve_batch.stats
    assert sum(stats.cache_hits.values()) == 1 and sum(stats.cache_misses.values()) == 0  # loaded, not compiled


@pytest.mark.slow  # compiles a small kernel (about 20 s)
def test_without_a_child_process_the_kernel_compiles_in_this_one(tmp_path, monkeypatch):
    monkeypatch.setenv("IOSIM_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(sys, "executable", str(tmp_path / "no-python"))
    model = _decay(3.5)
    result = simulate_cohort(model, 1.0)
    np.testing.assert_allclose(result.y[0, -1, 0], np.exp(-3.5), rtol=1e-5)
    stats = load_module(kernel_file(model)).solve_batch.stats
    assert sum(stats.cache_misses.values()) == 1  # compiled here, as before the fix
