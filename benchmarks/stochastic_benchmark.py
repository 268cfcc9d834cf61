"""Replicates per second: iosim's stochastic engines against libRoadRunner's Gillespie integrator.

Both tools run the same model in the same process, from the same SBML where the model comes
from SBML (the DSMTS birth–death case) or from iosim's own SBML export (Kuznetsov 1994), on
the same output grid. iosim's kernels are compiled (and cached) before timing starts.

    python benchmarks/stochastic_benchmark.py [--quick]

Prints a Markdown table (the "Performance" section of docs/stochastic.md).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
BIRTH_DEATH = ROOT / "tests" / "data" / "sbml-stochastic" / "00001" / "00001-sbml-l3v2.xml"


def _time(fn, min_seconds: float = 1.0) -> float:
    """Seconds per call of ``fn`` (repeated until ``min_seconds`` have passed)."""
    calls, start = 0, time.perf_counter()
    while True:
        fn()
        calls += 1
        elapsed = time.perf_counter() - start
        if elapsed >= min_seconds:
            return elapsed / calls


def roadrunner_rate(sbml: str, t_end: float, points: int, replicates: int, selections: list[str]) -> float:
    import roadrunner

    rr = roadrunner.RoadRunner(sbml)
    rr.setIntegrator("gillespie")
    integ = rr.getIntegrator()
    integ.setValue("variable_step_size", False)
    rr.timeCourseSelections = ["time", *selections]

    def run() -> None:
        for r in range(replicates):
            rr.resetAll()
            integ.setValue("seed", 1000 + r)
            rr.simulate(0.0, t_end, points)

    run_once = replicates
    return run_once / _time(run)


def iosim_rate(model, t_end: float, points: int, replicates: int, **kw) -> float:
    from iosim.stochastic import simulate_stochastic

    every = t_end / (points - 1)
    simulate_stochastic(model, t_end, replicates=2, seed=0, output_every=every, **kw)  # compile / load

    def run() -> None:
        simulate_stochastic(model, t_end, replicates=replicates, seed=1, output_every=every, **kw)

    return replicates / _time(run)


def _agreement(sbml: str, model, replicates: int = 2000) -> str:
    import roadrunner

    from iosim.stochastic import simulate_stochastic

    rr = roadrunner.RoadRunner(sbml)
    rr.setIntegrator("gillespie")
    rr.getIntegrator().setValue("variable_step_size", False)
    rr.timeCourseSelections = ["time", "X"]
    finals = []
    for r in range(replicates):
        rr.resetAll()
        rr.getIntegrator().setValue("seed", 5000 + r)
        finals.append(rr.simulate(0.0, 50.0, 51)[-1, 1])
    res = simulate_stochastic(model, 50.0, replicates=replicates, seed=5, times=[0.0, 50.0])
    se = np.std(finals) / np.sqrt(replicates)
    return f"libRoadRunner {np.mean(finals):.2f}, iosim {res.final('X').mean():.2f} (SE ~{se:.2f}, {replicates} each)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer replicates (a smoke run)")
    args = parser.parse_args()
    scale = 0.1 if args.quick else 1.0

    from iosim.models import get_model
    from iosim.sbml import import_sbml, write_sbml

    rows: list[tuple[str, str, float]] = []

    # 1. DSMTS 001-01 birth-death (X0 = 100, 50 time units, 51 outputs): ~1,000 events per replicate.
    sbml = BIRTH_DEATH.read_text()
    bd = import_sbml(BIRTH_DEATH).model
    n = max(20, int(2000 * scale))
    rr = roadrunner_rate(sbml, 50.0, 51, n, ["X"])
    rows.append(("birth-death (DSMTS 001-01)", "libRoadRunner gillespie", rr))
    rows.append(("birth-death (DSMTS 001-01)", "iosim ssa, 1 thread", iosim_rate(bd, 50.0, 51, n, method="ssa")))
    rows.append(
        ("birth-death (DSMTS 001-01)", "iosim ssa, 2 threads", iosim_rate(bd, 50.0, 51, n, method="ssa", workers=2))
    )

    # 2. Kuznetsov 1994 from 100 tumour cells, 10 days, daily output: ~2.6e5 events per replicate
    #    (effector turnover dominates). iosim exports the model to SBML for libRoadRunner.
    kz = get_model("kuznetsov1994").with_initial(T=100)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "kuznetsov1994.xml"
        write_sbml(kz, path)
        kz_sbml = path.read_text()
    label = "kuznetsov1994, T(0)=100, 10 days"
    n = max(4, int(40 * scale))
    rows.append((label, "libRoadRunner gillespie", roadrunner_rate(kz_sbml, 10.0, 11, n, ["E", "T"])))
    rows.append((label, "iosim ssa, 1 thread", iosim_rate(kz, 10.0, 11, n, method="ssa")))
    rows.append((label, "iosim ssa, 2 threads", iosim_rate(kz, 10.0, 11, n, method="ssa", workers=2)))
    n = max(20, int(2000 * scale))
    rows.append((label, "iosim tau (approximate)", iosim_rate(kz, 10.0, 11, n, method="tau")))
    rows.append((label, "iosim hybrid (E continuous)", iosim_rate(kz, 10.0, 11, n, method="hybrid")))

    # Agreement: mean X(50) of the birth-death case, both tools, against 100·e^{-0.5} = 60.65.
    print(f"birth-death mean X(50): analytic 60.65, {_agreement(sbml, bd)}")
    machine = f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}"
    print(f"Machine: {machine}")
    print()
    print("| model | engine | replicates/s | vs libRoadRunner |")
    print("|---|---|---:|---:|")
    ref: dict[str, float] = {}
    for model, engine, rate in rows:
        if engine.startswith("libRoadRunner"):
            ref[model] = rate
        print(f"| {model} | {engine} | {rate:,.0f} | {rate / ref[model]:.1f}x |")


if __name__ == "__main__":
    main()
