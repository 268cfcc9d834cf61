"""Combination arms against the independent-drug-action baseline (:mod:`iosim.endpoints.ida`).

Two baselines per registry combination row (ORR and median PFS):

* ``ida``: IDA of the simulated single-drug arms of the same virtual trial, the baseline the
  mechanistic prediction must beat on the same virtual patients;
* ``ida_observed``: IDA of the published single-drug arms (the registry's observed values), as
  Palmer & Sorger applied it to real trials.
"""

from __future__ import annotations

import math

import pandas as pd

from iosim.endpoints.ida import ida_from_rates, latent_or, single_drug_arms
from iosim.validation.registry import Registry

IDA_ENDPOINTS = {"orr": "orr_ida", "median_pfs_months": "median_pfs_ida_months"}


def arm_drugs(spec) -> dict[str, list[str]]:
    return {a.name: [t.drug for t in a.therapies] for a in spec.arms}


def _observed_ida(registry: Registry, trial: str, parts: tuple[str, ...]) -> dict[str, float]:
    orr = [registry.find(trial, p, "orr") for p in parts]
    pfs = [registry.find(trial, p, "median_pfs_months") for p in parts]
    out = {}
    if all(e is not None for e in orr):
        rates = [e.observed for e in orr]  # type: ignore[union-attr]
        if all(e is not None for e in pfs):
            out["orr"], out["median_pfs_months"] = ida_from_rates(rates, [e.observed for e in pfs])  # type: ignore[union-attr]
        elif len(rates) == 2:
            out["orr"] = latent_or(rates)
    return out


def add_ida(table: pd.DataFrame, spec, summary: pd.DataFrame, registry: Registry) -> pd.DataFrame:
    """``table`` (one trial's comparison rows) with columns ``ida`` and ``ida_observed``."""
    table = table.copy()
    table["ida"] = math.nan
    table["ida_observed"] = math.nan
    combos = single_drug_arms(arm_drugs(spec))
    by_arm = summary.set_index("arm") if len(summary) else summary
    for i, row in table.iterrows():
        parts = combos.get(row["arm"])
        if parts is None or row["endpoint"] not in IDA_ENDPOINTS:
            continue
        column = IDA_ENDPOINTS[row["endpoint"]]
        if column in by_arm.columns:
            table.at[i, "ida"] = by_arm.at[row["arm"], column]
        table.at[i, "ida_observed"] = _observed_ida(registry, spec.name, parts).get(row["endpoint"], math.nan)
    return table
