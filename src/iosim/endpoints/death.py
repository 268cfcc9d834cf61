"""A death model for overall survival: a hazard that rises with tumour burden, plus background mortality.

    h(t) = h_bg + h_tumour * (SLD(t) / SLD_ref) ** beta            [per month]

``SLD(t)`` (mm) is the patient's simulated sum of target-lesion diameters, taken as piecewise linear
between the given times, and so is ``h`` (the cumulative hazard is exact for a piecewise-linear
hazard). A death time solves ``H(t) = -log(U)`` with one uniform ``U`` per patient drawn from the
caller's :class:`numpy.random.Generator` (inverse transform on the cumulative hazard). A patient whose
cumulative hazard never reaches the target within the simulated span is alive at its end (censored).

A patient whose tumour has gone (SLD = 0) keeps the background hazard only. Parameters and where
each number comes from are in :class:`DeathModel`; ``docs/endpoints.md`` has the derivation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from iosim.errors import InputError

# Calibration reference (chosen, documented in docs/endpoints.md): an untreated metastatic melanoma
# with a baseline sum of 70 mm (chosen: a typical baseline sum of two to three target lesions) whose
# diameters grow by 20% in 2.2 months, the median PFS of the dacarbazine arm of CheckMate 066
# (Robert C et al. NEJM 2015;372:320-330), i.e. a diameter growth rate of ln(1.2)/2.2 per month.
REFERENCE_SLD0_MM = 70.0
REFERENCE_GROWTH_PER_MONTH = math.log(1.2) / 2.2
# Target: median OS 10.8 months of the dacarbazine arm of CheckMate 066 (Robert 2015, figure 1A),
# a near-untreated control (dacarbazine ORR 13.9%). Korn EL et al. JCO 2008;26:527-534 give 6.2 months
# for older cooperative-group phase II cohorts; the brief's 9-12 months range sits between them.
TARGET_UNTREATED_MEDIAN_OS_MONTHS = 10.8


@dataclass(frozen=True)
class DeathModel:
    """Parameters of the burden-dependent hazard (all per month).

    Attributes
    ----------
    background_per_month
        0.01 / 12: all-cause mortality of about 1% a year at age 60-65 (US life tables 2019,
        Arias E, Xu J. National Vital Statistics Reports 2022;70(19), table 1, q(60-65) ~ 0.011).
    tumour_per_month
        Calibrated: untreated melanoma median OS 10.8 months (CheckMate 066 dacarbazine arm) on the
        reference course above; recomputed by :func:`calibrate_tumour_hazard` and checked in the tests.
    sld_ref_mm
        100 mm, a chosen scale (the hazard at a 100 mm sum is ``tumour_per_month``).
    beta
        1.0, chosen: hazard proportional to the sum of diameters, the simplest monotone link.
    """

    background_per_month: float = 0.01 / 12
    tumour_per_month: float = 0.05596  # calibrated: see the class docstring
    sld_ref_mm: float = 100.0
    beta: float = 1.0

    def __post_init__(self) -> None:
        for name in ("background_per_month", "tumour_per_month", "sld_ref_mm", "beta"):
            v = getattr(self, name)
            if not (math.isfinite(v) and v >= 0):
                raise InputError(f"DeathModel.{name} must be a finite number >= 0, got {v}")
        if self.sld_ref_mm == 0:
            raise InputError("DeathModel.sld_ref_mm must be > 0 (it scales the burden)")

    def hazard(self, sld_mm) -> np.ndarray:
        """Hazard per month at the given sums of diameters (any shape)."""
        s = np.clip(np.asarray(sld_mm, dtype=float), 0.0, None)
        return self.background_per_month + self.tumour_per_month * (s / self.sld_ref_mm) ** self.beta

    def cumulative_hazard(self, times_months, sld_mm) -> np.ndarray:
        """Cumulative hazard at each time, shape ``(n_patients, n_times)``, starting at 0."""
        t, s = _check(times_months, sld_mm)
        return _integrate(t, self.hazard(s))

    def sample(self, times_months, sld_mm, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Death times per patient: ``(months, died)``; one uniform per patient from ``rng``.

        Patients alive at the last time get that time and ``died=False``.
        """
        if not isinstance(rng, np.random.Generator):
            raise InputError("rng must be a numpy.random.Generator, e.g. numpy.random.default_rng(seed)")
        t, s = _check(times_months, sld_mm)
        return self.sample_with_uniforms(t, s, rng.random(s.shape[0]))

    def sample_with_uniforms(self, times_months, sld_mm, u) -> tuple[np.ndarray, np.ndarray]:
        """As :meth:`sample`, with the per-patient uniforms given (for chunk-independent seeding)."""
        t, s = _check(times_months, sld_mm)
        u = np.asarray(u, dtype=float)
        if u.shape != (s.shape[0],):
            raise InputError(f"need one uniform per patient ({s.shape[0]}), got shape {u.shape}")
        target = -np.log1p(-u)  # Exp(1) draws; log1p keeps precision for small u
        h = self.hazard(s)
        H = _integrate(t, h)
        died = H[:, -1] >= target
        k = np.argmax(H >= target[:, None], axis=1)  # first grid index with H >= target
        k = np.clip(k, 1, len(t) - 1)
        rows = np.arange(s.shape[0])
        t0, dt = t[k - 1], t[k] - t[k - 1]
        h0, h1, H0 = h[rows, k - 1], h[rows, k], H[rows, k - 1]
        # within the interval H(t0 + x) = H0 + h0 x + (h1 - h0) x^2 / (2 dt); solve for x (stable form)
        a = (h1 - h0) / (2.0 * np.where(dt > 0, dt, 1.0))
        rem = np.clip(target - H0, 0.0, None)
        disc = np.sqrt(np.clip(h0 * h0 + 4.0 * a * rem, 0.0, None))
        denom = h0 + disc
        x = np.where(denom > 0, 2.0 * rem / np.where(denom > 0, denom, 1.0), 0.0)
        x = np.minimum(x, dt)
        months = np.where(died, t0 + x, t[-1])
        return months, died


def _integrate(t: np.ndarray, h: np.ndarray) -> np.ndarray:
    """Trapezoidal cumulative integral along axis 1 (exact for a piecewise-linear hazard), from 0."""
    out = np.empty_like(h)
    out[:, 0] = 0.0
    np.cumsum(0.5 * (h[:, 1:] + h[:, :-1]) * np.diff(t), axis=1, out=out[:, 1:])
    return out


def _check(times_months, sld_mm) -> tuple[np.ndarray, np.ndarray]:
    t = np.asarray(times_months, dtype=float)
    s = np.asarray(sld_mm, dtype=float)
    if s.ndim == 1:
        s = s[None, :]
    if t.ndim != 1 or len(t) < 2 or s.shape[1] != len(t):
        raise InputError(f"times_months must be 1-D with >= 2 points matching sld_mm columns, got {t.shape}, {s.shape}")
    if not np.all(np.diff(t) >= 0) or t[0] < 0:
        raise InputError("times_months must start at >= 0 and never decrease")
    if np.isnan(s).any():
        raise InputError("sld_mm has NaN values: interpolate missing sums before sampling deaths")
    return t, s


def reference_course(times_months) -> np.ndarray:
    """The untreated reference SLD course used for calibration, shape ``(1, n_times)``."""
    t = np.asarray(times_months, dtype=float)
    return (REFERENCE_SLD0_MM * np.exp(REFERENCE_GROWTH_PER_MONTH * t))[None, :]


def calibrate_tumour_hazard(
    target_median_months: float = TARGET_UNTREATED_MEDIAN_OS_MONTHS, *, model: DeathModel | None = None
) -> float:
    """The ``tumour_per_month`` that gives the target median OS on the reference untreated course.

    Median OS solves ``H(t_med) = ln 2``; H is linear in ``tumour_per_month``, so this is closed form.
    """
    m = model or DeathModel()
    t = np.linspace(0.0, target_median_months, 2001)
    unit = DeathModel(background_per_month=0.0, tumour_per_month=1.0, sld_ref_mm=m.sld_ref_mm, beta=m.beta)
    burden = unit.cumulative_hazard(t, reference_course(t))[0, -1]
    rest = math.log(2.0) - m.background_per_month * target_median_months
    if rest <= 0:
        raise InputError("background mortality alone already gives a shorter median than the target")
    return rest / burden
