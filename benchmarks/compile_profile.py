"""Where a cold compile of a cohort kernel spends its CPU time: numba's front end and LLVM, per function.

``PYTHONPATH=src python benchmarks/compile_profile.py [--model core] [--inputs FILE.pkl]`` generates the
kernel of the model (or of the model pickled by ``core_kernel.py capture``), imports it from a temporary
folder with numba's cache off, compiles ``solve_batch`` for the types real calls use, and prints:

* ``front``: per compiled function, the CPU time of numba's own work (bytecode, IR inlining, type
  inference, lowering to LLVM IR), without the functions it compiles in turn and without LLVM;
* ``llvm``: per compiled function, the CPU time spent holding numba's LLVM lock (building and
  optimising its module, emitting machine code);
* per code library: ``fpm`` (function passes on the raw IR), ``mpm`` (module passes after the
  callees' code is linked in: a function's callees are optimised again in every caller) and ``mc``
  (machine code);
* the LLVM IR size of each function's final module.

The numbers are CPU time of this process (``time.process_time``); the total is what the compile
costs without numba's on-disk cache (with it, each cached function's object code is emitted once more).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import pickle
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from numba.core import codegen, event

_stack: list[list] = []  # [kind, name, start, time in nested events]
_exclusive: dict[tuple[str, str], float] = defaultdict(float)
_library: dict[tuple[str, str], float] = defaultdict(float)


class _Listener(event.Listener):
    def __init__(self, kind: str):
        self.kind = kind

    def on_start(self, ev):
        name = self.kind
        if self.kind == "front":
            d = ev.data["dispatcher"]
            name = getattr(d, "py_func", d).__name__
        _stack.append([self.kind, name, time.process_time(), 0.0])

    def on_end(self, ev):
        kind, name, start, nested = _stack.pop()
        spent = time.process_time() - start
        owner = next((s[1] for s in reversed(_stack) if s[0] == "front"), "?")
        _exclusive[(kind, name if kind == "front" else owner)] += spent - nested
        if _stack:
            _stack[-1][3] += spent


def _timed(cls, method: str, tag: str) -> None:
    original = getattr(cls, method)

    def wrapper(self, *args, **kwargs):
        start = time.process_time()
        try:
            return original(self, *args, **kwargs)
        finally:
            _library[(tag, self.name.split(".")[-1][:40])] += time.process_time() - start

    setattr(cls, method, wrapper)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="core")
    ap.add_argument("--inputs", type=Path, help="a core_kernel.py capture: profile the model it holds")
    a = ap.parse_args()
    from iosim.cohort.codegen import kernel_source
    from iosim.cohort.kernel import _call_empty
    from iosim.models import get_model

    model = pickle.loads(a.inputs.read_bytes())["model"] if a.inputs else get_model(a.model)
    event.register("numba:compile", _Listener("front"))
    event.register("numba:llvm_lock", _Listener("llvm"))
    _timed(codegen.CPUCodeLibrary, "_optimize_functions", "fpm")
    _timed(codegen.CPUCodeLibrary, "_optimize_final_module", "mpm")
    _timed(codegen.JITCodeLibrary, "_finalize_specific", "mc")
    path = Path(tempfile.mkdtemp(prefix="iosim_profile_")) / "kprofile.py"
    path.write_text(kernel_source(model).replace("cache=True", "cache=False"), encoding="utf-8")
    spec = importlib.util.spec_from_file_location("kprofile", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["kprofile"] = module
    spec.loader.exec_module(module)
    start = time.process_time()
    _call_empty(module, len(model.states), len(model.parameters))
    print(f"total {time.process_time() - start:.1f} s CPU (numba's cache off)")
    for (kind, name), spent in sorted(_exclusive.items(), key=lambda kv: -kv[1]):
        if spent >= 0.1:
            print(f"{kind:6s} {name:24s} {spent:6.2f}")
    for tag in ("fpm", "mpm", "mc"):
        rows = sorted(((n, s) for (t, n), s in _library.items() if t == tag), key=lambda kv: -kv[1])
        print(f"{tag:6s} {sum(s for _, s in rows):6.2f}: " + ", ".join(f"{n} {s:.2f}" for n, s in rows[:5]))
    for name in ("solve_batch", "_integrate", "_rodas_step", "_first_step", "_hold", "_extinct", "jac", "rhs"):
        fn = getattr(module, name)
        for sig in fn.signatures:
            print(f"IR {name:12s} {fn.inspect_llvm(sig).count(os.linesep):7d} lines")


if __name__ == "__main__":
    main()
