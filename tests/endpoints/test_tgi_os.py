"""The tumour growth inhibition–OS model: faster-growing tumours die sooner, as Claret 2018 and Chan 2021 found."""

import math

import numpy as np
import pytest

from iosim.endpoints.tgi_os import (
    NSCLC_KG_SIGMA,
    NSCLC_KG_SLOPE,
    TGI_OS,
    NextLine,
    PrognosticFactor,
    TgiOsModel,
    growth_rates,
)
from iosim.errors import InputError
from iosim.trials.prognosis import draw_factors, next_line_treated

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


def test_each_cancer_with_coefficients_says_where_they_come_from():
    nsclc, melanoma = TGI_OS["nsclc"], TGI_OS["melanoma"]
    assert nsclc.source.startswith("calibrated: POPLAR")
    assert "CheckMate 066 dacarbazine" in melanoma.source
    # melanoma borrows the slope and sigma of NSCLC's POPLAR fit made with KG, and says so and why
    assert (melanoma.beta_log_g, melanoma.sigma) == (NSCLC_KG_SLOPE, NSCLC_KG_SIGMA)
    assert "NSCLC's" in melanoma.source and "Chan 2021" in melanoma.source
    for model in (nsclc, melanoma):
        assert model.beta_log_g < 0
        assert all(f.source for f in model.factors) and model.next_line is not None and model.next_line.source
    # melanoma's factors are its own (LDH), not NSCLC's
    assert {f.name for f in melanoma.factors} != {f.name for f in nsclc.factors}


ELEVATED = PrognosticFactor("ldh_elevated", 0.4, 2.0, "test")
WITH_FACTOR = TgiOsModel(intercept=2.2, beta_log_g=-0.5, sigma=1.0, source="test", factors=(ELEVATED,))


def test_a_prognostic_factor_shortens_survival_by_its_hazard_ratio_as_a_time_ratio():
    g, u = np.full(2, 0.002), np.full(2, 0.5)
    months = WITH_FACTOR.death_months(g, u, {"ldh_elevated": np.array([1.0, 0.0])})
    # Weibull relation: log time ratio = -sigma * log(HR) = -log 2, so the factor halves survival
    assert months[0] / months[1] == pytest.approx(0.5, rel=1e-9)
    # centred on its share: the patients' average shift is 0, so the intercept keeps its meaning
    x = np.r_[np.ones(4), np.zeros(6)]
    assert WITH_FACTOR.factor_shift({"ldh_elevated": x}, 10).mean() == pytest.approx(0.0, abs=1e-12)


def test_a_model_with_factors_refuses_patients_without_them():
    with pytest.raises(InputError, match="ldh_elevated"):
        WITH_FACTOR.death_months(np.full(1, 0.002), np.full(1, 0.5))


def test_next_line_therapy_stretches_only_the_time_after_progression_of_treated_patients():
    model = TgiOsModel(2.2, -0.5, 1.0, "test", next_line=NextLine(1.5, "test"))
    months = np.array([10.0, 10.0, 10.0, 10.0])
    prog = np.array([4.0, 4.0, np.inf, 12.0])  # progressed; progressed, untreated; never; after death
    treated = np.array([True, False, True, True])
    out = model.after_progression(months, prog, treated)
    assert out.tolist() == [4.0 + 1.5 * 6.0, 10.0, 10.0, 10.0]


def test_prognostic_factors_follow_their_share_and_do_not_depend_on_the_chunk():
    patients = np.arange(20_000)
    x = draw_factors(7, patients, (ELEVATED,))["ldh_elevated"]
    assert x.mean() == pytest.approx(0.4, abs=0.015)
    assert np.array_equal(draw_factors(7, patients[5000:5100], (ELEVATED,))["ldh_elevated"], x[5000:5100])
    assert next_line_treated(7, patients, 0.45).mean() == pytest.approx(0.45, abs=0.015)
    # independent of the factor draws (different streams)
    both = x.astype(bool) & next_line_treated(7, patients, 0.45)
    assert both.mean() == pytest.approx(0.4 * 0.45, abs=0.015)


def test_invalid_factors_are_refused():
    with pytest.raises(InputError, match="share"):
        PrognosticFactor("x", 1.2, 2.0, "s")
    with pytest.raises(InputError, match="time ratio"):
        NextLine(0.0, "s")


def test_a_nonpositive_sigma_is_refused():
    with pytest.raises(InputError, match="sigma"):
        TgiOsModel(intercept=2.0, beta_log_g=-0.5, sigma=0.0, source="x")


def test_a_delayed_response_ending_on_a_plateau_has_no_growth_rate():
    # flat, then a drop, then flat (a durable checkpoint responder): no growth phase, so the floor
    weeks = np.array([0.0, 9.4, 15.3, 21.7, 26.6, 32.1, 39.6, 45.9])
    plateau = np.array([25.0, 26.0, 20.0, 8.0, 6.0, 5.0, 5.0, 5.0])
    regrowing = np.array([25.0, 26.0, 20.0, 8.0, 6.0, 7.0, 9.0, 12.0])
    g = growth_rates(weeks * 7.0, np.vstack([plateau, regrowing]), window_weeks=48.0, g_floor=1e-4)
    assert g[0] == pytest.approx(1e-4)
    assert g[1] > 1e-4  # regrowth from the nadir is measured
    # and so the responder who stays down lives longer with the same draw
    months, _ = TGI_OS["melanoma"].sample_with_uniforms(
        g, np.full(2, 0.5), 1e6, {"ecog_1": np.zeros(2), "ldh_elevated": np.zeros(2)}
    )
    assert months[0] > months[1]


def test_growth_is_read_only_within_the_window():
    days = np.arange(0.0, 700.0, 7.0)
    late = np.where(days < 400, 40.0, 40.0 * np.exp(0.01 * (days - 400)))  # flat for 57 weeks, then grows
    g = growth_rates(days, late[None, :], window_weeks=48.0, g_floor=1e-4)
    assert g[0] == pytest.approx(1e-4)


def test_the_stein_g_reads_the_same_plateau_as_fast_growth():
    # the artefact that made melanoma read KG (docs/endpoints.md): the sensitive-fraction fit explains the
    # plateau by a vanishing fraction regrowing fast, far above the floor KG gives the same course
    weeks = np.array([0.0, 9.4, 15.3, 21.7, 26.6, 32.1, 39.6, 45.9])
    plateau = np.array([[25.0, 26.0, 20.0, 8.0, 6.0, 5.0, 5.0, 5.0]])
    kg = growth_rates(weeks * 7.0, plateau, window_weeks=48.0, g_floor=1e-4, metric="kg")
    stein = growth_rates(weeks * 7.0, plateau, window_weeks=48.0, g_floor=1e-4, metric="stein")
    assert kg[0] == pytest.approx(1e-4)
    assert stein[0] > 10 * kg[0]


def test_each_cancer_reads_g_the_way_its_coefficients_were_fitted():
    assert TGI_OS["nsclc"].growth_metric == "stein"  # its population was selected and POPLAR fitted with it
    assert TGI_OS["melanoma"].growth_metric == "kg"
    with pytest.raises(InputError, match="growth_metric"):
        TgiOsModel(intercept=2.0, beta_log_g=-0.5, sigma=1.0, source="x", growth_metric="linear")
