"""Binomial proportions with Wilson score intervals (Wilson 1927).

The Wilson interval keeps sensible coverage near 0 and 1 and with few replicates, where
the normal (Wald) interval collapses to a point; it is what the surveillance curves use.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy.stats import norm

from iosim.errors import InputError


@dataclass(frozen=True)
class Proportion:
    successes: int
    trials: int
    p: float
    ci_low: float
    ci_high: float
    confidence: float = 0.95


def wilson_interval(successes: int, trials: int, confidence: float = 0.95) -> tuple[float, float]:
    if trials <= 0:
        return math.nan, math.nan
    if not 0 < confidence < 1:
        raise InputError(f"confidence must lie between 0 and 1, got {confidence}")
    z = float(norm.ppf(0.5 + confidence / 2))
    p = successes / trials
    denom = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denom
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denom
    lo = 0.0 if successes == 0 else max(0.0, centre - half)
    hi = 1.0 if successes == trials else min(1.0, centre + half)
    return lo, hi


def proportion(successes: int, trials: int, confidence: float = 0.95) -> Proportion:
    lo, hi = wilson_interval(successes, trials, confidence)
    return Proportion(successes, trials, successes / trials if trials else math.nan, lo, hi, confidence)
