"""The cohort engine against closed-form solutions: doses, extinction, stiffness, failures."""

from __future__ import annotations

import math

import numpy as np
import pytest

from iosim import bolus, infusion, set_state
from iosim.cohort import simulate_cohort
from iosim.errors import InputError, UnknownNameError

# Closed forms are exact, so the error is the integrator's global error: a few times rtol.
RTOL = 1e-9
TOL = 1e-6


def _A_exact(t, k, doses):
    """Sum of decaying boluses ``(time, amount)``."""
    return sum(amt * np.exp(-k * (t - td)) * (t >= td) for td, amt in doses)


def test_boluses_are_exact_discontinuities_and_reported_after_the_dose(toy):
    k = np.array([0.5, 0.2, 1.0])
    res = simulate_cohort(toy, 30, params={"k": k}, regimen=bolus("A", 10.0, at=2, every=7, count=3), rtol=RTOL)
    doses = [(2.0, 10.0), (9.0, 10.0), (16.0, 10.0)]
    for i in range(3):
        np.testing.assert_allclose(res["A"][i], _A_exact(res.t, k[i], doses), rtol=TOL, atol=1e-9)
    # At a dose time the reported value is the post-dose one.
    assert res["A"][0, 9] == pytest.approx(10.0 + 10.0 * math.exp(-0.5 * 7), rel=TOL)


def test_infusion_and_set_event(toy):
    reg = infusion("A", duration=3.0, rate=2.0, at=1.0) + set_state("A", 5.0, at=10.0)
    res = simulate_cohort(toy, 15, regimen=reg, rtol=RTOL, output_every=0.5)
    k, t = 0.5, res.t
    during = 2.0 / k * (1 - np.exp(-k * (t - 1.0)))
    at_end = 2.0 / k * (1 - math.exp(-k * 3.0))
    expected = np.where(t < 1, 0.0, np.where(t < 4, during, at_end * np.exp(-k * (t - 4.0))))
    expected = np.where(t >= 10, 5.0 * np.exp(-k * (t - 10.0)), expected)
    np.testing.assert_allclose(res["A"][0], expected, rtol=TOL, atol=1e-9)


def test_dose_scale_multiplies_boluses_per_patient(toy):
    reg = bolus("A", 4.0, at=1.0)
    res = simulate_cohort(toy, 5, params={"k": [0.5, 0.5]}, regimen=reg, dose_scale=[1.0, 2.5], rtol=RTOL)
    np.testing.assert_allclose(res["A"][1], 2.5 * res["A"][0], rtol=1e-7, atol=1e-12)


def test_extinction_sets_cells_to_exactly_zero_at_the_crossing(toy):
    # C = 1000 exp(-r t) crosses 1 cell at t* = ln(1000)/r = 9.87 days for r = 0.7.
    res = simulate_cohort(toy, 15, rtol=RTOL, output_every=0.25)
    t_star = math.log(1e3) / 0.7
    c = res["C"][0]
    before = res.t < t_star
    np.testing.assert_allclose(c[before], 1e3 * np.exp(-0.7 * res.t[before]), rtol=TOL)
    assert np.all(c[~before] == 0.0)
    off = simulate_cohort(toy, 15, rtol=RTOL, output_every=0.25, extinction=False)
    assert off["C"][0, -1] == pytest.approx(1e3 * math.exp(-0.7 * 15), rel=TOL)


@pytest.mark.parametrize("method", ["auto", "rosenbrock"])
def test_stiff_patients_switch_to_rosenbrock(toy, method):
    # lam = 1e5: Dormand-Prince sits at its stability limit h ~ 3.3/lam, ~6e5 steps over 20 days.
    lam = np.array([2.0, 1e5])
    kw = {"params": {"lam": lam}, "rtol": 1e-6, "atol": 1e-6, "max_steps": 50_000}
    explicit = simulate_cohort(toy, 20, method="dopri5", **kw)
    assert explicit.status.tolist() == ["ok", "max_steps"]
    res = simulate_cohort(toy, 20, method=method, **kw)
    assert res.status.tolist() == ["ok", "ok"]
    assert bool(res.stiff[1]) and (method == "rosenbrock" or not res.stiff[0])
    t = res.t
    for i, L in enumerate(lam):
        # Exact: S = (L^2 cos t + L sin t)/(L^2+1) + (1 - L^2/(L^2+1)) exp(-L t).
        exact = (L * L * np.cos(t) + L * np.sin(t)) / (L * L + 1) + (1 - L * L / (L * L + 1)) * np.exp(-L * t)
        # Measured global error at rtol 1e-6: below 2e-7 for both patients; allow 1e-5.
        np.testing.assert_allclose(res["S"][i], exact, rtol=0, atol=1e-5)


def test_a_failing_patient_is_data_not_an_exception(toy):
    # q B0 = 0.1 per day: B blows up at day 10; the other patients must be untouched.
    res = simulate_cohort(toy, 20, params={"q": [0.0, 0.1, 0.0]}, rtol=1e-8, max_steps=20_000)
    assert res.status[0] == "ok" and res.status[2] == "ok"
    assert res.status[1] in {"max_steps", "step_too_small", "not_finite"}
    assert np.all(np.isnan(res["B"][1, res.t > 10.5]))
    np.testing.assert_allclose(res["B"][1, res.t < 9], 1 / (1 - 0.1 * res.t[res.t < 9]), rtol=1e-6)
    np.testing.assert_array_equal(res.y[0], res.y[2])


def test_chunks_threads_processes_and_dask_do_not_change_results(toy):
    rng = np.random.default_rng(7)
    params = {"k": rng.uniform(0.1, 1.0, 23), "r": rng.uniform(0.1, 1.0, 23)}
    initial = {"C": rng.uniform(10, 1e4, 23)}
    reg = bolus("A", 3.0, at=0.5, every=2.0, count=4)
    base = simulate_cohort(toy, 12, params=params, initial=initial, regimen=reg)
    for kw in (
        {"chunk_size": 1},
        {"chunk_size": 5, "threads": 2},
        {"chunk_size": 7, "workers": 2},
        {"chunk_size": 4, "workers": 2, "cluster": "local"},
    ):
        other = simulate_cohort(toy, 12, params=params, initial=initial, regimen=reg, **kw)
        np.testing.assert_array_equal(other.y, base.y)
        np.testing.assert_array_equal(other.steps, base.steps)


def test_final_only_matches_the_last_grid_point(toy):
    params = {"k": [0.3, 0.9]}
    reg = bolus("A", 1.0, at=3.0)
    full = simulate_cohort(toy, 10, params=params, regimen=reg)
    last = simulate_cohort(toy, 10, params=params, regimen=reg, final_only=True)
    assert last.y.shape == (2, 1, 4)
    np.testing.assert_allclose(last.y[:, 0], full.y[:, -1], rtol=1e-6)


def test_dataframe_and_array_inputs(toy):
    import pandas as pd

    df = pd.DataFrame({"k": [0.2, 0.4], "r": [0.1, 0.2]})
    a = simulate_cohort(toy, 4, params=df, patient_ids=["p1", "p2"])
    matrix = np.array([[0.2, 0.1, 2.0, 0.0], [0.4, 0.2, 2.0, 0.0]])
    b = simulate_cohort(toy, 4, params=matrix)
    np.testing.assert_array_equal(a.y, b.y)
    table = a.to_dataframe()
    assert list(table.columns) == ["patient", "time", "A", "C", "S", "B"]
    assert table.shape == (2 * 5, 6) and table["patient"].tolist()[:5] == ["p1"] * 5
    with pytest.raises(InputError, match="one id per patient"):
        simulate_cohort(toy, 4, params=df, patient_ids=["p1"])


def test_bad_inputs_raise_one_line_errors(toy):
    with pytest.raises(UnknownNameError, match="kk"):
        simulate_cohort(toy, 5, params={"kk": [1.0]})
    with pytest.raises(InputError, match="bounds"):
        simulate_cohort(toy, 5, params={"k": [-1.0]})
    with pytest.raises(InputError, match="different lengths"):
        simulate_cohort(toy, 5, params={"k": [1.0, 2.0]}, initial={"A": [1.0, 2.0, 3.0]})
    with pytest.raises(UnknownNameError):
        simulate_cohort(toy, 5, method="rk4")
    with pytest.raises(UnknownNameError):
        simulate_cohort(toy, 5, regimen=bolus("X", 1.0))


def test_model_outputs_per_patient():
    import iosim

    model = iosim.get_model("kuznetsov1994")
    res = simulate_cohort(model, 10, params={"a": [0.1, 0.2]})
    np.testing.assert_array_equal(res.output("tumour_cells"), res["T"])
    with pytest.raises(UnknownNameError):
        res.output("volume")
