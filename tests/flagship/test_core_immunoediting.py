"""The untreated flagship model shows the three phases of immunoediting (Dunn & Schreiber 2004):
elimination of a small tumour, equilibrium of an intermediate one, escape of a large one."""

import numpy as np
import pytest

from iosim.model.compiled import compile_model
from iosim.models import get_model
from iosim.models._core_parts import diameter_sum_mm
from iosim.simulation import simulate


@pytest.fixture(scope="module")
def model():
    return get_model("core")


def _run(model, cells, days=1500):
    return simulate(model, days, initial={"Tp": 0.9 * cells, "Tn": 0.1 * cells}, output_every=10, rtol=1e-7, atol=1e-6)


def test_model_size_and_outputs(model):
    assert 15 <= len(model.states) <= 26
    for name in ("tumour_cells", "tumour_diameter_mm", "effector_cells", "nk_cells", "treg_cells",
                 "anti_pd1_mg_per_L", "targeting_mab_mg_per_L", "car_t_cells"):  # fmt: skip
        assert name in model.output_names
    for p in model.parameters:
        assert p.unit and len(p.source) > 5, p.name


def test_small_tumour_is_eliminated(model):
    r = _run(model, 1e5, days=300)
    # both populations hit the 1-cell extinction rule; what remains is solver round-off (< 1e-3 cell)
    assert abs(r.final("tumour_cells")) < 1e-3
    assert {"Tp", "Tn"} <= {s for s, _ in r.extinctions}


def test_intermediate_tumour_is_held_in_equilibrium(model):
    r = _run(model, 1e7)
    T = r["tumour_cells"]
    late = T[r.t >= 1000]
    # Dormant below clinical detection (1e9 cells ~ 1 cm^3) and no longer moving (< 1% over 500 days).
    assert 1e6 < late.min() and late.max() < 1e9
    assert late.max() / late.min() < 1.01


def _newton(f, jac, x, *, steps=50, tol=1e-12):
    """Plain Newton iterations with the analytic Jacobian: deterministic, no trust region or line
    search whose luck depends on the scipy version. Returns the root, or None if it does not converge."""
    for _ in range(steps):
        dx = np.linalg.solve(jac(x), -f(x))
        x = x + dx
        if np.max(np.abs(dx)) < tol:
            return x
    return None


def test_dormant_state_is_a_stable_steady_state(model):
    # Without target+ cells (Tp = 0 is invariant) the dormant state is an exact equilibrium. The
    # simulation brings the immune states close to it by day 1500 (their slowest mode relaxes in ~500
    # days); the fibrotic scar F still creeps (its clearance takes millennia). Newton's method from that
    # end point (scaled variables, analytic Jacobian) lands on the equilibrium; its eigenvalues decide.
    r = simulate(model, 1500, initial={"Tp": 0.0, "Tn": 1e7}, output_every=50, rtol=1e-8, atol=1e-8)
    cm = compile_model(model)
    p = model.parameter_values()
    scale = np.maximum(np.abs(r.y[-1]), 1.0)

    def f(z):
        return cm.rhs(0.0, z * scale, p) / scale

    def jac(z):
        return cm.jacobian(0.0, z * scale, p) * scale[None, :] / scale[:, None]

    z = _newton(f, jac, np.ones_like(scale))
    assert z is not None, "Newton's method did not converge from the simulated end point"
    assert np.max(np.abs(f(z))) < 1e-12
    y = z * scale
    tn = y[model.state_index("Tn")]
    # the same dormant state the simulation reached: below detection, within 0.1% of the simulated one
    assert 1e6 < tn < 1e9 and abs(tn / r.final("Tn") - 1) < 1e-3
    eig = np.linalg.eigvals(cm.jacobian(0.0, y, p))
    assert np.max(eig.real) < 0, eig


def test_large_tumour_escapes(model):
    r = _run(model, 1e10, days=1000)
    assert r.final("tumour_cells") > 0.5 * model.parameter("capacity").value
    # escape goes with exhaustion: exhausted cells outnumber functional effectors
    assert r.final("X") > r.final("E")


def test_diameter_mapping():
    # 3 lesions of 1e9/3 cells each at 1e9 cells/cm^3: each sphere of 1/3 cm^3 -> 8.6 mm diameter
    assert diameter_sum_mm(1e9) == pytest.approx(3 * 10 * (6 / (3 * np.pi)) ** (1 / 3), rel=1e-12)
    assert diameter_sum_mm(0) == 0.0
    model = get_model("core")
    r = simulate(model, 1, initial={"Tp": 2e10, "Tn": 1e10}, output_every=1)
    assert r["tumour_diameter_mm"][0] == pytest.approx(diameter_sum_mm(3e10), rel=1e-12)
