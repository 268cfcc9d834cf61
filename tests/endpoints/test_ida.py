"""Independent drug action: the combination baseline built from single-drug arms."""

import math

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import brentq

from iosim.endpoints.ida import ida_from_rates, ida_outcomes, ida_summary, latent_or, single_drug_arms
from iosim.errors import InputError


def _arm(name, n, orr, median, seed, follow_up=1e9):
    """Synthetic arm: exponential PFS with the given median; the longest-PFS share ``orr`` respond."""
    rng = np.random.default_rng(seed)
    t = rng.exponential(median / math.log(2.0), n)
    responds = t >= np.quantile(t, 1.0 - orr)
    return pd.DataFrame({
        "arm": name, "status": "ok", "best_response": np.where(responds, "PR", "PD"),
        "pfs_months": np.minimum(t, follow_up), "pfs_event": t < follow_up,
    })  # fmt: skip


def test_combination_arms_are_found_only_when_every_drug_was_given_alone():
    arms = {"nivo": ["nivolumab"], "ipi": ["ipilimumab"], "combo": ["nivolumab", "ipilimumab"],
            "triple": ["nivolumab", "ipilimumab", "relatlimab"]}  # fmt: skip
    assert single_drug_arms(arms) == {"combo": ("nivo", "ipi")}


def test_independent_benefit_gives_the_probability_of_responding_to_either_drug():
    a, b = _arm("a", 4000, 0.4, 6.0, 1), _arm("b", 4000, 0.2, 3.0, 2)
    combo = ida_outcomes([a, b], rho=0.0, seed=3)
    assert (combo["best_response"] == "R").mean() == pytest.approx(1 - 0.6 * 0.8, abs=0.01)


def test_median_pfs_of_independent_exponentials_is_that_of_their_maximum():
    a, b = _arm("a", 8000, 0.4, 6.0, 1), _arm("b", 8000, 0.2, 3.0, 2)
    combo = ida_outcomes([a, b], rho=0.0, seed=3)
    la, lb = math.log(2) / 6.0, math.log(2) / 3.0
    exact = brentq(lambda t: (1 - math.exp(-la * t)) * (1 - math.exp(-lb * t)) - 0.5, 0.1, 100)
    assert np.median(combo["pfs_months"]) == pytest.approx(exact, rel=0.04)
    assert exact > 6.0  # the combination outlives its better drug


def test_correlated_benefit_lowers_the_combination_gain():
    a, b = _arm("a", 4000, 0.4, 6.0, 1), _arm("b", 4000, 0.2, 3.0, 2)
    orr = [(ida_outcomes([a, b], rho=r, seed=3)["best_response"] == "R").mean() for r in (0.0, 0.3, 0.9)]
    assert orr[0] > orr[1] > orr[2] >= 0.4 - 0.01  # never below the better drug alone


def test_sampler_agrees_with_the_exact_copula_probability():
    orr, _ = ida_from_rates([0.437, 0.19], [6.9, 2.9], rho=0.3, seed=1)
    assert orr == pytest.approx(latent_or([0.437, 0.19], 0.3), abs=0.005)


def test_censored_follow_up_is_kept_and_medians_not_reached_are_nan():
    a, b = _arm("a", 2000, 0.9, 60.0, 1, follow_up=12.0), _arm("b", 2000, 0.8, 50.0, 2, follow_up=12.0)
    table = ida_summary(pd.concat([a, b, a.assign(arm="ab")]), {"a": ["x"], "b": ["y"], "ab": ["x", "y"]})
    assert table["arm"].tolist() == ["ab"]
    assert math.isnan(table["median_pfs_ida_months"].iloc[0])


def test_bad_inputs_are_refused():
    with pytest.raises(InputError, match="at least two"):
        ida_from_rates([0.4], [6.0])
    with pytest.raises(InputError, match="between 0 and 1"):
        ida_from_rates([0.4, 1.2], [6.0, 3.0])
    with pytest.raises(InputError, match="rho"):
        ida_outcomes([_arm("a", 10, 0.5, 1, 1), _arm("b", 10, 0.5, 1, 2)], rho=-1.5)
