"""CPU time of one trial task: `examples/million.yaml`'s first N patients in both arms, in this process.

What a worker of `iosim trial` does for one chunk (population sampling with its untreated check, both
courses, endpoints), without the store. Run each source tree with its own PYTHONPATH, in turns:

    PYTHONPATH=src .venv/bin/python benchmarks/trial_chunk.py --patients 2000

Prints the CPU seconds (`time.process_time`) after a 5-patient warm-up with other patients (kernel load).
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np

from iosim.trials import load_trial_spec
from iosim.trials.arms import plan_arm
from iosim.trials.runner import _simulate_arms, population_for

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "examples" / "million.yaml"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--patients", type=int, default=2000, help="patients per arm")
    args = ap.parse_args()
    spec = load_trial_spec(SPEC)
    population = population_for(spec, SPEC.parent)
    plans = {a.name: plan_arm(spec.cancer, a.therapies, spec.follow_up_days) for a in spec.arms}
    _simulate_arms(spec, plans, population, np.arange(10_000_000, 10_000_005))  # warm-up, other patients
    start = time.process_time()
    _simulate_arms(spec, plans, population, np.arange(args.patients))
    cpu = time.process_time() - start
    print(f"{cpu:.2f} CPU s for {args.patients} patients x {len(plans)} arms (load {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
