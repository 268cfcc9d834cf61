"""Counter-based random numbers: patient ``i``'s draws depend only on (seed, i, stream).

A virtual patient is the same patient whichever chunk, worker or arm simulates it, and
whatever the trial size: every draw is a hash of its coordinates (SplitMix64 finaliser),
computed for whole arrays of patients at once. Arms of a trial share patients (common
random numbers), so arm differences are not blurred by sampling noise.
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtri

_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def _mix(x: np.ndarray) -> np.ndarray:
    x = x.astype(np.uint64, copy=True)
    with np.errstate(over="ignore"):
        x ^= x >> np.uint64(30)
        x *= _M1
        x ^= x >> np.uint64(27)
        x *= _M2
        x ^= x >> np.uint64(31)
    return x


def uniforms(seed: int, patients: np.ndarray, stream: int) -> np.ndarray:
    """One uniform in (0, 1) per patient for draw number ``stream``."""
    p = np.asarray(patients, dtype=np.uint64)
    with np.errstate(over="ignore"):
        key = _mix(np.array([seed], dtype=np.uint64) * _GOLDEN + np.uint64(stream))[0]
        bits = _mix(p * _GOLDEN ^ key)
    # 53 random bits -> (0, 1), never exactly 0 or 1.
    return ((bits >> np.uint64(11)).astype(np.float64) + 0.5) / 2.0**53


def normals(seed: int, patients: np.ndarray, stream: int) -> np.ndarray:
    return ndtri(uniforms(seed, patients, stream))
