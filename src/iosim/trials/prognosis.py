"""Baseline prognostic factors and next-line treatment, drawn per patient from counter-based random numbers.

Each factor of the cancer's OS model (:class:`iosim.endpoints.tgi_os.PrognosticFactor`) is 1 in its
published share of patients. The draws are functions of (seed, patient, factor name) only
(:mod:`iosim.trials.rng`), so a patient has the same factors in every chunk, worker and arm. They are
drawn independently of the tumour's parameters: iosim has no published joint distribution to tie them.
"""

from __future__ import annotations

import zlib

import numpy as np

from iosim.endpoints.tgi_os import PrognosticFactor
from iosim.trials.rng import uniforms

#: Streams 140,000-140,999 (a factor's is set by its name, so adding a factor does not move the others);
#: 141,000 decides whether a patient who progresses is treated further.
_FACTOR_STREAM, _NEXT_LINE_STREAM = 140_000, 141_000


def draw_factors(seed: int, patients: np.ndarray, factors: tuple[PrognosticFactor, ...]) -> dict[str, np.ndarray]:
    """Per factor name, 1.0 for patients with the factor and 0.0 for the others."""
    out = {}
    for f in factors:
        stream = _FACTOR_STREAM + zlib.crc32(f.name.encode()) % 1000
        out[f.name] = (uniforms(seed, patients, stream) < f.share).astype(float)
    return out


def next_line_treated(seed: int, patients: np.ndarray, share: float) -> np.ndarray:
    """Whether each patient would be given next-line therapy after progression (a ``share`` of them)."""
    return uniforms(seed, patients, _NEXT_LINE_STREAM) < share
