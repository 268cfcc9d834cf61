"""de Pillis, Radunskaya & Wiseman 2005: control tumours escape, ligand-transduced ones are rejected."""

import numpy as np
import pytest
from scipy.integrate import solve_ivp

import iosim
from iosim.analysis import find_equilibria
from iosim.models.depillis2005 import LIGAND_TRANSDUCED, PATIENT_9, PATIENT_10

# Paper's Table 1 / MODEL1907260001 values used in the analytic checks below.
A, B, SIGMA, F = 0.514, 1.02e-9, 1.3e4, 0.0412
C_CONTROL, C_LIGAND = 3.23e-7, 3.5e-6
SCALES = {"T": 1e6, "N": 1e5, "L": 1e4}  # typical magnitudes, for the equilibrium search


@pytest.fixture(scope="module")
def model():
    return iosim.get_model("depillis2005")


def _equilibria(model, params):
    return find_equilibria(model, params=params, scales=SCALES, n_starts=30)


@pytest.mark.parametrize("params, c, stable", [({}, C_CONTROL, False), (LIGAND_TRANSDUCED, C_LIGAND, True)])
def test_nk_cells_alone_hold_off_small_ligand_transduced_tumours_only(model, params, c, stable):
    # At the tumour-free state (N = sigma/f, no CD8+ cells) a small tumour grows at a - c*sigma/f:
    # +0.41/day for control tumours, -0.59/day for ligand-transduced ones (NKG2D ligands raise c).
    (free,) = [e for e in _equilibria(model, params) if e["T"] == 0]
    assert free["N"] == pytest.approx(SIGMA / F, rel=1e-9) and free["L"] == 0
    assert free.stable is stable
    assert max(free.eigenvalues.real) == pytest.approx(max(A - c * SIGMA / F, -0.02), rel=1e-6)


def test_equilibria_control_monostable_escape_ligand_bistable(model):
    control = _equilibria(model, {})
    assert [e.kind for e in control] == ["saddle", "stable node"]
    # Escape: the tumour sits just under its carrying capacity 1/b = 9.8e8 with the NK pool exhausted.
    assert control[1]["T"] == pytest.approx(9.773e8, rel=1e-3) and control[1]["N"] < 200
    ligand = _equilibria(model, LIGAND_TRANSDUCED)
    kinds = {round(np.log10(max(e["T"], 1.0))): e.kind for e in ligand}
    # Rejection and escape both stable, separated by a saddle near 1e8 tumour cells.
    assert kinds == {0: "stable node", 8: "saddle", 9: "stable node"}


@pytest.mark.parametrize("T0", [1e2, 1e4, 1e5, 1e6])
def test_control_tumours_escape_ligand_transduced_tumours_are_rejected(model, T0):
    control = iosim.simulate(model, 60, initial={"T": T0})
    # Escape: within 0.5% of the escape equilibrium by day 60 (a = 0.514/day: e-folding in 2 days).
    assert control.final("T") == pytest.approx(9.773e8, rel=5e-3)
    ligand = iosim.simulate(model, 60, params=LIGAND_TRANSDUCED, initial={"T": T0})
    (t_gone,) = [t for s, t in ligand.extinctions if s == "T"]
    assert t_gone < 12 and ligand.final("T") == 0.0
    # The inoculum grows for 3-4 days (to about 2.5x) while NK and CD8+ cells respond, then is lysed.
    assert ligand["T"].max() < 3 * T0


def test_cd8_response_not_nk_lysis_is_what_rejects_a_1e5_challenge(model):
    # The paper's conclusion: CD8+ T-cell activation decides the outcome. Raising only the NK
    # lysis rate c to its ligand value is not enough; the ligand-primed CD8+ kill law alone is.
    nk_only = iosim.simulate(model, 60, params={"c": C_LIGAND}, initial={"T": 1e5})
    cd8_only = {k: v for k, v in LIGAND_TRANSDUCED.items() if k != "c"}
    cd8 = iosim.simulate(model, 60, params=cd8_only, initial={"T": 1e5})
    assert nk_only.final("T") > 9e8
    assert cd8.final("T") == 0.0


def test_a_large_challenge_overwhelms_even_the_ligand_response(model):
    # With the deposit's naive NK pool (N0 = 1e3, far below sigma/f = 3.2e5) a 1e7-cell challenge
    # outgrows the response and crosses the saddle near 1e8: escape to ~9.6e8 cells.
    r = iosim.simulate(model, 60, params=LIGAND_TRANSDUCED, initial={"T": 1e7})
    assert r.final("T") == pytest.approx(9.598e8, rel=5e-3)


@pytest.mark.parametrize("patient", [PATIENT_9, PATIENT_10])
def test_patient_sets_reject_a_small_tumour_but_not_an_established_one(model, patient):
    # Patient-specific CD8+ lysis (Table 2) with the model's other values: a 100-cell tumour is
    # cleared within 40 days, a 1e5-cell one escapes without therapy.
    small = iosim.simulate(model, 60, params=patient)
    assert [s for s, _ in small.extinctions] == ["T"] and small.extinctions[0][1] < 40
    big = iosim.simulate(model, 60, params=patient, initial={"T": 1e5})
    assert big.final("T") > 9e8


def test_trajectory_matches_an_independent_integration(model):
    a, b, c, d, lam, s = 0.514, 1.02e-9, 3.23e-7, 1.43, 0.58, 2.73
    sigma, f, g, h, p = 1.3e4, 0.0412, 0.025, 2.02e7, 1e-7
    m, j, k, q, r = 0.02, 0.0375, 2.02e7, 3.42e-10, 1.1e-7

    def rhs(t, x):
        T, N, L = x
        ratio = (L / T) ** lam if L > 0 else 0.0
        DT = d * ratio / (s + ratio) * T
        return [
            a * T * (1 - b * T) - c * N * T - DT,
            sigma - f * N + g * T**2 / (h + T**2) * N - p * N * T,
            -m * L + j * DT**2 / (k + DT**2) * L - q * L * T + r * N * T,
        ]

    ref = solve_ivp(rhs, (0, 40), [100.0, 1000.0, 0.0], t_eval=np.arange(41.0), rtol=1e-10, atol=1e-8, method="LSODA")
    res = iosim.simulate(model, 40, rtol=1e-10, atol=1e-8)  # default state (deposit's)
    assert ref.success and res.ok and res.extinctions == ()
    np.testing.assert_allclose(res.y, ref.y.T, rtol=1e-6, atol=1e-6)
    # Default tolerances (what `iosim simulate` uses) stay within 1e-4 of the tight reference.
    loose = iosim.simulate(model, 40)
    np.testing.assert_allclose(loose.y, ref.y.T, rtol=1e-4, atol=1e-4)


def test_declared_defaults_are_the_deposits(model):
    p = {q.name: q.value for q in model.parameters}
    assert p == {
        "a": 0.514,
        "b": 1.02e-9,
        "c": 3.23e-7,
        "d": 1.43,
        "lambda": 0.58,
        "s": 2.73,
        "sigma": 1.3e4,
        "f": 0.0412,
        "g": 0.025,
        "h": 2.02e7,
        "p": 1e-7,
        "m": 0.02,
        "j": 0.0375,
        "k": 2.02e7,
        "q": 3.42e-10,
        "r": 1.1e-7,
    }
    assert [st.initial for st in model.states] == [100.0, 1000.0, 0.0]
