"""Patients per second of iosim.fitting.fit_tgi on synthetic diameter series.

    python benchmarks/tgi_fit.py [--patients 200000] [--scans 8] [--seed 0]

Each synthetic patient has a baseline scan up to 20 days before treatment, then a scan every
35-50 days (OAK's median gap is 44 days, docs/data.md), diameters from the Stein 2011 model
with f ~ U(0, 1), d and g log-uniform over 0.001-0.05 and 0.0003-0.01 per day, and 5 %
log-normal measurement noise (all assumed, to look like the OAK fits). Prints the time,
patients/s and how many fits succeeded. The target: 200,000 patients of 8 scans in under 60 s
on one core. This is a benchmark, not a test.
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np
import pandas as pd


def synthetic_scans(patients: int, scans: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    f = rng.uniform(0.0, 1.0, patients)
    d = 10 ** rng.uniform(-3.0, np.log10(0.05), patients)
    g = 10 ** rng.uniform(np.log10(3e-4), -2.0, patients)
    first = -rng.uniform(0.0, 20.0, (patients, 1))
    days = np.concatenate([first, first + np.cumsum(rng.uniform(35.0, 50.0, (patients, scans - 1)), axis=1)], axis=1)
    t = days - days[:, :1]
    y = f[:, None] * np.exp(-d[:, None] * t) + (1 - f[:, None]) * np.exp(g[:, None] * t)
    baseline = rng.uniform(15.0, 100.0, (patients, 1))
    diameter = baseline * y * np.exp(rng.normal(0.0, 0.05, y.shape))
    return pd.DataFrame(
        {"patient": np.repeat(np.arange(patients), scans), "day": days.ravel(), "diameter_mm": diameter.ravel()}
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=200_000)
    parser.add_argument("--scans", type=int, default=8)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    from iosim.fitting import fit_tgi

    scans = synthetic_scans(args.patients, args.scans, args.seed)
    fit_tgi(scans.iloc[: 50 * args.scans])  # warm-up: imports and first allocations
    start = time.perf_counter()
    fits = fit_tgi(scans)
    elapsed = time.perf_counter() - start
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs visible, numpy {np.__version__}")
    print(f"{args.patients} patients x {args.scans} scans: {elapsed:.1f} s, {args.patients / elapsed:,.0f} patients/s")
    print(f"fit_ok: {int(fits['fit_ok'].sum())} of {len(fits)}; median relative RMSE {fits['rmse'].median():.4f}")


if __name__ == "__main__":
    main()
