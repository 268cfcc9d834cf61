"""The tumour growth inhibition–OS model: faster-growing tumours die sooner, as Claret 2018 and Chan 2021 found."""

import math

import numpy as np
import pytest

from iosim.endpoints.tgi_os import TGI_OS, TgiOsModel, growth_rates
from iosim.errors import InputError

MODEL = TgiOsModel(intercept=2.2, beta_log_g=-0.5, sigma=1.0, source="test")


def test_median_survival_of_a_reference_patient_is_exp_intercept():
    u = (np.arange(20_000) + 0.5) / 20_000  # stratified uniforms: the sample median is the model's
    months, died = MODEL.sample_with_uniforms(np.full(u.size, MODEL.g_ref_per_day), u, follow_up_months=1e6)
    assert died.all()
    assert np.median(months) == pytest.approx(math.exp(2.2), rel=1e-3)


def test_faster_growth_means_shorter_survival_with_the_same_draw():
    u = np.full(3, 0.4)
    months, _ = MODEL.sample_with_uniforms(np.array([0.001, 0.002, 0.008]), u, follow_up_months=1e6)
    assert months[0] > months[1] > months[2]
    # log-linear: quadrupling g shortens OS by 4 ** -0.5 = 1/2
    assert months[2] / months[1] == pytest.approx(0.5, rel=1e-9)


def test_deaths_after_follow_up_are_censored_there():
    months, died = MODEL.sample_with_uniforms(np.full(2, 0.002), np.array([0.01, 0.999]), follow_up_months=24.0)
    assert died.tolist() == [True, False] and months[1] == 24.0


def test_growth_rate_is_read_from_the_course_and_floored():
    days = np.arange(0.0, 400.0, 7.0)
    growing = 60.0 * np.exp(0.004 * days)
    regressing = 60.0 * np.exp(-0.02 * days)
    g = growth_rates(days, np.vstack([growing, regressing]), window_weeks=48.0, g_floor=1e-4)
    assert g[0] == pytest.approx(0.004, rel=0.05)
    assert g[1] == pytest.approx(1e-4)  # never regrows: the floor


def test_nsclc_coefficients_are_calibrated_and_others_keep_the_burden_hazard():
    assert set(TGI_OS) == {"nsclc"}
    assert TGI_OS["nsclc"].source.startswith("calibrated: POPLAR")
    assert TGI_OS["nsclc"].beta_log_g < 0


def test_a_nonpositive_sigma_is_refused():
    with pytest.raises(InputError, match="sigma"):
        TgiOsModel(intercept=2.0, beta_log_g=-0.5, sigma=0.0, source="x")
