"""``iosim cohort`` from the command line, end to end, against libRoadRunner and a scipy loop.

The problem is /work/shared/benchmarks.md (``checkpoint_model.py``), run the way a user runs
each tool: for iosim, one ``iosim cohort`` process per run — start-up, reading the Antimony
model and the patients' CSV, simulating, writing Parquet — timed from outside with a warm kernel
cache (the cold compile is timed once, separately). Final values only, one year, 20,000 patients.
Run from the repository root::

    python benchmarks/cli_benchmark.py --n 20000 --json benchmarks/cli_results.json

Accuracy is matched, not assumed: each tool runs at the loosest tolerance of the ladder whose
maximum relative error of final T over the accuracy subset, against LSODA at rtol = atol = 1e-10,
is within 1e-4 (``cohort_benchmark.matched_accuracy`` explains why). libRoadRunner (one instance,
reset and reused, model compilation not timed) and the scipy loop (on a subset, extrapolated) are
timed in the same run, and so is ``iosim cohort`` on one patient: the command's fixed cost.
Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import checkpoint_model as cm  # noqa: E402
import cohort_benchmark as cb  # noqa: E402

DOSE = "A:40@0,every=21,count=18"


def antimony_model() -> str:
    """The benchmark model as a user would write it (no events: the doses go on the command line)."""
    return cb.ANTIMONY.replace("model bench", "model bench_cli", 1)


def iosim_cli(model: Path, params: Path, out: Path, tol: float, threads: int, env: dict) -> tuple[float, np.ndarray]:
    """Wall seconds of one ``iosim cohort`` process, and each patient's final T."""
    cmd = [str(Path(sys.executable).with_name("iosim")), "cohort", str(model), "--params", str(params),
           "--days", "365", "--dose", DOSE, "--final-only", "--out", str(out), "--rtol", f"{tol:g}",
           "--atol", f"{tol:g}", "--threads", str(threads)]  # fmt: skip
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, env=env, capture_output=True)
    wall = time.perf_counter() - t0
    df = pd.read_parquet(out).sort_values("patient")
    return wall, (df["Ts"] + df["Tr"]).to_numpy()


def _cpu() -> float:
    """CPU seconds of this process and of its finished children (an ``iosim cohort`` run is a child).

    On a shared, loaded machine the fairer measure: wall clock also counts the time other people's
    work held the cores. With two threads it adds both threads' time (a rate per core)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=20_000)
    ap.add_argument("--accuracy-subset", type=int, default=40)
    ap.add_argument("--scipy-subset", type=int, default=100)
    ap.add_argument("--roadrunner-n", type=int, default=4000, help="patients timed through libRoadRunner")
    ap.add_argument("--repeats", type=int, default=3, help="timed runs of each (best kept)")
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args(argv)

    import antimony  # noqa: F401  (fail early where libRoadRunner's toolchain is missing)

    import iosim

    P = cm.patients(args.n)
    report: dict = {"machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
                    f"Python {platform.python_version()}", "n": args.n, "load_average_start": cb._load(),
                    "started_utc": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())}  # fmt: skip
    model = cm.build()
    sub = np.arange(min(args.accuracy_subset, args.n))
    T_ref = np.empty(sub.size)
    for r, i in enumerate(sub):
        sim = iosim.simulate(model, 365.0, params={k: float(v[i]) for k, v in P.items()},
                             regimen=cm.regimen(), rtol=1e-10, atol=1e-10)  # fmt: skip
        T_ref[r] = sim.final("Ts") + sim.final("Tr")

    def rel_err(T: np.ndarray) -> float:
        return float(np.max(np.abs(T[: sub.size] - T_ref) / np.abs(T_ref)))

    def loosest(final) -> tuple[float, float]:
        for tol in cb.LADDER:
            err = rel_err(final(tol))
            print(f"    tol {tol:g}: max rel err {err:.2e}", flush=True)
            if err <= cb.TARGET:
                return tol, err
        return cb.LADDER[-1], err

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        ant = work / "bench.ant"
        ant.write_text(antimony_model())
        params = work / "patients.csv"
        pd.DataFrame({"patient": np.arange(args.n), **P}).to_csv(params, index=False)
        sub_params = work / "subset.csv"
        pd.DataFrame({"patient": sub, **{k: v[sub] for k, v in P.items()}}).to_csv(sub_params, index=False)
        one = work / "one.csv"  # one patient: the command's fixed cost (start-up, input, output)
        pd.DataFrame({"patient": [0], **{k: v[:1] for k, v in P.items()}}).to_csv(one, index=False)
        env = {**os.environ, "IOSIM_CACHE_DIR": str(work / "cache")}
        # As installed (pip compiles iosim's bytecode), not as this sandbox's PYTHONDONTWRITEBYTECODE=1 would
        # have it: that recompiles ~70 of iosim's modules from source on every start (~0.1 s). The cold run
        # below writes the bytecode; every timed run reads it.
        env.pop("PYTHONDONTWRITEBYTECODE", None)

        print("iosim cohort: cold compile (empty kernel cache), then the tolerance ladder", flush=True)
        t0 = time.perf_counter()
        iosim_cli(ant, sub_params, work / "o.parquet", 1e-6, 1, env)
        report["iosim_cold_first_run_s"] = time.perf_counter() - t0
        tol_io, err_io = loosest(lambda tol: iosim_cli(ant, sub_params, work / "o.parquet", tol, 1, env)[1])
        print("libRoadRunner ladder", flush=True)
        tol_rr, err_rr = loosest(lambda tol: cb.roadrunner_cohort(cb.roadrunner_instance(tol), P, sub))
        print("scipy LSODA ladder", flush=True)

        def scipy_final(tol, idx):
            ys = (cb.scipy_patient(*(P[k][i] for k in cm.TYPICAL), rtol=tol, atol=tol) for i in idx)
            return np.array([y[-1, 0] + y[-1, 1] for y in ys])

        tol_sp, err_sp = loosest(lambda tol: scipy_final(tol, sub))

        runs: dict = {}
        n_sp = min(args.scipy_subset, args.n)
        (wall, cpu), _ = cb.timed(lambda: scipy_final(tol_sp, np.arange(n_sp)), 1)
        runs["scipy LSODA loop"] = {"tol": tol_sp, "max_rel_err": err_sp, "patients": n_sp, "wall_s": wall,
                                    "cpu_s": cpu}  # fmt: skip
        rr = cb.roadrunner_instance(tol_rr)
        n_rr = min(args.roadrunner_n, args.n)
        jobs = {
            "libRoadRunner": (tol_rr, err_rr, n_rr, lambda: cb.roadrunner_cohort(rr, P, np.arange(n_rr))),
            "iosim cohort CLI, 1 thread": (tol_io, err_io, args.n,
                                           lambda: iosim_cli(ant, params, work / "all.parquet", tol_io, 1, env)),
            "iosim cohort CLI, 2 threads": (tol_io, err_io, args.n,
                                            lambda: iosim_cli(ant, params, work / "all.parquet", tol_io, 2, env)),
            "iosim cohort CLI, 1 patient": (tol_io, err_io, 1,
                                            lambda: iosim_cli(ant, one, work / "one.parquet", tol_io, 1, env)),
        }  # fmt: skip
        best = {label: float("inf") for label in jobs}
        best_cpu = dict(best)
        load0 = cb._load()
        for _ in range(args.repeats):  # in turns, so a change of load hits every tool alike
            for label, (*_, fn) in jobs.items():
                t0, c0 = time.perf_counter(), _cpu()
                fn()
                best[label] = min(best[label], time.perf_counter() - t0)
                best_cpu[label] = min(best_cpu[label], _cpu() - c0)
        for label, (tol, err, count, _) in jobs.items():
            runs[label] = {"tol": tol, "max_rel_err": err, "patients": count, "wall_s": best[label],
                           "cpu_s": best_cpu[label]}  # fmt: skip
        report["load_during_runs"] = [load0, cb._load()]

    # One patient: the fixed cost every run pays (start-up, input, output), a time rather than a rate.
    one = runs.pop("iosim cohort CLI, 1 patient")
    report["iosim_one_patient_s"], report["iosim_one_patient_cpu_s"] = one["wall_s"], one["cpu_s"]
    for r in runs.values():
        r["patients_per_s"] = r["patients"] / r["wall_s"]
        r["patients_per_cpu_s"] = r["patients"] / r["cpu_s"]
    report["runs"] = runs
    print(f"\n{args.n:,} patients, final values, each tool at its loosest tolerance with max rel err <= "
          f"{cb.TARGET:g} (vs LSODA 1e-10 on {sub.size} patients), wall clock:")  # fmt: skip
    print("| tool | tolerance | max rel err | patients timed | patients/s | patients per CPU s |")
    print("|---|---|---|---|---|---|")
    for label, r in runs.items():
        print(f"| {label} | {r['tol']:g} | {r['max_rel_err']:.1e} | {r['patients']:,} | {r['patients_per_s']:,.0f} "
              f"| {r['patients_per_cpu_s']:,.0f} |")  # fmt: skip
    report["ratios"] = {}
    report["cpu_ratios"] = {}
    for mine in [label for label in runs if label.startswith("iosim")]:
        for other in ("libRoadRunner", "scipy LSODA loop"):
            ratio = runs[mine]["patients_per_s"] / runs[other]["patients_per_s"]
            cpu_ratio = runs[mine]["patients_per_cpu_s"] / runs[other]["patients_per_cpu_s"]
            report["ratios"][f"{mine} / {other}"] = ratio
            report["cpu_ratios"][f"{mine} / {other}"] = cpu_ratio
            print(f"  {mine} / {other}: x{ratio:.1f} (per CPU second x{cpu_ratio:.1f})")
    print(f"  iosim cohort with 1 patient (the fixed cost): {report['iosim_one_patient_s']:.2f} s "
          f"({report['iosim_one_patient_cpu_s']:.2f} CPU s)")  # fmt: skip
    print(f"  iosim cohort, first run with an empty kernel cache (compile included): "
          f"{report['iosim_cold_first_run_s']:.1f} s")  # fmt: skip
    report["load_average_end"] = cb._load()
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, default=str))
    return report


if __name__ == "__main__":
    main()
