"""Fitting: recovering known parameters, the real LLC data, bad input, the CLI."""

import numpy as np
import pandas as pd
import pytest

import iosim
from iosim.errors import UnknownNameError
from iosim.fitting import FitError, fit_individual, fit_population, growth_model, load_tumour_growth


@pytest.fixture(scope="module")
def synthetic():
    """Gompertz alpha=0.8/day, beta=0.1/day, V(0)=1 mm3, measured every 2 days with 10% proportional noise."""
    model = growth_model("gompertz").with_parameters(alpha=0.8, beta=0.1)
    t = np.arange(4.0, 26.0, 2.0)
    v = np.exp(0.8 / 0.1 * (1 - np.exp(-0.1 * t)))  # closed-form Gompertz with ln V(0) = 0
    np.testing.assert_allclose(iosim.simulate(model, 24, times=t)["V"], v, rtol=1e-6)  # the declared model agrees
    rng = np.random.default_rng(3)
    return t, v * (1 + 0.1 * rng.standard_normal(t.size))


def test_recovers_known_parameters_within_profile_intervals(synthetic):
    fit = fit_individual(growth_model("gompertz"), synthetic, observe="V", estimate=["alpha", "beta"], starts=2)
    for name, true in (("alpha", 0.8), ("beta", 0.1)):
        lo, hi = fit.ci[name]
        assert lo < true < hi, (name, lo, hi)
        assert lo < fit.values[name] < hi
        assert hi / lo < 1.5  # 11 points at 10% noise pin both parameters to within tens of percent
    assert 0.05 < fit.error["b"] < 0.2  # the 10% noise level, estimated from only 11 residuals
    assert fit.aic == pytest.approx(2 * fit.nll + 2 * 3)


def test_additive_and_combined_error_models_fit_too(synthetic):
    t, y = synthetic
    for error in ("additive", "combined"):
        fit = fit_individual(growth_model("gompertz"), (t, y), observe="V", estimate=["alpha", "beta"],
                             error_model=error, starts=1, ci=False)  # fmt: skip
        assert fit.values["alpha"] == pytest.approx(0.8, rel=0.15)


def test_gompertz_describes_llc_growth_better_than_exponential():
    """Benzekry et al. 2014 (PLoS Comput Biol 10:e1003800): on the LLC data the exponential model
    is rejected and the Gompertz model is among the best; here on the first four mice."""
    data = load_tumour_growth("llc")
    assert data["id"].nunique() == 20 and len(data) == 188  # as SOURCE.txt describes
    sub = data[data["id"] < 4]
    aic = {}
    for name, est in (("exponential", ["a"]), ("gompertz", ["alpha", "beta"])):
        aic[name] = fit_population(growth_model(name), sub, observe="V", estimate=est, starts=1).aic
    assert aic["gompertz"] < aic["exponential"] - 10  # a difference of 10 is overwhelming support


def test_population_summary_is_the_log_normal_of_individual_estimates():
    data = load_tumour_growth("llc")
    pop = fit_population(growth_model("exponential"), data[data["id"] < 4], observe="V", estimate=["a"], starts=1)
    est = pop.estimates()["a"].to_numpy()
    row = pop.population.iloc[0]
    assert row["typical"] == pytest.approx(np.exp(np.mean(np.log(est))))
    assert row["omega"] == pytest.approx(np.std(np.log(est), ddof=1))
    assert 0.2 < row["typical"] < 0.6  # LLC doubles in about 1.5-3 days


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"estimate": ["zeta"]}, UnknownNameError, "unknown parameter or state 'zeta'"),
        ({"observe": "W"}, UnknownNameError, "unknown state or output 'W'"),
        ({"error_model": "poisson"}, UnknownNameError, "unknown error model"),
        ({"data": ([1, 2, 3], [1, 2])}, FitError, "different lengths"),
        ({"data": ([1, 2, 3, 4], [1, np.nan, 3, 4])}, FitError, "non-finite"),
        ({"data": ([1, 2], [1, 2])}, FitError, "too few"),
        ({"data": ([1, 2, 3, 4, 5], [1, 0, 3, 4, 5])}, FitError, "positive observations"),
        ({"data": pd.DataFrame({"t": [1], "value": [1]})}, FitError, "no time column"),
    ],
)
def test_bad_input_gets_one_clear_error(kwargs, error, message):
    args = {"data": ([1, 2, 3, 4, 5], [1, 2, 3, 4, 5]), "observe": "V", "estimate": ["a"]} | kwargs
    with pytest.raises(error, match=message):
        fit_individual(growth_model("exponential"), args.pop("data"), **args)


def test_fit_command_writes_estimates_and_plot(tmp_path, synthetic):
    from typer.testing import CliRunner

    from iosim.cli.app import app
    from iosim.cli.main import _load_commands

    _load_commands()
    t, y = synthetic
    pd.DataFrame({"time": t, "value": y}).to_csv(tmp_path / "d.csv", index=False)
    result = CliRunner().invoke(app, ["fit", "gompertz", "--data", str(tmp_path / "d.csv"), "--observe", "V",
                                      "--estimate", "alpha,beta", "--starts", "2", "--out", str(tmp_path / "f.csv"),
                                      "--plot", str(tmp_path / "f.png")])  # fmt: skip
    assert result.exit_code == 0, result.output
    table = pd.read_csv(tmp_path / "f.csv")
    assert list(table["parameter"][:2]) == ["alpha", "beta"]
    assert (tmp_path / "f.png").stat().st_size > 10_000
