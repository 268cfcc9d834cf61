"""Kimmel, Locke & Altrock 2021 (BIOMD0000001041): CAR-T expansion after lymphodepletion."""

import numpy as np
import pytest
from scipy.integrate import solve_ivp

import iosim
from iosim.model.compiled import compile_model

# Table 1 of the paper (cells); r_B from the deposit (Table 1 gives only a range).
TABLE1 = {
    "K_N": 2.50e11,
    "K_C": 6.96e10,
    "r_N": 0.17,
    "rho_C": 2.51e-2,
    "a": 0.423,
    "b": 0.525,
    "r_B": 0.01,
    "gamma_B": 1.15,
    "k_B": 2.024e9,
}
Y0 = [3.0e9, 1.8e8, 9.486e10]  # N(0), C(0), B(0), Table 1
PER_UL = 5.0e8  # cells per (cell/uL): Table 1 vs the deposit and figures


@pytest.fixture(scope="module")
def model():
    return iosim.get_model("kimmel2021")


@pytest.fixture(scope="module")
def run(model):
    return iosim.simulate(model, 400, output_every=0.01).raise_for_status()


def test_defaults_are_table1(model):
    assert {p.name: p.value for p in model.parameters} == TABLE1
    assert list(model.initial_values()) == Y0


def test_car_t_peak_about_day_7(run):
    # Figure 2b: CAR T cells expand after lymphodepletion and peak about a week after infusion.
    i = int(np.argmax(run["C"]))
    assert 6.0 <= run.t[i] <= 8.0, run.t[i]
    # Peak ~30 cells/uL, inside the interquartile range of the Moffitt ZUMA-1 cohort at day 7
    # (27.5, IQR 16.5-57.5 cells/uL; section 3d), and an ~80-fold expansion from 0.36 cells/uL.
    assert 16.5 < run["car_t_per_uL"][i] < 57.5
    assert run["C"][i] / run["C"][0] > 50


def test_car_t_kinetics_within_cohort_iqr(run):
    # Section 3d: Moffitt ZUMA-1 cohort CAR T counts (cells/uL), interquartile ranges at days
    # 7, 14, 28, 90. The model was fitted to population medians, so it should sit inside them.
    iqr = {7: (16.5, 57.5), 14: (3.8, 31.1), 28: (0.6, 6.1), 90: (0.01, 0.4)}
    for day, (lo, hi) in iqr.items():
        assert lo < run.at("car_t_per_uL", day) < hi, day


def test_normal_t_cells_reconstitute_and_outcompete_car_t(run):
    # Normal T cells return to homeostasis K_N; since K_C < K_N the CAR T cells then decline.
    assert run.final("N") == pytest.approx(TABLE1["K_N"], rel=1e-3)
    assert run.final("C") < 1e-3 * run["C"].max()
    assert np.all(np.diff(run["C"][run.t > 10]) < 0)


def test_tumour_free_state_is_a_saddle(model):
    # Linearisation at (K_N, 0, 0): eigenvalues -r_N, -rho_C ln(K_N/K_C) and +r_B: eradication
    # is deterministically unstable (the paper's supplement, section 3).
    jac = compile_model(model).jacobian(0.0, np.array([TABLE1["K_N"], 0.0, 0.0]), model.parameter_values())
    eig = np.sort(np.linalg.eigvals(jac).real)
    expected = np.sort([-TABLE1["r_N"], -TABLE1["rho_C"] * np.log(TABLE1["K_N"] / TABLE1["K_C"]), TABLE1["r_B"]])
    np.testing.assert_allclose(eig, expected, rtol=1e-9)


def test_cure_is_an_extinction_event(model, run):
    # With the extinction rule the tumour falls below one cell around day 40-50 and is gone.
    t_ext = [t for s, t in run.extinctions if s == "B"]
    assert len(t_ext) == 1 and 30 < t_ext[0] < 60
    assert run.final("tumour_cells") == 0.0
    # Without it the sub-cell remnant rebounds once the CAR T cells have contracted.
    det = iosim.simulate(model, 400, output_every=1.0, extinction=False).raise_for_status()
    assert det["B"].min() < 1e-3
    assert det.final("B") > 3 * det.at("B", 200) > 0


def test_deposit_units_give_the_same_dynamics(model, run):
    # BIOMD0000001041 works in cells/uL (N, C) and ml (B); Table 1 = deposit x 5e8 (x 1e9 for B).
    # No extinction rule in the per-uL run: C(0) = 0.36 is a concentration, not 0.36 cells.
    params = {"K_N": 500.0, "K_C": TABLE1["K_C"] / PER_UL, "k_B": TABLE1["k_B"] / PER_UL}
    initial = {"N": 6.0, "C": 0.36, "B": 94.86}
    # Tolerances scaled with the units (B falls to ~1e-9 ml = 1 cell by day 40).
    dep = iosim.simulate(
        model, 40, params=params, initial=initial, output_every=1.0, extinction=False, rtol=1e-10, atol=1e-15
    )
    cells = iosim.simulate(model, 40, output_every=1.0, extinction=False, rtol=1e-10, atol=1e-6)
    np.testing.assert_allclose(dep["N"] * PER_UL, cells["N"], rtol=1e-6)
    np.testing.assert_allclose(dep["C"] * PER_UL, cells["C"], rtol=1e-6)
    np.testing.assert_allclose(dep["B"] * 1e9, cells["B"], rtol=1e-5)


def _hand_rhs(t, y, p):
    N, C, B = y
    L = N + C
    r_C = p["rho_C"] + p["b"] * (L - p["K_N"]) ** 2 / (p["a"] * L**2 + (L - p["K_N"]) ** 2)
    return [
        -p["r_N"] * N * np.log(L / p["K_N"]),
        -r_C * C * np.log(L / p["K_C"]),
        p["r_B"] * B - p["gamma_B"] * B * C / (p["k_B"] + C),
    ]


def test_trajectory_matches_independent_scipy_integration(model):
    times = np.arange(0.0, 35.5, 0.5)  # before the tumour reaches one cell (extinction off anyway)
    ref = solve_ivp(_hand_rhs, (0, 35), Y0, args=(TABLE1,), method="LSODA", rtol=1e-10, atol=1e-6, t_eval=times)
    res = iosim.simulate(model, 35, output_every=0.5, rtol=1e-10, atol=1e-6, extinction=False)
    np.testing.assert_allclose(res.y, ref.y.T, rtol=1e-6)
