"""The flagship `core` kernel alone: patients per CPU-second, steps, and results, A/B across source trees.

Three commands:

* ``capture --inputs FILE``: run the first pass of `simulate_chunk` for the 2,000 first patients of
  `examples/million.yaml`'s nivolumab arm and pickle what the cohort engine received (the model,
  the schedule, the output grid, the patients' parameters, initial states and dose scales).
* ``run --inputs FILE --out NPZ``: compile (or load) the kernel of the current source tree
  (``PYTHONPATH`` decides which), solve the captured patients ``--repeats`` times timed with
  ``time.process_time`` (CPU time of this process, single-threaded), write outputs and timings.
* ``ab --inputs FILE --trees A B``: interleave ``run`` in child processes with ``PYTHONPATH=A/src``
  and ``B/src`` for ``--rounds`` rounds, then compare B's results with A's (largest relative
  difference of every output value, and of the final values, over the patients that finished).

Example (docs/performance.md): ``python benchmarks/core_kernel.py ab --inputs /tmp/core.pkl
--trees /tmp/base . --rounds 3``.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
SPEC = HERE.parent / "examples" / "million.yaml"
#: The trials' solver tolerances (iosim.trials.runner.RTOL, ATOL).
TOLERANCES = (1e-6, 1e-3)


def capture(path: Path, patients: int) -> None:
    from iosim.cohort import engine
    from iosim.trials import load_trial_spec
    from iosim.trials.arms import plan_arm
    from iosim.trials.runner import population_for, simulate_chunk

    spec = load_trial_spec(SPEC)
    arm = spec.arms[0]
    plan = plan_arm(spec.cancer, arm.therapies, spec.follow_up_days)
    population = population_for(spec, SPEC.parent)
    seen: list = []
    original = engine.run_chunk

    def spy(problem, P, Y0, scale):
        seen.append((problem, P.copy(), Y0.copy(), scale.copy()))
        return original(problem, P, Y0, scale)

    engine.run_chunk = spy
    try:
        simulate_chunk(spec, plan, population, arm.name, np.arange(patients, dtype=np.int64))
    finally:
        engine.run_chunk = original
    # Before the treated pass the population draws patients and checks them untreated (no doses: one
    # segment); the treated pass (the whole regimen for every patient) comes in chunks up to `patients` rows.
    seen = [c for c in seen if c[0].schedule.arrays()[0].size > 2]
    rows = np.cumsum([c[1].shape[0] for c in seen])
    first = seen[: int(np.searchsorted(rows, patients)) + 1]
    problem = first[0][0]
    P, Y0, scale = (np.concatenate([c[k] for c in first]) for k in (1, 2, 3))
    data = {
        "model": plan.model, "schedule": problem.schedule, "grid": problem.grid, "thresholds": problem.thresholds,
        "method": problem.method, "rtol": problem.rtol, "atol": problem.atol, "max_steps": problem.max_steps,
        "P": P, "Y0": Y0, "scale": scale,
    }  # fmt: skip
    path.write_bytes(pickle.dumps(data))
    print(f"captured {P.shape[0]} patients, {problem.grid.size} output times, rtol {problem.rtol}, atol {problem.atol}")


def _children_cpu() -> float:
    """User plus system CPU time of this process's finished child processes."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run(inputs: Path, out: Path, repeats: int, method: int | None = None) -> None:
    from iosim.cohort.kernel import compile_kernel
    from iosim.kernels.loader import load_module

    d = pickle.loads(inputs.read_bytes())
    c0 = time.process_time() + _children_cpu()
    kf, wall = compile_kernel(d["model"])
    mod = load_module(kf)
    # The kernel's warm-up compiles a kernel missing from numba's cache in a child process (since
    # c47cfe9): its CPU time counts too.
    compile_cpu = time.process_time() + _children_cpu() - c0
    P, Y0, scale, grid = d["P"], d["Y0"], d["scale"], d["grid"]
    n, ns = P.shape[0], Y0.shape[1]
    method = d["method"] if method is None else method
    args = (*d["schedule"].arrays(), grid, d["thresholds"], method, d["rtol"], d["atol"], d["max_steps"])
    times = []
    for _ in range(repeats):
        y = np.full((n, grid.size, ns), np.nan)
        status = np.zeros(n, np.int64)
        steps = np.zeros(n, np.int64)
        stiff = np.zeros(n, np.bool_)
        t0 = time.process_time()
        mod.solve_batch(P, Y0, scale, *args, y, status, steps, stiff)
        times.append(time.process_time() - t0)
    np.savez(out, y=y, status=status, steps=steps, stiff=stiff, times=np.array(times), compile_cpu=compile_cpu)
    rate = [n / t for t in times]
    report = {
        "kernel": Path(kf.path).name, "compile_cpu_s": round(compile_cpu, 2), "compile_wall_s": round(wall, 2),
        "patients_per_cpu_s": [round(r) for r in rate], "mean_steps": float(steps.mean()),
        "stiff": int(stiff.sum()), "status": np.bincount(status).tolist(),
    }  # fmt: skip
    print(json.dumps(report))


def endpoints(out: Path, patients: int) -> None:
    """The trial tables of the nivolumab arm (both passes, endpoints) for the first ``patients`` patients."""
    from iosim.trials import load_trial_spec
    from iosim.trials.arms import plan_arm
    from iosim.trials.runner import population_for, simulate_chunk

    spec = load_trial_spec(SPEC)
    arm = spec.arms[0]
    plan = plan_arm(spec.cancer, arm.therapies, spec.follow_up_days)
    tables = simulate_chunk(spec, plan, population_for(spec, SPEC.parent), arm.name, np.arange(patients))
    out.write_bytes(pickle.dumps({k: tables[k] for k in ("patients", "outcomes", "assessments")}))


def compare_endpoints(a: Path, b: Path) -> dict:
    """Largest relative difference of every numeric column, and how many categorical values differ."""
    A, B = pickle.loads(a.read_bytes()), pickle.loads(b.read_bytes())
    res = {}
    for name in A:
        ta, tb = A[name], B[name]
        for col in ta.columns:
            x, y = ta[col].to_numpy(), tb[col].to_numpy()
            if np.issubdtype(x.dtype, np.number) and x.dtype != bool:
                x, y = x.astype(float), y.astype(float)
                diff = np.abs(y - x) / np.maximum(np.abs(x), 1e-12)
                both_nan = np.isnan(x) & np.isnan(y)
                worst = float(np.nanmax(np.where(both_nan, 0.0, diff))) if x.size else 0.0
                if worst > 0:
                    res[f"{name}.{col}"] = worst
            else:
                changed = int((x != y).sum())
                if changed:
                    res[f"{name}.{col} (values changed)"] = changed
    return res


def compare(a: Path, b: Path) -> dict:
    A, B = np.load(a), np.load(b)
    ok = (A["status"] == 0) & (B["status"] == 0)
    ya, yb = A["y"][ok], B["y"][ok]
    scale = np.maximum(np.abs(ya), 1e-3)  # atol of the trials: values below it are noise to the solver
    rel = np.abs(yb - ya) / scale
    fin = rel[:, -1, :]
    rtol, atol = TOLERANCES
    weighted = np.abs(yb - ya) / (atol + rtol * np.abs(ya))  # in units of the trials' local error tolerance
    return {
        "max_weighted_diff": float(np.nanmax(weighted)),
        "patients_both_ok": int(ok.sum()),
        "status_equal": bool(np.array_equal(A["status"], B["status"])),
        "max_rel_diff_all_outputs": float(np.nanmax(rel)),
        "max_rel_diff_final": float(np.nanmax(fin)),
        "identical": bool(np.array_equal(ya, yb, equal_nan=True)),
    }


def ab(inputs: Path, trees: list[str], rounds: int, repeats: int, cold: bool) -> None:
    """``cold``: each run compiles into an empty kernel cache (its compile time is the cold one)."""
    outs = {}
    for r in range(rounds):
        for k, tree in enumerate(trees):
            out = Path(f"/tmp/core_ab_{k}.npz")
            env = {**os.environ, "PYTHONPATH": str(Path(tree).resolve() / "src")}
            if cold:
                env["IOSIM_CACHE_DIR"] = tempfile.mkdtemp(prefix="core_ab_cache_")
            load = os.getloadavg()[0]
            cmd = [sys.executable, __file__, "run", "--inputs", str(inputs), "--out", str(out)]
            cmd += ["--repeats", str(repeats)]
            res = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
            if cold:
                shutil.rmtree(env["IOSIM_CACHE_DIR"], ignore_errors=True)
            print(f"round {r} tree {tree} load {load:.1f}: {res.stdout.strip().splitlines()[-1]}", flush=True)
            outs[k] = out
    for k in range(1, len(trees)):
        print(f"{trees[k]} vs {trees[0]}:", json.dumps(compare(outs[0], outs[k])))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("command", choices=["capture", "run", "ab", "compare", "endpoints", "compare-endpoints"])
    ap.add_argument("--inputs", type=Path, default=Path("/tmp/core.pkl"))
    ap.add_argument("--out", type=Path)
    ap.add_argument("--patients", type=int, default=2000)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--trees", nargs="+", default=[])
    ap.add_argument("--cold", action="store_true", help="compile every run into an empty kernel cache")
    ap.add_argument("--method", type=int, help="run: 0 auto, 1 dopri5, 2 rosenbrock (default: as captured)")
    a = ap.parse_args()
    if a.command == "capture":
        capture(a.inputs, a.patients)
    elif a.command == "run":
        run(a.inputs, a.out, a.repeats, a.method)
    elif a.command == "ab":
        ab(a.inputs, a.trees, a.rounds, a.repeats, a.cold)
    elif a.command == "endpoints":
        endpoints(a.out, a.patients)
    elif a.command == "compare-endpoints":
        print(json.dumps(compare_endpoints(Path(a.trees[0]), Path(a.trees[1])), indent=1))
    else:
        print(json.dumps(compare(Path(a.trees[0]), Path(a.trees[1]))))


if __name__ == "__main__":
    main()
