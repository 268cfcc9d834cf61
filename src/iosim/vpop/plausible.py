"""Plausible patients: parameter sets spread evenly over sourced ranges (Allen et al. 2016, step 1).

A Sobol sequence covers the box of each varied parameter's plausible range (log scale for rates
and amounts, logit scale for fractions); weight and height are drawn as in parametric populations.
Whether a plausible patient becomes a virtual patient is decided later, against data
(:mod:`iosim.vpop.select`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from iosim.errors import InputError
from iosim.trials.population import HEIGHT, WEIGHT, _transform
from iosim.trials.rng import normals


@dataclass(frozen=True)
class Range:
    """The plausible range of one patient parameter."""

    name: str
    low: float
    high: float
    scale: Literal["log", "logit"]
    source: str

    def __post_init__(self) -> None:
        lo_ok = self.low > 0 and (self.scale == "log" or self.high < 1)
        if not (lo_ok and self.low < self.high and math.isfinite(self.high)):
            raise InputError(f"plausible range of {self.name}: need 0 < low < high (< 1 on the logit scale)")

    def map(self, u: np.ndarray) -> np.ndarray:
        """Unit-interval coordinates to parameter values."""
        if self.scale == "log":
            return np.exp(math.log(self.low) + u * (math.log(self.high) - math.log(self.low)))
        lo, hi = (math.log(x / (1 - x)) for x in (self.low, self.high))
        return 1.0 / (1.0 + np.exp(-(lo + u * (hi - lo))))


LN2 = math.log(2.0)
#: Plausible ranges for solid tumours treated in second line (used for NSCLC).
SOLID_RANGES = (
    Range("growth_rate", LN2 / 800.0, LN2 / 25.0, "log",
          "volume doubling times of untreated NSCLC and its metastases span ~25-800 days (Detterbeck & Gibson "
          "2008 J Thorac Oncol 3:781, review of 20 series)"),
    Range("immunogenicity", 0.03, 15.0, "log",
          "assumed: tumour mutational burden spans 0.5-50 mut/Mb within NSCLC (Chalmers et al. 2017 Genome Med "
          "9:34, fig. 2) times presentation 0.1-1 (HLA loss, McGranahan 2017 Cell 171:1259)"),
    Range("infiltration", 0.02, 0.98, "logit",
          "immune desert to inflamed phenotypes within one tumour type (Chen & Mellman 2017 Nature 541:321)"),
    Range("pdl1_base", 0.01, 0.95, "logit",
          "PD-L1 tumour proportion score 0-100% within NSCLC (Garon et al. 2015 NEJM 372:2018)"),
    Range("residue_clearance", LN2 / 120.0, LN2 / 7.0, "log",
          "assumed: necrotic tumour is resorbed over one week to four months; after immunotherapy, residual "
          "masses of necrosis and fibrosis without viable tumour are common (Tetzlaff et al. 2018 Ann Oncol "
          "29:1861; Cottrell et al. 2018 Ann Oncol 29:1853, pathological regression beds in NSCLC)"),
    Range("fibrosis_fraction", 0.001, 0.3, "log",
          "assumed: the share of killed tumour left as scar ranges from almost none to a third of the regression "
          "bed (Cottrell et al. 2018 Ann Oncol 29:1853: fibrosis is a hallmark of the immune-related regression "
          "bed)"),
    Range("tumour_cells", 1e10, 6e11, "log",
          "first target lesions of 10-190 mm (median 37 mm) in the OAK target-lesion data (Laleh et al. 2022), "
          "with 1-5 target lesions and non-target disease"),
)  # fmt: skip

_COVARIATE_STREAM = 70_000


def plausible_patients(n: int, seed: int, ranges: tuple[Range, ...] = SOLID_RANGES) -> pd.DataFrame:
    """``n`` plausible patients: ``source_patient`` (0..n-1), one column per range, weight and height."""
    from scipy.stats import qmc

    if not (isinstance(n, int) and 1 <= n <= 10_000_000):
        raise InputError(f"number of plausible patients must be a whole number in 1..10,000,000, got {n!r}")
    names = [r.name for r in ranges]
    if len(set(names)) != len(names):
        raise InputError(f"plausible ranges name a parameter twice: {names}")
    m = max(int(math.ceil(math.log2(n))), 1)
    u = qmc.Sobol(len(ranges), scramble=True, seed=seed % 2**32).random_base2(m)[:n]
    ids = np.arange(n, dtype=np.int64)
    df = pd.DataFrame({"source_patient": ids})
    for j, r in enumerate(ranges):
        df[r.name] = r.map(u[:, j])
    df["weight_kg"] = np.maximum(_transform(WEIGHT[1], WEIGHT[0], normals(seed, ids, _COVARIATE_STREAM)), 35.0)
    df["height_cm"] = np.maximum(_transform(HEIGHT[1], HEIGHT[0], normals(seed, ids, _COVARIATE_STREAM + 1)), 140.0)
    return df
