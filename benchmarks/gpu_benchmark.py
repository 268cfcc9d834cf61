"""GPU cohort benchmark: iosim's CUDA engine against its CPU engine on the benchmark problem.

The problem is /work/shared/benchmarks.md (``checkpoint_model.py``): 5 states, 4 log-normal
per-patient parameters, 18 antibody boluses, 365 days, rtol = atol = 1e-6. The GPU runs
N = 10^4, 10^5, 10^6 patients with final-only and with daily output (``--method``: the GPU's explicit
pair, Tsitouras' by default, ``dopri5`` for Dormand–Prince's); the CPU engine
(``method="auto"``, all cores, and one thread) runs a smaller N in the same process for the
ratio. Accuracy: maximum relative error of final tumour size T = Ts + Tr of the GPU
against the CPU engine (same patients, same tolerances) and against iosim's reference
engine (LSODA, rtol = atol = 1e-10) on 40 patients. Run from the repository root::

    PYTHONPATH=src python3 benchmarks/gpu_benchmark.py --json gpu_results.json

``--smoke`` runs a few patients under numba-cuda's CUDA simulator (no GPU needed), to test
this script end to end. Progress goes to stderr, the JSON summary to stdout (and ``--json``).
The reference solutions and the cold compile of the CPU kernel run in worker processes
while the GPU works; CPU timings are taken after those workers have finished.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import sys
import time
import warnings
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import checkpoint_model as cm  # noqa: E402

TOL = 1e-6
REF_TOL = 1e-10
T_END = cm.T_END
_START = time.perf_counter()


def log(msg: str) -> None:
    print(f"[{time.perf_counter() - _START:7.1f} s] {msg}", file=sys.stderr, flush=True)


# -- worker processes (spawned: they import this file, not the caller's state) -------------------
def _reference_T(params: dict[str, float]) -> float:
    """Final T of one patient from iosim's reference engine (LSODA) at rtol = atol = 1e-10."""
    import iosim

    sim = iosim.simulate(cm.build(), T_END, params=params, regimen=cm.regimen(), rtol=REF_TOL, atol=REF_TOL)
    return float(sim.final("Ts") + sim.final("Tr"))


def _cpu_compile() -> float:
    """Compile (cold, or load from numba's cache) the CPU kernel; seconds."""
    from iosim.cohort import compile_kernel

    return compile_kernel(cm.build())[1]


# -- helpers ---------------------------------------------------------------------------------------
def final_T(res) -> np.ndarray:
    return res.final("Ts") + res.final("Tr")


def rel_err(T: np.ndarray, ref: np.ndarray) -> float:
    ok = np.isfinite(T) & np.isfinite(ref)
    if not ok.any():
        return math.nan
    return float(np.max(np.abs(T[ok] - ref[ok]) / np.abs(ref[ok])))


def subset(P: dict[str, np.ndarray], n: int) -> dict[str, np.ndarray]:
    return {k: v[:n] for k, v in P.items()}


def gpu_info(cuda) -> dict:
    import importlib

    version = getattr(importlib.import_module("numba_cuda"), "__version__", "?")
    if getattr(cuda, "config", None) is not None and cuda.config.ENABLE_CUDASIM:
        return {"device": "numba-cuda CUDA simulator (CPU)", "numba_cuda": version}
    try:
        return {"numba_cuda": version, **_device_info(cuda)}
    except Exception as exc:  # informative only: never lose the benchmark over it
        return {"numba_cuda": version, "device": f"unknown ({type(exc).__name__}: {exc})"}


def _device_info(cuda) -> dict:
    dev = cuda.get_current_device()
    name = dev.name.decode() if isinstance(dev.name, bytes) else str(dev.name)
    free, total = cuda.current_context().get_memory_info()
    info = {"device": name, "compute_capability": list(dev.compute_capability), "memory_GiB": total / 2**30}
    try:
        info["driver"] = ".".join(map(str, cuda.cudadrv.driver.driver.get_version()))
    except Exception:  # the driver version is informative only
        pass
    return info


def available_memory() -> float:
    try:
        return float(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return math.inf


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, nargs="+", default=[10_000, 100_000, 1_000_000], help="GPU cohort sizes")
    ap.add_argument("--cpu-n", type=int, default=8192, help="patients for the CPU engine (best of two runs)")
    ap.add_argument("--accuracy-subset", type=int, default=40, help="patients solved by the tight reference")
    ap.add_argument("--threads-per-block", type=int, default=64)
    ap.add_argument(
        "--method", choices=("auto", "tsit5", "dopri5"), default="auto", help="the GPU's pair (auto = tsit5: Tsitouras)"
    )
    ap.add_argument(
        "--budget", type=float, default=170.0, help="seconds from the start; GPU runs projected past it are skipped"
    )
    ap.add_argument("--sweep-blocks", type=int, nargs="*", default=[32, 128, 256], help="other block sizes to time")
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--smoke", action="store_true", help="tiny N under the CUDA simulator (no GPU needed)")
    args = ap.parse_args(argv)
    if args.smoke:
        os.environ["NUMBA_ENABLE_CUDASIM"] = "1"  # before numba.cuda is first imported
        args.n, args.cpu_n, args.accuracy_subset, args.sweep_blocks = [3, 6], 64, 3, [4]
    warnings.filterwarnings("ignore", message=".*under-utilization.*")  # the 1-patient compile launch

    import numba

    from iosim import SolverOptions
    from iosim.cohort import simulate_cohort
    from iosim.cohort.gpu import compile_gpu_kernel, cuda_module, simulate_cohort_gpu

    n_max = max(max(args.n), args.cpu_n, args.accuracy_subset)
    P = cm.patients(n_max)
    model = cm.build()
    report: dict = {
        "problem": "benchmarks.md: 5 states, 4 per-patient parameters, 18 boluses, 365 days, rtol = atol = 1e-6",
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, numba {numba.__version__}",
        "smoke": args.smoke,
        "gpu_method": args.method,
        "stages_s": {},
    }

    # Reference solutions and the CPU kernel's cold compile in worker processes, while the GPU works.
    import multiprocessing

    n_ref = min(args.accuracy_subset, n_max)
    workers = max(1, min(8, (os.cpu_count() or 2) - 1, n_ref))
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))
    cpu_compile = pool.submit(_cpu_compile)
    ref_jobs = [pool.submit(_reference_T, {k: float(v[i]) for k, v in P.items()}) for i in range(n_ref)]
    log(f"reference (LSODA {REF_TOL:g}, {n_ref} patients) and CPU compile started in {workers} processes")

    t0 = time.perf_counter()
    cuda = cuda_module()
    report["gpu"] = gpu_info(cuda)
    log(f"GPU: {report['gpu']}")
    try:
        report["stages_s"]["gpu_compile"] = compile_gpu_kernel(model)
    except Exception as exc:  # report what failed, as JSON too, and stop
        report["error"] = f"GPU kernel compile or first launch failed: {type(exc).__name__}: {exc}"
        pool.shutdown(cancel_futures=True)
        print(json.dumps(report, indent=2, default=str), flush=True)
        raise
    report["stages_s"]["gpu_init_total"] = time.perf_counter() - t0
    log(f"GPU kernel compiled (with CUDA context start) in {report['stages_s']['gpu_compile']:.1f} s")

    def gpu_run(n: int, final_only: bool, threads_per_block: int) -> tuple[dict, np.ndarray]:
        t0 = time.perf_counter()
        res = simulate_cohort_gpu(model, T_END, params=subset(P, n), regimen=cm.regimen(),
                                  solver=SolverOptions(method=args.method, rtol=TOL, atol=TOL),
                                  final_only=final_only, threads_per_block=threads_per_block)  # fmt: skip
        seconds = time.perf_counter() - t0
        T = final_T(res)
        entry = {
            "seconds": seconds,
            "patients_per_s": n / seconds,
            "status": res.status_counts(),
            "mean_steps": float(res.steps.mean()),
            "max_steps": int(res.steps.max()),
            "progressing_T_gt_1e10": float(np.mean(T > 1e10)),
        }
        counts = res.status_counts()
        log(f"  {seconds:.2f} s, {n / seconds:,.0f} patients/s, {counts}, mean steps {res.steps.mean():.0f}")
        return entry, T[: max(args.cpu_n, n_ref)].copy()

    def too_long(n: int, rate: float | None) -> str | None:
        if rate is not None and time.perf_counter() - _START + n / rate + 5.0 > args.budget:
            return f"projected {n / rate:.0f} s would pass the {args.budget:g} s budget"
        return None

    runs: dict = {}
    gpu_T: dict = {}
    for output in ("final", "daily"):
        rate = None
        for n in sorted(args.n):
            key = f"{n} {output}"
            per_patient_bytes = 8 * 5 * (1 if output == "final" else int(T_END) + 1)
            why = too_long(n, rate)
            if 1.5 * n * per_patient_bytes > 0.5 * available_memory():
                why = "not enough free host memory for the output"
            if why:
                runs[key] = {"skipped": why}
                log(f"GPU N={n} {output}: skipped ({why})")
                continue
            log(f"GPU N={n} {output} ...")
            try:
                runs[key], gpu_T[output] = gpu_run(n, output == "final", args.threads_per_block)
            except Exception as exc:  # keep the report: one failed size must not lose the others
                runs[key] = {"error": f"{type(exc).__name__}: {exc}"}
                log(f"  failed: {runs[key]['error']}")
                continue
            rate = runs[key]["patients_per_s"]
    report["gpu_runs"] = runs

    # Block size: same patients, final-only output (results do not depend on it).
    n_sweep = min(100_000, max(args.n))
    sweep: dict = {}
    rate = runs.get(f"{n_sweep} final", {}).get("patients_per_s")
    for tpb in args.sweep_blocks:
        why = too_long(n_sweep, rate)
        if why:
            sweep[tpb] = {"skipped": why}
            continue
        log(f"GPU N={n_sweep} final, {tpb} threads per block ...")
        try:
            sweep[tpb] = gpu_run(n_sweep, True, tpb)[0]
        except Exception as exc:
            sweep[tpb] = {"error": f"{type(exc).__name__}: {exc}"}
    report["gpu_block_size_sweep"] = {"patients": n_sweep, "runs": sweep}

    t0 = time.perf_counter()
    T_ref = np.array([job.result() for job in ref_jobs])
    report["stages_s"]["cpu_compile_in_worker"] = cpu_compile.result()
    pool.shutdown()
    report["stages_s"]["wait_for_reference"] = time.perf_counter() - t0
    log(f"reference done (waited {report['stages_s']['wait_for_reference']:.1f} s more)")

    # CPU engine on the same machine, after the workers have stopped.
    from iosim.cohort import compile_kernel

    report["stages_s"]["cpu_kernel_load"] = compile_kernel(model)[1]  # cached by the worker: not timed below
    cpu: dict = {}
    n_cpu = args.cpu_n
    threads = os.cpu_count() or 1
    many = {"threads": threads, "chunk_size": 128}  # small chunks: every thread gets work at this N
    configs = (
        (f"auto, {threads} threads, final", many, True),
        (f"auto, {threads} threads, daily", many, False),
        ("auto, 1 thread, final", {}, True),
        (f"dopri5, {threads} threads, final", {**many, "method": "dopri5"}, True),
    )
    for label, kw, final_only in configs:
        log(f"CPU N={n_cpu} {label} ...")
        seconds = math.inf
        for _ in range(2):  # best of two: the first run also pays for thread start-up
            t0 = time.perf_counter()
            res = simulate_cohort(model, T_END, params=subset(P, n_cpu), regimen=cm.regimen(), rtol=TOL, atol=TOL,
                                  final_only=final_only, **kw)  # fmt: skip
            seconds = min(seconds, time.perf_counter() - t0)
        T = final_T(res)
        cpu[label] = {
            "patients": n_cpu,
            "seconds": seconds,
            "patients_per_s": n_cpu / seconds,
            "status": res.status_counts(),
            "mean_steps": float(res.steps.mean()),
            "max_rel_err_vs_reference": rel_err(T[:n_ref], T_ref),
        }
        for output, TG in gpu_T.items():
            m = min(n_cpu, TG.size)
            cpu[label][f"max_rel_err_gpu_{output}_vs_this"] = rel_err(TG[:m], T[:m])
        log(f"  {seconds:.2f} s, {n_cpu / seconds:,.0f} patients/s, err vs reference {rel_err(T[:n_ref], T_ref):.1e}")
    report["cpu_runs"] = cpu

    # GPU accuracy against the tight reference, and the ratios (same output, best CPU configuration).
    report["accuracy"] = {"reference": f"LSODA rtol = atol = {REF_TOL:g}, {n_ref} patients"}
    for output, TG in gpu_T.items():
        report["accuracy"][f"gpu {output}: max_rel_err_vs_reference"] = rel_err(TG[:n_ref], T_ref)
        for method in ("auto", "dopri5"):
            label = f"{method}, {threads} threads, final"
            m = min(n_cpu, TG.size)
            report["accuracy"][f"gpu {output}: max_rel_err_vs_cpu_{method} ({m} patients)"] = cpu[label].get(
                f"max_rel_err_gpu_{output}_vs_this"
            )
    one = cpu["auto, 1 thread, final"]["patients_per_s"]
    best = {
        "final": max(cpu[f"auto, {threads} threads, final"]["patients_per_s"], one),
        "daily": cpu[f"auto, {threads} threads, daily"]["patients_per_s"],
    }
    report["ratios"] = {
        key: {"vs_cpu_all_threads_same_output": v["patients_per_s"] / best[key.split()[1]],
              "vs_cpu_1_thread_final": v["patients_per_s"] / one}
        for key, v in runs.items()
        if "patients_per_s" in v
    }  # fmt: skip
    report["stages_s"]["total"] = time.perf_counter() - _START
    text = json.dumps(report, indent=2, default=str)
    print(text, flush=True)
    if args.json:
        args.json.write_text(text + "\n")
    log(f"done in {report['stages_s']['total']:.1f} s")
    return report


if __name__ == "__main__":
    main()
