"""Claret 2018's biexponential growth rate constant KG, fitted to many courses at once."""

import numpy as np
import pandas as pd
import pytest

from iosim.fitting import fit_tgi
from iosim.fitting.kg import fit_kg

DAYS = np.arange(0.0, 337.0, 42.0)  # scans every 6 weeks for 48 weeks


def test_known_rates_are_recovered_from_exact_courses():
    courses = 50.0 * np.vstack([
        np.exp(-0.01 * DAYS) + np.exp(0.003 * DAYS) - 1.0,  # shrinks, then regrows
        np.exp(0.004 * DAYS),  # grows only
        np.exp(-0.02 * DAYS),  # shrinks only
    ])  # fmt: skip
    ks, kg = fit_kg(DAYS, courses)
    assert ks[:2] == pytest.approx([0.01, 0.0], abs=2e-4)
    assert kg == pytest.approx([0.003, 0.004, 0.0], abs=5e-5)
    assert ks[2] == pytest.approx(0.02, rel=0.02)


def test_a_course_without_a_positive_baseline_is_not_fitted():
    ks, kg = fit_kg(DAYS, np.vstack([np.zeros(DAYS.size), np.full(DAYS.size, 30.0)]))
    assert np.isnan(ks[0]) and np.isnan(kg[0])
    assert kg[1] == 0.0 and ks[1] == 0.0  # a flat course has neither phase


def test_a_durable_response_has_no_growth_phase_unlike_in_the_stein_fit_with_a_fraction():
    # flat, then a drop, then flat (a delayed checkpoint response): the Stein model with a sensitive fraction
    # explains the plateau by a vanishing fraction regrowing fast; the biexponential model cannot.
    weeks = np.array([0.0, 9.4, 15.3, 21.7, 26.6, 32.1, 39.6, 45.9])
    plateau = np.array([25.0, 26.0, 20.0, 8.0, 6.0, 5.0, 5.0, 5.0])
    regrowing = np.array([25.0, 26.0, 20.0, 8.0, 6.0, 7.0, 9.0, 12.0])
    _, kg = fit_kg(weeks * 7.0, np.vstack([plateau, regrowing]))
    assert kg[0] == 0.0 and kg[1] > 0.0
    table = {"patient": np.repeat([0, 1], weeks.size), "day": np.tile(weeks * 7.0, 2),
             "diameter_mm": np.r_[plateau, regrowing]}  # fmt: skip
    stein = fit_tgi(pd.DataFrame(table))["g"].to_numpy()
    assert stein[0] > stein[1]  # the artefact this estimator avoids
