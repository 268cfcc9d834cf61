"""The linear birth–death process against its closed forms (Bailey 1964, ch. 8; Kendall 1948).

For births at rate b·X and deaths at d·X from X(0) = n, with r = b − d:
    E[X(t)]   = n·e^{rt}
    Var[X(t)] = n·(b+d)/(b−d)·e^{rt}(e^{rt} − 1)
    P(X(t)=0) = [d(e^{rt} − 1) / (b·e^{rt} − d)]^n   → (d/b)^n as t → ∞ when b > d.
Tolerances are 4 standard errors of the Monte Carlo estimate (binomial for probabilities,
sd/√R for means, the 4th-moment standard error for variances); the seeds are fixed, so the
tests are deterministic, and a wrong engine (a rate off by 10%) would fail them.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from stoch_networks import birth_death, immigration_death

from iosim.dosing import bolus, infusion, set_state
from iosim.stochastic import simulate_stochastic

B, D, N0 = 1.0, 0.5, 3


def p_extinct(t: float, b: float = B, d: float = D, n: int = N0) -> float:
    g = math.exp((b - d) * t)
    return (d * (g - 1) / (b * g - d)) ** n


def mean_var(t: float, b: float = B, d: float = D, n: int = N0) -> tuple[float, float]:
    g = math.exp((b - d) * t)
    return n * g, n * (b + d) / (b - d) * g * (g - 1)


def _variance_se(x: np.ndarray) -> float:
    c = x - x.mean()
    m2, m4 = np.mean(c**2), np.mean(c**4)
    return math.sqrt(max(m4 - m2 * m2 * (len(x) - 3) / (len(x) - 1), 0.0) / len(x))


def test_extinction_probability_matches_closed_form_ssa():
    R = 4000
    res = simulate_stochastic(birth_death(B, D, N0), 8.0, replicates=R, method="ssa", seed=11)
    assert (res.status == "ok").all()
    p = p_extinct(8.0)  # 0.1216; (d/b)^n = 0.125 in the limit
    se = math.sqrt(p * (1 - p) / R)
    pe = res.p_extinct("X")
    assert abs(pe.p - p) < 4 * se
    assert pe.ci_low < p < pe.ci_high or abs(pe.p - p) < 4 * se
    # Extinction times: finite exactly for the replicates at 0 at the end, and inside the run.
    ext = res.extinction_times[:, 0]
    assert np.array_equal(np.isfinite(ext), res.final("X") == 0)
    assert np.all((ext[np.isfinite(ext)] > 0) & (ext[np.isfinite(ext)] <= 8.0))
    # The extinction times follow the closed form too: P(extinct by day 2) = p_extinct(2) = 0.0878.
    p2 = p_extinct(2.0)
    by2 = np.mean(np.nan_to_num(ext, nan=np.inf) <= 2.0)
    assert abs(by2 - p2) < 4 * math.sqrt(p2 * (1 - p2) / R)


def test_mean_and_variance_match_closed_form_ssa():
    R = 4000
    res = simulate_stochastic(birth_death(B, D, N0), 4.0, replicates=R, method="ssa", seed=12, output_every=2.0)
    x = res["X"][:, -1]
    mean, var = mean_var(4.0)  # 22.17 and 424.9
    assert abs(x.mean() - mean) < 4 * x.std() / math.sqrt(R)
    assert abs(x.var(ddof=1) - var) < 4 * _variance_se(x)
    x2 = res["X"][:, 1]
    mean2, var2 = mean_var(2.0)
    assert abs(x2.mean() - mean2) < 4 * x2.std() / math.sqrt(R)
    assert abs(x2.var(ddof=1) - var2) < 4 * _variance_se(x2)


def test_tau_leaping_keeps_extinction_and_mean():
    # Small populations take exact steps (critical reactions); large ones leap. epsilon = 0.01
    # keeps the leap's Euler bias on the mean (about r·t·epsilon/2 relative) below 1 SE here.
    R = 3000
    res = simulate_stochastic(birth_death(B, D, N0), 8.0, replicates=R, method="tau", seed=13, tau_epsilon=0.01)
    assert (res.status == "ok").all()
    assert res["X"].min() >= 0
    p = p_extinct(8.0)
    assert abs(res.p_extinct("X").p - p) < 4 * math.sqrt(p * (1 - p) / R)
    x = res.final("X")
    mean, _ = mean_var(8.0)
    assert abs(x.mean() - mean) < 4 * x.std() / math.sqrt(R)
    # Leaping does fewer steps than there are events: the tau engine counts reactions fired.
    ssa_events = (B + D) * N0 * (math.exp((B - D) * 8.0) - 1) / (B - D)
    assert abs(res.events.mean() - ssa_events) < 0.1 * ssa_events


def test_hybrid_extinction_probability_and_mean():
    # Above 100 cells the population is continuous (its mean is exact for a linear process);
    # returning below 10 cells from there is rare, so the extinction probability is unchanged.
    R = 3000
    model = birth_death(B, D, N0)
    res = simulate_stochastic(model, 8.0, replicates=R, method="hybrid", seed=14, hybrid_threshold=100.0)
    p = p_extinct(8.0)
    assert abs(res.p_extinct("X").p - p) < 4 * math.sqrt(p * (1 - p) / R)
    x = res.final("X")
    mean, _ = mean_var(8.0)
    assert abs(x.mean() - mean) < 4 * x.std() / math.sqrt(R)


def test_subcritical_process_dies_out():
    # b < d: extinction is certain; from 5 cells with b=0.5, d=1 almost all are gone by day 15.
    res = simulate_stochastic(birth_death(0.5, 1.0, 5), 15.0, replicates=500, method="ssa", seed=15)
    assert res.p_extinct("X").p == pytest.approx(p_extinct(15.0, 0.5, 1.0, 5), abs=0.02)


def test_infusion_is_a_zero_order_birth_process():
    # Infusion at k=20/day into a pure-death population: X(t) ~ Poisson(k/mu·(1 − e^{−mu t})).
    R = 2000
    model = immigration_death(alpha=0.0, mu=0.1)
    res = simulate_stochastic(
        model, 15.0, replicates=R, method="ssa", seed=16, regimen=infusion("X", rate=20.0, duration=10.0)
    )
    x10 = res["X"][:, 10]
    lam = 20.0 / 0.1 * (1 - math.exp(-1.0))  # 126.4
    assert abs(x10.mean() - lam) < 4 * math.sqrt(lam / R)
    assert abs(x10.var(ddof=1) / lam - 1.0) < 4 * math.sqrt(2 / R)  # Poisson: dispersion index 1
    x15 = res["X"][:, 15]  # after the infusion: thinning by survival keeps it Poisson
    lam15 = lam * math.exp(-0.5)
    assert abs(x15.mean() - lam15) < 4 * math.sqrt(lam15 / R)


def test_boluses_round_to_whole_cells_and_set_events_apply():
    model = immigration_death(alpha=0.0, mu=0.0)
    regimen = bolus("X", 2.6, at=5.0) + set_state("X", 7.4, at=8.0)
    res = simulate_stochastic(model, 10.0, replicates=3, method="ssa", seed=1, regimen=regimen)
    x = res["X"][0]
    assert x[4] == 0 and x[5] == 3  # the value at a dose time is the one after the dose
    assert x[8] == 7 and x[10] == 7
    hybrid = simulate_stochastic(model, 10.0, replicates=1, method="hybrid", seed=1, regimen=regimen)
    assert hybrid["X"][0, 5] == 3


def test_tau_and_ssa_agree_with_the_ode_mean_for_a_linear_model():
    # A linear network's mean solves the ODE exactly; tau-leaping must not drift from it.
    model = immigration_death(alpha=50.0, mu=0.2)
    res = simulate_stochastic(model, 20.0, replicates=400, method="tau", seed=3, tau_epsilon=0.01)
    m = 50.0 / 0.2 * (1 - math.exp(-0.2 * 20.0))
    x = res.final("X")
    assert abs(x.mean() - m) < 4 * math.sqrt(m / 400)
