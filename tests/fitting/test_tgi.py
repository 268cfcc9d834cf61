"""Per-patient tumour growth-inhibition fits (Stein 2011 model), all patients at once."""

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import least_squares

from iosim.errors import InputError
from iosim.fitting import best_percent_change, fit_tgi
from iosim.fitting.tgi import D_MAX_PER_DAY, G_MAX_PER_DAY

COLUMNS = ["patient", "n_scans", "baseline_mm", "best_pct_change", "nadir_day", "last_day"]


def model(f, d, g, t):
    return f * np.exp(-d * t) + (1 - f) * np.exp(g * t)


def series(params, days, baseline=40.0, noise=0.0, seed=0):
    """A long table of patients with the given (f, d, g), scanned on ``days`` (baseline first)."""
    rng = np.random.default_rng(seed)
    rows = []
    for i, (f, d, g) in enumerate(params):
        t = np.asarray(days, float) - days[0]
        diam = baseline * model(f, d, g, t) * np.exp(rng.normal(0, noise, len(t)) if noise else 0)
        diam[0] = baseline
        rows += [(f"p{i:04d}", day, x) for day, x in zip(days, diam)]
    return pd.DataFrame(rows, columns=["patient", "day", "diameter_mm"])


EVERY_6_WEEKS = [-7.0] + [42.0 * k for k in range(1, 10)]


def test_noise_free_series_give_back_their_parameters():
    truth = [(0.6, 0.02, 0.004), (0.9, 0.01, 0.008), (0.3, 0.05, 0.002), (0.8, 0.005, 0.001)]
    fits = fit_tgi(series(truth, EVERY_6_WEEKS))
    assert fits["fit_ok"].all()
    got = fits[["f", "d", "g"]].to_numpy()
    np.testing.assert_allclose(got, np.array(truth), rtol=2e-3)
    assert (fits["rmse"] < 1e-6).all()


def test_noisy_series_recover_the_parameters_on_average():
    # 3 % log-normal noise on 10 scans (about the spread of repeated CT measurements, assumed):
    # single fits scatter, the median of 400 identical patients lands near the truth.
    truth = (0.6, 0.02, 0.004)
    fits = fit_tgi(series([truth] * 400, EVERY_6_WEEKS, noise=0.03, seed=1))
    assert fits["fit_ok"].all()
    median = fits[["f", "d", "g"]].median().to_numpy()
    np.testing.assert_allclose(median, truth, rtol=0.15)
    assert 0.02 < fits["rmse"].median() < 0.04  # the residuals are the noise, not misfit


def test_pure_growth_and_pure_shrinkage_report_the_absent_rate_as_zero():
    fits = fit_tgi(series([(0.0, 0.02, 0.005), (1.0, 0.01, 0.005)], EVERY_6_WEEKS))
    grow, shrink = fits.iloc[0], fits.iloc[1]
    assert grow.f < 1e-12 and grow.d == 0 and grow.g == pytest.approx(0.005, rel=1e-3)
    assert shrink.f > 1 - 1e-12 and shrink.g == 0 and shrink.d == pytest.approx(0.01, rel=1e-3)


def _scipy_sse(t, y):
    """The same objective, bounded natural parameters, scipy's trust-region reflective solver,
    from 27 starts spanning the box; the lowest SSE found."""
    best = np.inf
    for f in (0.1, 0.5, 0.9):
        for d in (0.001, 0.01, 0.1):
            for g in (0.001, 0.01, 0.1):
                res = least_squares(
                    lambda p: model(*p, t) - y,
                    (f, d, g),
                    bounds=([0, 0, 0], [1, D_MAX_PER_DAY, G_MAX_PER_DAY]),
                    xtol=1e-12,
                    ftol=1e-12,
                    gtol=1e-12,
                )
                best = min(best, 2 * res.cost)
    return best


@pytest.mark.slow  # ~800 scipy fits, 10-20 s
def test_batched_fit_reaches_scipys_least_squares_on_30_oak_patients():
    from iosim.data import oak

    scans = oak("atezolizumab")
    counts = scans.groupby("patient").size()
    chosen = counts[counts >= 5].index[:30]  # real, irregular series, several with zeros or jumps
    scans = scans[scans["patient"].isin(chosen)]
    fits = fit_tgi(scans).set_index("patient")
    assert fits["fit_ok"].all() and len(fits) == 30
    gaps = []
    for pid, one in scans.groupby("patient"):
        before = one["day"] <= 0
        one = one.iloc[np.flatnonzero(before)[-1] if before.any() else 0 :]
        t = one["day"].to_numpy()[1:] - one["day"].iloc[0]
        y = one["diameter_mm"].to_numpy()[1:] / one["diameter_mm"].iloc[0]
        gaps.append(fits.loc[pid, "rmse"] ** 2 * len(t) - _scipy_sse(t, y))
    gaps = np.array(gaps)
    # SSE is in units of the baseline diameter squared. 1e-4 is one scan off by 1 % of baseline,
    # 0.4 mm on a 40 mm lesion: below the 1 mm to which diameters are recorded. scipy can beat
    # the batched fit by that much only in degenerate corners the batched fit excludes on
    # purpose (a fraction under 1e-9 growing at the bound rate G_MAX).
    assert gaps.max() <= 1e-4
    assert np.mean(gaps <= 1e-6) >= 0.9  # and most patients reach scipy's optimum to solver precision


def test_one_row_per_patient_and_short_series_are_data_not_errors():
    df = pd.DataFrame(
        {
            "patient": ["one", "two", "two", "nan", "nan", "nan", "zero", "zero", "zero", "zero"],
            "day": [0, -3, 40, -5, 41, np.nan, -2, 40, 80, 120],
            "diameter_mm": [30, 20, 10, 50, np.nan, 30, 0, 5, 6, 7],
        }
    )
    fits = fit_tgi(df).set_index("patient")
    assert list(fit_tgi(df).columns) == [*COLUMNS, "f", "d", "g", "fit_ok", "rmse"]
    assert fits.loc["one", "n_scans"] == 1 and np.isnan(fits.loc["one", "best_pct_change"])
    assert fits.loc["two", "n_scans"] == 2 and fits.loc["two", "best_pct_change"] == pytest.approx(-50)
    assert fits.loc["nan", "n_scans"] == 1  # the rows without a day or a diameter are not scans
    assert fits.loc["zero", "n_scans"] == 4 and np.isnan(fits.loc["zero", "best_pct_change"])  # 0 mm baseline
    assert not fits["fit_ok"].any()
    assert fits[["f", "d", "g", "rmse"]].isna().all().all()


def test_baseline_is_the_last_scan_before_treatment_and_best_change_its_nadir():
    df = pd.DataFrame(
        {
            "patient": ["a"] * 5 + ["b"] * 3,
            "day": [-30, -4, 40, 85, 130, 10, 50, 90],  # b has no pre-treatment scan
            "diameter_mm": [80, 50, 35, 30, 45, 20, 26, 30],
        }
    )
    obs = best_percent_change(df).set_index("patient")
    assert obs.loc["a", "baseline_mm"] == 50 and obs.loc["a", "n_scans"] == 4  # the day -30 scan is not used
    assert obs.loc["a", "best_pct_change"] == pytest.approx(-40) and obs.loc["a", "nadir_day"] == 85
    assert obs.loc["a", "last_day"] == 130
    assert obs.loc["b", "baseline_mm"] == 20 and obs.loc["b", "best_pct_change"] == pytest.approx(30)
    assert obs.loc["b", "nadir_day"] == 50


def test_a_patient_fits_the_same_alone_or_among_thousands():
    rng = np.random.default_rng(5)
    truth = list(zip(rng.uniform(0, 1, 3000), rng.uniform(0.001, 0.05, 3000), rng.uniform(3e-4, 0.01, 3000)))
    df = series(truth, EVERY_6_WEEKS[:7], noise=0.05, seed=2)
    together = fit_tgi(df).set_index("patient")
    for pid in ("p0000", "p1234", "p2999"):
        alone = fit_tgi(df[df["patient"] == pid]).set_index("patient")
        pd.testing.assert_series_equal(alone.loc[pid], together.loc[pid])


def test_other_column_names_and_min_scans():
    df = series([(0.6, 0.02, 0.004)], EVERY_6_WEEKS).rename(columns={"patient": "id", "day": "t", "diameter_mm": "ld"})
    fits = fit_tgi(df, patient="id", day="t", diameter="ld", min_scans=11)
    assert fits.loc[0, "n_scans"] == 10 and not fits.loc[0, "fit_ok"]
    assert fit_tgi(df, patient="id", day="t", diameter="ld", min_scans=10).loc[0, "fit_ok"]


@pytest.mark.parametrize(
    "change, fragment",
    [
        (lambda df: df.drop(columns="day"), "column 'day' is not in the table"),
        (lambda df: df.assign(diameter_mm=-df["diameter_mm"]), "negative"),
        (lambda df: df.assign(day="soon"), "must hold numbers"),
        (lambda df: df.assign(day=np.inf), "infinite"),
        (lambda df: df.assign(patient=None), "missing patient ids"),
    ],
)
def test_bad_tables_raise_input_errors_that_name_the_column(change, fragment):
    df = series([(0.6, 0.02, 0.004)], EVERY_6_WEEKS)
    with pytest.raises(InputError, match=fragment):
        fit_tgi(change(df))


@pytest.mark.parametrize("min_scans", [1, 2.5, True])
def test_min_scans_must_be_a_whole_number_of_at_least_two(min_scans):
    with pytest.raises(InputError, match="min_scans"):
        fit_tgi(series([(0.6, 0.02, 0.004)], EVERY_6_WEEKS), min_scans=min_scans)
