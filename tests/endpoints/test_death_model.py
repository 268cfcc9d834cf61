"""The burden-dependent death model and its inverse-transform sampler."""

import math

import numpy as np
import pytest
from scipy import stats

from iosim.endpoints.death import (
    TARGET_UNTREATED_MEDIAN_OS_MONTHS,
    DeathModel,
    calibrate_tumour_hazard,
    reference_course,
)
from iosim.errors import InputError

T = np.linspace(0.0, 120.0, 121)  # months


def test_constant_hazard_gives_exact_exponential_times():
    lam = 0.05
    m = DeathModel(background_per_month=lam, tumour_per_month=0.0)
    u = np.array([0.0, 0.1, 0.5, 0.9, 0.99])
    months, died = m.sample_with_uniforms(T, np.full((5, len(T)), 80.0), u)
    assert np.allclose(months, -np.log1p(-u) / lam, rtol=1e-12, atol=1e-12)
    assert died.all()
    # a tumour at the reference size adds tumour_per_month to a constant hazard
    m2 = DeathModel(background_per_month=0.01, tumour_per_month=0.04, sld_ref_mm=100.0)
    months, _ = m2.sample_with_uniforms(T, np.full((5, len(T)), 100.0), u)
    assert np.allclose(months, -np.log1p(-u) / 0.05, rtol=1e-12)


def test_sampler_reproduces_exponential_survival_in_distribution():
    lam = 0.05
    rng = np.random.default_rng(20261126)
    months, died = DeathModel(background_per_month=lam, tumour_per_month=0.0).sample(T, np.zeros((20000, len(T))), rng)
    # censored at 120 months exactly when the exponential draw exceeds it: P = exp(-6) = 0.25%
    assert np.all(months[~died] == 120.0)
    # Kolmogorov-Smirnov against the exponential truncated at 120 months; p > 1e-3 for a fixed seed
    # (a wrong sampler, e.g. rate 0.055, gives p < 1e-20 with 20,000 draws)
    d = months[died]
    cdf = lambda x: (1 - np.exp(-lam * x)) / (1 - math.exp(-lam * 120))  # noqa: E731
    assert stats.kstest(d, cdf).pvalue > 1e-3
    assert abs(np.median(months) - math.log(2) / lam) < 0.5  # 13.86 months; SE of the median ~0.14


def test_linearly_growing_hazard_is_solved_exactly():
    # SLD rises linearly 0 -> 200 mm over 10 months: h(t) = 0.1 * (20 t / 100) = 0.02 t, H(t) = 0.01 t^2
    t = np.linspace(0.0, 10.0, 3)
    sld = np.array([[0.0, 100.0, 200.0]] * 3)
    m = DeathModel(background_per_month=0.0, tumour_per_month=0.1, sld_ref_mm=100.0, beta=1.0)
    u = np.array([0.2, 0.5, 0.6])
    months, died = m.sample_with_uniforms(t, sld, u)
    assert np.allclose(months, np.sqrt(-np.log1p(-u) / 0.01), rtol=1e-12)
    assert died.all()


def test_bigger_tumours_die_sooner_and_cured_ones_keep_background():
    m = DeathModel()
    u = np.random.default_rng(1).random(500)
    small, _ = m.sample_with_uniforms(T, np.full((500, len(T)), 30.0), u)
    big, _ = m.sample_with_uniforms(T, np.full((500, len(T)), 150.0), u)
    assert np.all(big <= small) and np.mean(big) < np.mean(small)
    gone, died = m.sample_with_uniforms(T, np.zeros((500, len(T))), u)
    expected = -np.log1p(-u) / m.background_per_month
    assert np.allclose(gone[died], expected[died]) and np.all(expected[~died] > 120)


def test_calibration_reproduces_untreated_median_os():
    # the shipped constant is the closed-form calibration (rounded to 4 significant digits)
    assert DeathModel().tumour_per_month == pytest.approx(calibrate_tumour_hazard(), rel=1e-3)
    t = np.linspace(0.0, 60.0, 241)
    course = np.repeat(reference_course(t), 20000, axis=0)
    months, _ = DeathModel().sample(t, course, np.random.default_rng(7))
    # target 10.8 months (CheckMate 066 dacarbazine arm); SE of the sample median ~0.07 months
    assert abs(np.median(months) - TARGET_UNTREATED_MEDIAN_OS_MONTHS) < 0.3


def test_input_errors():
    m = DeathModel()
    with pytest.raises(InputError, match="Generator"):
        m.sample(T, np.ones((2, len(T))), 42)
    with pytest.raises(InputError, match="NaN"):
        m.sample(T, np.full((2, len(T)), np.nan), np.random.default_rng(0))
    with pytest.raises(InputError, match="match"):
        m.sample(T, np.ones((2, 5)), np.random.default_rng(0))
    with pytest.raises(InputError, match="beta"):
        DeathModel(beta=-1.0)
