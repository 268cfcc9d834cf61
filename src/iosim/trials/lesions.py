"""Lesions as radiologists see them: target and non-target lesions, reader error, new lesions.

The flagship model follows one patient's whole tumour (viable cells and the dead residue the
lesions keep showing). Radiologists measure lesions, and lesions of one patient differ: in size,
in how fast they grow and in how well the immune response reaches them. This layer turns the
patient's course into lesions (Eisenhauer et al. 2009, Eur J Cancer 45:228, "RECIST 1.1"):

* each patient has 1-5 target lesions (RECIST 1.1 section 3.3: at most 5, at most 2 per organ) and
  non-target disease; the burden is split between them by random weights;
* lesion ``i`` keeps a share ``w_i`` of the baseline viable tumour and follows the patient's viable
  course with a lesion-level exponent ``a_i`` (immune access: a lesion with ``a_i > 1`` shrinks and
  grows more steeply than the patient's average) and a lesion-level growth deviation ``delta_i``::

      viable_i(t) = w_i * T0 * (T(t) / T0) ** a_i * exp(delta_i * t)
      seen_i(t)   = viable_i(t) + w_i * residue(t)

  so responses can be mixed (one lesion shrinks while another grows); the residue (necrosis and
  scar) is shared by lesion size. Spheres at 1e9 cells/cm^3 give diameters;
* measured diameters carry reader error (log-normal, ``reader_cv``) and are recorded in whole
  millimetres; a lesion under 2 mm is not
  seen (0 mm); one seen but under 5 mm is recorded as 5 mm (RECIST 1.1 section 4.3.2: "too small to
  measure" lesions get a default of 5 mm);
* new lesions appear as a Poisson process whose rate is proportional to the viable tumour volume
  (metastatic seeding scales with the number of tumour cells that can shed; Iwata et al. 2000,
  J Theor Biol 203:177); a new lesion is progression (section 4.3.5), under iRECIST an iUPD that a
  second new lesion confirms;
* non-target disease progresses unequivocally when its volume rises 73% above its nadir, the
  increase RECIST 1.1 (section 4.3.3 and its footnote) equates with a 20% diameter increase.

Every draw is a function of (seed, patient, stream) (:mod:`iosim.trials.rng`). Lesion anatomy and
biology come from ``anatomy_seed`` (the population's seed, so a selected virtual patient keeps its
lesions in every trial); reader error and new-lesion timing from the trial's seed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from iosim.errors import InputError
from iosim.trials.rng import normals, uniforms

MAX_TARGETS = 5
#: Lesion "slots": up to five target lesions, then the non-target disease as one aggregate.
NONTARGET = MAX_TARGETS
CELLS_PER_CM3 = 1e9  # as in the flagship model (Del Monte 2009, Cell Cycle 8:505)
DETECTION_MM = 2.0  # below this a lesion is not seen on CT (as the flagship model's output)
TOO_SMALL_MM = 5.0  # RECIST 1.1 section 4.3.2: default value recorded for a lesion too small to measure
MEASURABLE_MM = 10.0  # RECIST 1.1 section 3.1.1: smallest measurable target lesion on CT
NONTARGET_PD_VOLUME = 0.73  # RECIST 1.1 section 4.3.3: +73% volume ~ +20% diameter

# Random-number streams (disjoint from the population's, < 2,000, and the death model's 10,000).
_ANATOMY = 30_000
_READER = 40_000
_NEW = 50_000


@dataclass(frozen=True)
class LesionModel:
    """Per-cancer lesion settings; every value says where it comes from."""

    #: P(1), ..., P(5) target lesions.
    count_probs: tuple[float, ...] = (0.30, 0.28, 0.20, 0.12, 0.10)
    count_source: str = (
        "assumed: most RECIST 1.1 trial patients have 1-3 target lesions (median 2); RECIST 1.1 reduced the "
        "maximum from 10 to 5 after the RECIST data warehouse showed little loss (Bogaerts et al. 2009 Eur J "
        "Cancer 45:248)"
    )
    #: SD of the log of the lesions' volume weights.
    size_spread: float = 0.8
    #: Median share of the baseline burden in non-target disease (logit-normal, SD 1 on the logit scale).
    nontarget_share: float = 0.3
    #: SD of log(a_i), the lesion-level exponent on the patient's viable course (median 1).
    response_spread: float = 0.35
    #: SD of delta_i as a multiple of the patient's tumour growth rate.
    growth_spread: float = 0.5
    #: Reader error: SD of the log of a measured diameter.
    reader_cv: float = 0.08
    #: New-lesion rate per cm^3 of viable tumour per day.
    new_lesion_rate: float = 3e-5
    #: Share of patients scanned on after RECIST progression (treatment beyond progression) ...
    beyond_progression: float = 0.51
    #: ... and the mean number of further scans they have (geometric, at least one).
    scans_beyond_progression: float = 2.5
    beyond_source: str = (
        "OAK: 168 of 332 atezolizumab patients with progression (51%) were treated beyond it (Gandara et al. "
        "2018 J Thorac Oncol 13:1906); those scanned on had ~2.5 further scans of their first target lesion in "
        "the OAK target-lesion data (Laleh et al. 2022; a description of the scan protocol, not a response target)"
    )
    source: str = (
        "lesion spreads (size, response exponent, growth deviation) assumed, checked against the OAK "
        "atezolizumab target-lesion data (Laleh et al. 2022) in docs/virtual-populations.md; reader error: "
        "same-day repeat CT of NSCLC lesions, 95% limits of agreement about +-20% for one diameter (Oxnard "
        "et al. 2011 J Clin Oncol 29:3114), i.e. ~8% per reading; new-lesion rate assumed (about 3% per "
        "month for 30 cm^3 of viable tumour)"
    )

    def __post_init__(self) -> None:
        p = np.asarray(self.count_probs, dtype=float)
        if not (1 <= p.size <= MAX_TARGETS and (p >= 0).all() and math.isclose(p.sum(), 1.0, abs_tol=1e-9)):
            raise InputError(f"count_probs must be 1-{MAX_TARGETS} probabilities summing to 1, got {self.count_probs}")
        for name in ("size_spread", "response_spread", "growth_spread", "reader_cv", "new_lesion_rate"):
            v = getattr(self, name)
            if not (math.isfinite(v) and v >= 0):
                raise InputError(f"lesion model: {name} must be a finite number >= 0, got {v}")
        if not 0.0 <= self.nontarget_share < 1.0:
            raise InputError(f"lesion model: nontarget_share must lie in [0, 1), got {self.nontarget_share}")


@dataclass(frozen=True)
class Anatomy:
    """A patient's lesions: arrays of shape (n_patients, MAX_TARGETS + 1); the last slot is non-target."""

    weight: np.ndarray  # share of the baseline burden (rows sum to 1)
    target: np.ndarray  # bool: a measured target lesion
    exponent: np.ndarray  # a_i
    growth: np.ndarray  # delta_i / patient growth rate

    @property
    def n_targets(self) -> np.ndarray:
        return self.target.sum(axis=1)


def draw_anatomy(model: LesionModel, seed: int, patients: np.ndarray, baseline_cells: np.ndarray) -> Anatomy:
    """Lesion count, sizes and lesion-level factors; lesions too small to measure become non-target."""
    ids = np.asarray(patients, dtype=np.int64)
    n, k = ids.size, MAX_TARGETS + 1
    u = uniforms(seed, ids, _ANATOMY)
    cum = np.cumsum(model.count_probs)
    count = 1 + np.searchsorted(cum, u * cum[-1], side="left")
    count = np.minimum(count, len(model.count_probs))
    z = np.stack([normals(seed, ids, _ANATOMY + 1 + j) for j in range(k)], axis=1)
    raw = np.exp(model.size_spread * z[:, :MAX_TARGETS])
    raw[np.arange(MAX_TARGETS)[None, :] >= count[:, None]] = 0.0
    logit_nt = math.log(model.nontarget_share / (1 - model.nontarget_share)) if model.nontarget_share > 0 else -np.inf
    nt_share = 1.0 / (1.0 + np.exp(-(logit_nt + z[:, NONTARGET]))) if model.nontarget_share > 0 else np.zeros(n)
    weight = np.zeros((n, k))
    weight[:, :MAX_TARGETS] = raw / raw.sum(axis=1, keepdims=True) * (1.0 - nt_share)[:, None]
    weight[:, NONTARGET] = nt_share
    target = weight[:, :MAX_TARGETS] > 0
    # A lesion under 10 mm at baseline is not measurable: it joins the non-target disease; the largest
    # lesion stays a target so that every patient has measurable disease.
    diam = _diameter_mm(weight[:, :MAX_TARGETS] * np.asarray(baseline_cells, dtype=float)[:, None])
    small = target & (diam < MEASURABLE_MM)
    small[np.arange(n), np.argmax(weight[:, :MAX_TARGETS], axis=1)] = False
    target &= ~small
    weight[:, NONTARGET] += np.where(small, weight[:, :MAX_TARGETS], 0.0).sum(axis=1)
    weight[:, :MAX_TARGETS] = np.where(small, 0.0, weight[:, :MAX_TARGETS])
    zr = np.stack([normals(seed, ids, _ANATOMY + 10 + j) for j in range(k)], axis=1)
    zg = np.stack([normals(seed, ids, _ANATOMY + 20 + j) for j in range(k)], axis=1)
    exponent = np.exp(model.response_spread * zr)
    growth = model.growth_spread * zg
    # The non-target aggregate is several lesions: its factors average out (half the spread).
    exponent[:, NONTARGET] = np.exp(0.5 * model.response_spread * zr[:, NONTARGET])
    growth[:, NONTARGET] = 0.5 * model.growth_spread * zg[:, NONTARGET]
    return Anatomy(weight, np.concatenate([target, np.zeros((n, 1), bool)], axis=1), exponent, growth)


def _diameter_mm(cells: np.ndarray) -> np.ndarray:
    volume_cm3 = np.maximum(cells, 0.0) / CELLS_PER_CM3
    return 10.0 * np.cbrt(6.0 * volume_cm3 / math.pi)


def true_diameters(
    anatomy: Anatomy, days: np.ndarray, viable: np.ndarray, residue: np.ndarray, growth_rate: np.ndarray
) -> np.ndarray:
    """True lesion diameters (mm), shape (n_patients, MAX_TARGETS + 1, n_days); 0 where not seen.

    ``viable`` and ``residue`` are the patient's viable cells and seen residue (cell equivalents) at
    ``days`` (shape (n_patients, n_days)); ``days`` is (n_days,) shared or (n_patients, n_days) per patient
    (visit windows), its first column the baseline; ``growth_rate`` the patient's tumour growth rate (1/day)."""
    t = np.asarray(days, dtype=float)
    t = t[None, None, :] if t.ndim == 1 else t[:, None, :]
    v = np.maximum(viable, 0.0)
    v0 = v[:, :1]
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(v0 > 0, v / v0, 0.0)[:, None, :]
        delta = (anatomy.growth * np.asarray(growth_rate, dtype=float)[:, None])[:, :, None]
        course = np.where(ratio > 0, np.power(ratio, anatomy.exponent[:, :, None]) * np.exp(delta * t), 0.0)
    cells = anatomy.weight[:, :, None] * (v0[:, None, :] * course + np.maximum(residue, 0.0)[:, None, :])
    d = _diameter_mm(cells)
    return np.where(d >= DETECTION_MM, d, 0.0)


def measure(true_mm: np.ndarray, model: LesionModel, seed: int, patients: np.ndarray) -> np.ndarray:
    """Diameters as a reader records them at each assessment: reader error, whole millimetres (as 89% of
    the OAK target-lesion readings are), 5 mm for a lesion seen but too small to measure."""
    ids = np.asarray(patients, dtype=np.int64)
    n, k, m = true_mm.shape
    z = np.empty(true_mm.shape)
    for i in range(k):
        for j in range(m):
            z[:, i, j] = normals(seed, ids, _READER + 100 * i + j)
    measured = true_mm * np.exp(model.reader_cv * z - 0.5 * model.reader_cv**2)
    measured = np.where((true_mm > 0) & (measured < TOO_SMALL_MM), TOO_SMALL_MM, measured)
    return np.where(true_mm > 0, np.round(measured), 0.0)


def new_lesion_days(
    model: LesionModel, seed: int, patients: np.ndarray, days: np.ndarray, viable: np.ndarray, count: int = 2
) -> np.ndarray:
    """Days on which the first ``count`` new lesions appear (inf: not within ``days``), shape (n, count).

    Inhomogeneous Poisson process with rate ``new_lesion_rate * viable volume (cm^3)``: the k-th event
    is where the cumulative hazard (trapezoid rule over ``days``) passes a sum of k unit exponentials."""
    ids = np.asarray(patients, dtype=np.int64)
    t = np.asarray(days, dtype=float)
    rate = model.new_lesion_rate * np.maximum(viable, 0.0) / CELLS_PER_CM3
    hazard = np.concatenate(
        [np.zeros((rate.shape[0], 1)), np.cumsum(0.5 * (rate[:, 1:] + rate[:, :-1]) * np.diff(t), axis=1)], axis=1
    )
    thresholds = np.cumsum(
        np.stack([-np.log(uniforms(seed, ids, _NEW + j)) for j in range(count)], axis=1), axis=1
    )
    out = np.full((ids.size, count), np.inf)
    for j in range(count):
        idx = (hazard < thresholds[:, j : j + 1]).sum(axis=1)
        hit = idx < t.size
        out[hit, j] = t[idx[hit]]
    return out


def scans_after_progression(model: LesionModel, seed: int, patients: np.ndarray) -> np.ndarray:
    """Further scans after the first progression, per patient: 0, or a geometric count >= 1 (mean as set).

    Drawn from the patient's anatomy seed: whether a patient is scanned on is a property of the patient
    (clinical benefit), the same in every trial that patient joins."""
    ids = np.asarray(patients, dtype=np.int64)
    on = uniforms(seed, ids, _ANATOMY + 40) < model.beyond_progression
    p = 1.0 / max(model.scans_beyond_progression, 1.0)
    extra = 1 + np.floor(np.log(uniforms(seed, ids, _ANATOMY + 41)) / np.log1p(-p)) if p < 1 else np.ones(ids.size)
    return np.where(on, extra, 0).astype(np.int64)


def nontarget_progression(true_mm: np.ndarray) -> np.ndarray:
    """Unequivocal non-target progression at each time: volume >= 1.73 x its nadir so far (bool (n, m))."""
    vol = true_mm[:, NONTARGET, :] ** 3
    nadir = np.minimum.accumulate(vol, axis=1)
    return (nadir > 0) & (vol >= (1.0 + NONTARGET_PD_VOLUME) * nadir) | ((nadir == 0) & (vol > 0))
