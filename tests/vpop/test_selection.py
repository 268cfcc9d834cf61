"""Selecting virtual patients: prevalence weights and acceptance-rejection reproduce observed distributions."""

import numpy as np
import pandas as pd
import pytest

from iosim.errors import InputError
from iosim.vpop import ks_distance, plausible_patients, select
from iosim.vpop.selection import rake


def _metrics(rng, n, shift, spread, no_fit_share):
    bpc = np.clip(shift + spread * rng.standard_normal(n), -100, 300)
    g = np.exp(-6.0 + 0.8 * rng.standard_normal(n) + 0.01 * bpc)
    fit = rng.random(n) >= no_fit_share
    return pd.DataFrame({
        "source_patient": np.arange(n), "best_pct_change": bpc, "g": np.where(fit, g, np.nan), "fit_ok": fit,
        "baseline_mm": np.exp(3.5 + 0.5 * rng.standard_normal(n)),
    })  # fmt: skip


def test_raking_reproduces_each_observed_margin():
    rng = np.random.default_rng(0)
    obs = _metrics(rng, 400, -5.0, 30.0, 0.1)
    pl = _metrics(rng, 40_000, 10.0, 50.0, 0.3)
    from iosim.vpop.selection import _BINS, _categories, _observables

    o, p = _observables(obs), _observables(pl)
    w = rake(o, p)
    for name, bins in _BINS.items():
        co, cp = _categories(o[name], p[name], bins)
        k = max(co.max(), cp.max()) + 1
        assert np.allclose(np.bincount(cp, w, k) / w.sum(), np.bincount(co, minlength=k) / co.size, atol=2e-3)


def test_selected_patients_follow_the_observed_distributions_not_the_plausible_ones():
    rng = np.random.default_rng(1)
    obs = _metrics(rng, 400, -5.0, 30.0, 0.1)
    pl = _metrics(rng, 60_000, 10.0, 50.0, 0.3)
    chosen = select(pl, obs, seed=3, max_ks=0.05)
    kept = pl.set_index("source_patient").loc[chosen.kept]
    assert ks_distance(pl["best_pct_change"], obs["best_pct_change"]) > 0.2  # far apart before selection
    assert ks_distance(kept["best_pct_change"], obs["best_pct_change"]) <= 0.06
    assert kept["fit_ok"].all()  # only patients with a growth-inhibition fit are compared and kept
    assert chosen.report["selected"] == len(kept) > 1000
    again = select(pl, obs, seed=3, max_ks=0.05)
    assert np.array_equal(again.kept, chosen.kept)  # the seed decides


def test_selection_needs_enough_patients():
    rng = np.random.default_rng(2)
    with pytest.raises(InputError, match="plausible"):
        select(_metrics(rng, 100, 0, 10, 0), _metrics(rng, 50, 0, 10, 0), seed=1)


def test_plausible_patients_cover_their_ranges_evenly_and_reproducibly():
    a = plausible_patients(4096, 5)
    b = plausible_patients(4096, 5)
    pd.testing.assert_frame_equal(a, b)
    lo, hi = np.log(a["growth_rate"]).min(), np.log(a["growth_rate"]).max()
    u = (np.log(a["growth_rate"]) - np.log(np.log(2) / 800)) / (np.log(np.log(2) / 25) - np.log(np.log(2) / 800))
    assert 0 <= u.min() and u.max() <= 1 and lo < hi
    # a Sobol sequence fills every tenth of the range with ~10% of the points
    assert np.allclose(np.histogram(u, bins=10, range=(0, 1))[0] / 4096, 0.1, atol=0.01)
    with pytest.raises(InputError, match="plausible"):
        plausible_patients(0, 1)


def test_noise_replicates_are_weighed_per_patient():
    rng = np.random.default_rng(4)
    obs = _metrics(rng, 400, -5.0, 30.0, 0.0)
    first = _metrics(rng, 30_000, 10.0, 50.0, 0.0)
    second = first.copy()  # the same patients with fresh noise: best % change moves by ~10 points
    second["best_pct_change"] = first["best_pct_change"] + 10.0 * rng.standard_normal(len(first))
    chosen = select(pd.concat([first, second], ignore_index=True), obs, seed=3, max_ks=0.05)
    assert chosen.report["replicates"] == 2 and chosen.report["plausible"] == 30_000
    assert np.unique(chosen.kept).size == chosen.kept.size == chosen.report["selected"]
    both = pd.concat([first, second]).set_index("source_patient").loc[chosen.kept]
    assert ks_distance(both["best_pct_change"], obs["best_pct_change"]) <= 0.08
