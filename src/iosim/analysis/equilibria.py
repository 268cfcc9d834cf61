"""Equilibria of a model and their stability.

Roots of the right-hand side are found by Newton-type iterations (scipy ``root`` with the
analytic Jacobian) from many starting points: random log-uniform magnitudes around each
state's scale, and the same points with every subset of states set to 0 (boundary
equilibria such as "tumour-free" sit on faces of the positive orthant). Roots are kept when
the scaled residual is tiny and every nonnegative state is >= 0, then deduplicated and
classified from the Jacobian's eigenvalues.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from scipy.optimize import root

from iosim.model.compiled import compile_model
from iosim.model.declaration import Model

KINDS = ("stable node", "stable focus", "saddle", "unstable node", "unstable focus", "centre", "non-hyperbolic")


@dataclass(frozen=True)
class Equilibrium:
    values: dict[str, float]
    eigenvalues: np.ndarray
    kind: str

    @property
    def stable(self) -> bool:
        return self.kind.startswith("stable")

    def __getitem__(self, state: str) -> float:
        return self.values[state]


def classify(eigenvalues: np.ndarray, *, tol: float = 1e-9) -> str:
    """Name an equilibrium from its Jacobian eigenvalues.

    A focus has complex eigenvalues with real parts of one sign; a saddle has real parts of
    both signs; ``tol`` (relative to the largest modulus) decides what counts as zero."""
    ev = np.asarray(eigenvalues, dtype=complex)
    scale = max(1.0, float(np.max(np.abs(ev)))) if ev.size else 1.0
    re, im = ev.real / scale, ev.imag / scale
    if np.any(np.abs(re) <= tol):
        return "centre" if np.all(np.abs(re) <= tol) and np.any(np.abs(im) > tol) else "non-hyperbolic"
    complex_ = bool(np.any(np.abs(im) > tol))
    if np.all(re < 0):
        return "stable focus" if complex_ else "stable node"
    if np.all(re > 0):
        return "unstable focus" if complex_ else "unstable node"
    return "saddle"


def jacobian_at(model: Model, values: Mapping[str, float], params: Mapping[str, float] | None = None) -> np.ndarray:
    y = model.initial_values(dict(values)) if values else model.initial_values()
    p = model.parameter_values(dict(params or {}))
    return compile_model(model).jacobian(0.0, y, p)


def find_equilibria(
    model: Model,
    *,
    params: Mapping[str, float] | None = None,
    scales: Mapping[str, float] | None = None,
    n_starts: int = 100,
    seed: int = 0,
    residual_tol: float = 1e-9,
) -> list[Equilibrium]:
    """Every equilibrium found from many starting points, sorted by the first state.

    ``scales`` gives a typical magnitude per state (default: its initial value, at least 1);
    starting points span 1e-4 to 1e4 times that scale. Time-dependent models are analysed
    at t = 0.
    """
    compiled = compile_model(model)
    p = model.parameter_values(dict(params or {}))
    n = len(model.states)
    scale = np.array([max(abs(s.initial), 1.0) for s in model.states])
    for name, v in (scales or {}).items():
        scale[model.state_index(name)] = float(v)
    nonneg = np.array([s.nonnegative for s in model.states])

    def f(x):
        return compiled.rhs(0.0, x * scale, p) / scale

    def jac(x):
        return compiled.jacobian(0.0, x * scale, p) * scale[None, :] / scale[:, None]

    rng = np.random.default_rng(seed)
    starts = [np.ones(n)] + [10 ** rng.uniform(-4, 4, n) for _ in range(n_starts)]
    zero_sets = [c for k in range(1, n + 1) for c in itertools.combinations(range(n), k)] if n <= 8 else []
    for x0 in list(starts[: max(8, n_starts // 4)]):
        for zs in zero_sets:
            x = x0.copy()
            x[list(zs)] = 0.0
            starts.append(x)

    found: list[np.ndarray] = []
    with np.errstate(all="ignore"):
        for x0 in starts:
            try:
                sol = root(f, x0, jac=jac, method="hybr", options={"xtol": 1e-13})
                x = sol.x
                residual = f(x)
            except (ArithmeticError, ValueError):  # e.g. log of a negative trial point
                continue
            if not np.all(np.isfinite(x)):
                continue
            x = np.where(np.abs(x) < 1e-12, 0.0, x)
            if np.any(x[nonneg] < 0):
                continue
            # Residual relative to the magnitude of the state (per unit time).
            if (
                np.max(np.abs(residual) / np.maximum(np.abs(x), 1e-6)) > residual_tol
                and np.max(np.abs(residual)) > 1e-12
            ):
                continue
            if any(np.allclose(x, y, rtol=1e-6, atol=1e-9) for y in found):
                continue
            found.append(x)

    out = []
    for x in found:
        y = x * scale
        ev = np.linalg.eigvals(compiled.jacobian(0.0, y, p))
        out.append(Equilibrium(dict(zip(model.state_names, map(float, y))), ev, classify(ev)))
    return sorted(out, key=lambda e: tuple(e.values.values())[::-1])
