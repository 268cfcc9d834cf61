"""Biological bounds (iosim.models.bounds) hold for the median patient of every cancer type, untreated and
on every drug of the catalogue at its label regimen, over one year."""

import numpy as np
import pandas as pd
import pytest

from iosim.cancers import cancer_ids
from iosim.cohort import simulate_cohort
from iosim.model.compiled import output_function
from iosim.models.bounds import BOUNDS, violations
from iosim.scenario import build_scenario
from iosim.therapy.catalogue import drug_ids

DAYS = 365.0


def _courses(drug: str | None) -> dict[str, dict[str, float]]:
    """Per cancer: each bounded output over the year (one cohort, a patient per cancer)."""
    cancers = cancer_ids()
    scenarios = [build_scenario(cancer=c, therapies=[drug] if drug else [], horizon_days=DAYS) for c in cancers]
    model = scenarios[0].model
    params = pd.DataFrame([s.params for s in scenarios]).reindex(columns=[p.name for p in model.parameters])
    params = params.fillna({p.name: p.value for p in model.parameters})
    initial = pd.DataFrame([s.initial for s in scenarios])
    times = np.linspace(0.0, DAYS, 366)
    res = simulate_cohort(model, DAYS, params=params, initial=initial, regimen=scenarios[0].regimen, times=times)
    assert res.ok.all(), drug
    y, p = np.moveaxis(res.y, 2, 0), res.parameters.T[:, :, None]
    out = {b.output: output_function(model, b.output)(times, y, p) for b in BOUNDS}
    return {c: {k: v[i] for k, v in out.items()} for i, c in enumerate(cancers)}


@pytest.mark.parametrize("drug", [None, *drug_ids()], ids=lambda d: d or "untreated")
def test_every_cancer_stays_within_its_bounds(drug):
    broken = {c: v for c, outs in _courses(drug).items() if (v := violations(outs))}
    assert not broken, broken


def test_high_dose_il2_no_longer_builds_an_impossible_t_cell_pool():
    # Before the homeostatic limits, a typical RCC patient on high-dose IL-2 reached 4e14 tumour-specific
    # CD8 cells, a thousand times the body's T-cell pool.
    rcc = _courses("aldesleukin")["rcc"]
    assert 1e9 < rcc["tumour_specific_t_cells"].max() <= 1.01e11


def test_a_bound_that_is_exceeded_is_named():
    found = violations({"cart_cells": np.array([1e9, 5e11, 1e10])})
    assert len(found) == 1 and "cart_cells reaches 5e+11" in found[0]
