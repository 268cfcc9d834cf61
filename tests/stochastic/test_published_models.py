"""Published models read as events: ODE limit (Kuznetsov 1994), surveillance, CAR-T cure (Kimmel 2021)."""

from __future__ import annotations

import numpy as np
import pytest

import iosim
from iosim.dosing import bolus
from iosim.stochastic import elimination_probability, simulate_stochastic, surveillance


def test_kuznetsov_tau_means_converge_to_the_ode_for_a_large_tumour():
    # From T = 10^6 and E = 3.2*10^5 cells, relative noise is ~0.1% (1/sqrt(N)); tau-leaping's
    # bias is O(epsilon): measured 1.7% at epsilon=0.03, 0.6% at 0.01 and 0.2% at 0.003 on T(20).
    ode = iosim.simulate("kuznetsov1994", 40, initial={"T": 1e6}, output_every=10)
    errors = {}
    for eps in (0.03, 0.003):
        res = simulate_stochastic(
            "kuznetsov1994", 40, replicates=8, method="tau", seed=7, initial={"T": 1e6}, output_every=10,
            tau_epsilon=eps,
        )  # fmt: skip
        assert (res.status == "ok").all()
        errors[eps] = np.abs(res.trajectories.mean(axis=0) / ode.y - 1)[1:]
        rel_sd = (res.trajectories.std(axis=0) / ode.y)[1:]
        assert rel_sd.max() < 0.01
    assert errors[0.003].max() < 0.005
    assert errors[0.003].max() < errors[0.03].max() / 3


def test_kuznetsov_hybrid_matches_the_ode_when_every_population_is_large():
    ode = iosim.simulate("kuznetsov1994", 30, initial={"T": 1e6}, output_every=10)
    res = simulate_stochastic("kuznetsov1994", 30, replicates=2, method="hybrid", seed=1, initial={"T": 1e6},
                              output_every=10)  # fmt: skip
    # Both populations are above the threshold, so the run is the ODE solved by Dormand-Prince 5(4)
    # at rtol 1e-6 against LSODA at 1e-8: they agree to about 1e-6.
    np.testing.assert_allclose(res.trajectories[0], ode.y, rtol=1e-5)


def test_kuznetsov_surveillance_small_tumours_are_eliminated_by_chance():
    # A single tumour cell divides at a = 0.18/day and is killed at n*E ~ 0.035/day (E ~ s/d), so
    # its lineage dies out with probability about n*E/a ~ 0.19 (linear birth-death, d/b); from k cells
    # about 0.19^k. Larger tumours escape.
    df = surveillance("kuznetsov1994", "T", [1, 3, 30], replicates=200, t_end=60, seed=3)
    assert list(df.columns[:6]) == ["initial_cells", "replicates", "eliminated", "p_elimination", "ci_low", "ci_high"]
    p1, p3, p30 = df["p_elimination"]
    assert 0.10 < p1 < 0.28
    assert p3 < 0.05 and p30 == 0.0
    assert (df["ci_low"] <= df["p_elimination"]).all() and (df["p_elimination"] <= df["ci_high"]).all()
    assert df["p_escape"].iloc[2] > 0.95
    assert df["escape_time_median"].iloc[2] < df["escape_time_median"].iloc[0]  # bigger tumours escape sooner


def test_kuznetsov_effector_transfer_raises_elimination():
    # Adoptive transfer of 10^6 effector cells on day 0 triples the per-cell kill rate.
    kw = dict(replicates=200, seed=4, initial={"T": 3})
    base = elimination_probability("kuznetsov1994", 60, **kw)
    treated = elimination_probability("kuznetsov1994", 60, regimen=bolus("E", 1e6, at=0.0), **kw)
    assert treated.ci_low > base.ci_high


@pytest.mark.parametrize(("r_B", "low", "high"), [(0.01, 0.95, 1.0), (0.1, 0.5, 0.92), (0.2, 0.0, 0.05)])
def test_kimmel_car_t_cure_probability(r_B, low, high):
    # Kimmel et al. 2021: cure is the stochastic extinction of the tumour during the CAR-T peak.
    # With the default r_B = 0.01/day the deterministic nadir is ~1e-4 cells (certain cure);
    # at 0.1/day the nadir is ~1.3 cells, so the ODE with the 1-cell rule predicts relapse while
    # chance cures most patients; at 0.2/day the nadir is ~1900 cells and nobody is cured.
    res = simulate_stochastic(
        "kimmel2021",
        365,
        replicates=120,
        method="hybrid",
        seed=5,
        params={"r_B": r_B},
        times=[0.0, 365.0],
    )
    assert (res.status == "ok").all()
    p = res.p_extinct("B").p
    assert low <= p <= high


def test_tumour_populations_are_read_from_the_tumour_cells_output():
    from iosim.models import model_ids
    from iosim.stochastic import tumour_states

    assert tumour_states(iosim.get_model("kuznetsov1994")) == ("T",)
    assert tumour_states(iosim.get_model("kimmel2021")) == ("B",)
    if "core" in model_ids():  # the flagship: antigen-positive and antigen-negative tumour cells
        assert set(tumour_states(iosim.get_model("core"))) == {"Tp", "Tn"}
