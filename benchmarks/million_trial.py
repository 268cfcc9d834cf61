"""End-to-end scale benchmark: `iosim trial examples/million.yaml` with its time and peak memory.

Runs the command line exactly as a user would (spec -> simulation -> DuckDB store ->
summary -> report) in a child process, samples the resident memory of the whole process
tree (the main process, its workers, Dask's nanny and scheduler) every 0.2 s, and reports
the wall time, the peak of the summed RSS, and patients per second.

    .venv/bin/python benchmarks/million_trial.py --patients 500000 --workers 2 --json out.json

``--patients`` is per arm (two arms). The kernel is compiled (or loaded from the cache)
before the clock starts; the compile time is reported separately.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "examples" / "million.yaml"


def tree_rss(proc: psutil.Process) -> int:
    total = 0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total


def compile_kernel() -> float:
    code = (
        "import time; from pathlib import Path; from iosim.trials import load_trial_spec;"
        "from iosim.trials.arms import plan_arm; from iosim.cohort import compile_kernel;"
        f"s = load_trial_spec(Path({str(SPEC)!r})); a = s.arms[0];"
        "print(compile_kernel(plan_arm(s.cancer, [t.text for t in a.therapies], s.follow_up_days).model)[1])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--patients", type=int, default=500_000, help="patients per arm")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--cluster", choices=["local"], default=None)
    ap.add_argument("--chunk-size", type=int, default=2000)
    ap.add_argument("--out", type=Path, default=Path("/tmp/iosim-million"))
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()

    compile_s = compile_kernel()
    shutil.rmtree(args.out, ignore_errors=True)
    iosim = Path(sys.executable).with_name("iosim")
    cmd = [str(iosim), "trial", str(SPEC), "--patients", str(args.patients), "--workers", str(args.workers),
           "--chunk-size", str(args.chunk_size), "--out", str(args.out)]  # fmt: skip
    if args.cluster:
        cmd += ["--cluster", args.cluster]
    load0 = os.getloadavg()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    child = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    proc = psutil.Process(child.pid)
    peak = 0
    main_cpu = 0.0
    while child.poll() is None:
        peak = max(peak, tree_rss(proc))
        try:  # the main process alone (store writes, summary, report), sampled until it exits
            t = proc.cpu_times()
            main_cpu = t.user + t.system
        except psutil.Error:
            pass
        time.sleep(0.2)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    # CPU of the whole tree (the main process and its reaped workers): the comparison on a shared machine.
    user, system = after.ru_utime - before.ru_utime, after.ru_stime - before.ru_stime
    output = child.stdout.read() if child.stdout else ""
    if child.returncode != 0:
        sys.exit(f"iosim trial failed with exit code {child.returncode}:\n{output}")
    n = 2 * args.patients
    result = {
        "command": " ".join(cmd),
        "patients": n,
        "workers": args.workers,
        "cluster": args.cluster,
        "chunk_size": args.chunk_size,
        "wall_s": round(wall, 1),
        "patients_per_s": round(n / wall),
        "cpu_s": round(user + system, 1),
        "cpu_user_s": round(user, 1),
        "cpu_system_s": round(system, 1),
        "main_process_cpu_s": round(main_cpu, 1),
        "peak_rss_gb": round(peak / 2**30, 2),
        "kernel_compile_s": round(compile_s, 1),
        "load_average_start": load0,
        "load_average_end": os.getloadavg(),
        "store_mb": round((args.out / "results.duckdb").stat().st_size / 2**20),
        "summary": output.strip().splitlines()[-4:],
    }
    text = json.dumps(result, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")


if __name__ == "__main__":
    main()
