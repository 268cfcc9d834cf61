"""The kernel cache: content-keyed, deterministic, atomic, and reused by a new process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from iosim.cohort import kernel as cache
from iosim.cohort.codegen import kernel_source
from iosim.kernels.loader import KernelFile

from .conftest import toy_model

_PROBE = """
import json, sys
sys.path.insert(0, {tests!r})
from conftest import toy_model
from iosim.cohort.kernel import compile_kernel, load_module
kf, _ = compile_kernel(toy_model())
stats = load_module(kf).solve_batch.stats
hits, misses = sum(stats.cache_hits.values()), sum(stats.cache_misses.values())
print(json.dumps({{"path": kf.path, "hits": hits, "misses": misses}}))
"""


def _probe(env_extra: dict[str, str]) -> dict:
    env = {**os.environ, **env_extra}
    code = _PROBE.format(tests=str(Path(__file__).parent))
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_generated_source_does_not_depend_on_hash_seed(toy):
    # Two processes with different string-hash seeds must pick the same cache file.
    a = _probe({"PYTHONHASHSEED": "1"})
    b = _probe({"PYTHONHASHSEED": "2"})
    assert a["path"] == b["path"] == cache.kernel_file(toy).path


def test_a_second_process_loads_the_compiled_kernel_from_disk(toy):
    # The session fixture compiled the kernel; a fresh process must hit numba's cache, not compile.
    stats = _probe({})
    assert stats["hits"] >= 1 and stats["misses"] == 0


def test_cache_key_follows_the_equations_not_parameter_values(toy, tmp_path, monkeypatch):
    monkeypatch.setenv("IOSIM_CACHE_DIR", str(tmp_path))
    kf = cache.kernel_file(toy_model())
    assert Path(kf.path).parent == tmp_path / "kernels" and Path(kf.path).read_text() == kernel_source(toy)
    # New parameter values are run-time inputs: same kernel. A new equation: a new kernel.
    assert cache.kernel_file(toy_model().with_parameters(k=0.9)).path == kf.path
    from iosim.model import ModelBuilder

    b = ModelBuilder("other", "other", reference=toy.reference)
    x = b.state("x", "1", "x", initial=1.0)
    b.equation(x, -2.0 * x)
    other = cache.kernel_file(b.build())
    assert other.path != kf.path
    # Atomic writes leave no temporary files behind.
    assert sorted(p.name for p in (tmp_path / "kernels").iterdir()) == sorted(
        [Path(kf.path).name, Path(other.path).name]
    )


def test_a_worker_without_the_file_writes_the_kernel_into_its_own_cache(toy, tmp_path, monkeypatch):
    # A Dask worker on another machine gets the KernelFile by pickle but not the file it names.
    import pickle

    kf = pickle.loads(pickle.dumps(cache.kernel_file(toy)))
    moved = KernelFile(str(tmp_path / "gone" / "k_x.py"), kf.key, kf.folder, kf.packed)
    monkeypatch.setenv("IOSIM_CACHE_DIR", str(tmp_path / "worker"))
    local = moved.local()
    assert Path(local.path).parent == tmp_path / "worker" / "kernels"
    assert Path(local.path).read_text() == kernel_source(toy)
