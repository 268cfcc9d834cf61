"""Observed against simulated, row by row: the table of ``iosim validate`` and of a trial's report."""

from __future__ import annotations

import math

import pandas as pd

from iosim.validation.endpoints import Results, Tables, evaluate, within
from iosim.validation.registry import Entry, load_registry

COLUMNS = ["trial", "arm", "endpoint", "observed", "ci_low", "ci_high", "simulated", "sim_ci_low", "sim_ci_high",
           "role", "within"]  # fmt: skip


def compare(entries: list[Entry], results: Results) -> pd.DataFrame:
    """One row per registry entry (columns :data:`COLUMNS` plus ``source``), the trial's results in ``results``."""
    results = results if isinstance(results, Tables) else Tables(results)
    rows = []
    for e in entries:
        sim, lo, hi = evaluate(e.endpoint, results, e.arm)
        rows.append({
            "trial": e.trial, "arm": e.arm, "endpoint": e.endpoint, "observed": e.observed,
            "ci_low": _nan(e.ci_low), "ci_high": _nan(e.ci_high), "simulated": sim, "sim_ci_low": lo,
            "sim_ci_high": hi, "role": e.role, "within": within(sim, e.ci_low, e.ci_high), "source": e.source,
        })  # fmt: skip
    df = pd.DataFrame(rows, columns=[*COLUMNS, "source"])
    df["within"] = df["within"].astype("boolean")
    return df


def observed_vs_simulated(spec, results: Results) -> pd.DataFrame | None:
    """The report's calibration/prediction table for a trial: its registry entries (when the trial
    is a registry trial) and any deprecated ``observed`` blocks of the spec; None when there are none."""
    registry = load_registry()
    arms = {a.name for a in spec.arms}
    entries = [e for e in registry.for_trial(spec.name) if e.arm in arms]
    for arm in spec.arms:
        obs = arm.observed
        if obs is None:
            continue
        for endpoint in ("orr", "cr_rate", "median_pfs_months", "median_os_months"):
            value = getattr(obs, endpoint)
            if value is not None and registry.find(spec.name, arm.name, endpoint) is None:
                entries.append(Entry(f"{spec.name}/{arm.name}/{endpoint}", spec.name, "", arm.name, endpoint,
                                     float(value), None, None, None, obs.role_of(endpoint), obs.source,
                                     "not given"))  # fmt: skip
    if not entries:
        return None
    return compare(entries, results).drop(columns=["trial"])


def _nan(x: float | None) -> float:
    return math.nan if x is None else float(x)
