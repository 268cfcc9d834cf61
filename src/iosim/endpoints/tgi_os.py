"""Overall survival from tumour dynamics: a tumour growth inhibition–OS model (Claret/Bruno tradition).

Claret et al. 2018 (Clin Cancer Res 24:3292) linked each atezolizumab or docetaxel patient's
on-treatment tumour growth rate (KG, estimated from the sums of diameters) to OS with a log-normal
model fitted on POPLAR, and predicted OAK's OS hazard ratio (0.73 predicted, 0.73 observed); Chan et
al. 2021 (CPT Pharmacometrics Syst Pharmacol 10:1171) found the growth rate the strongest predictor
of OS in every tumour type of 6,699 atezolizumab patients. iosim uses the same structure:

    log OS_i = intercept + beta_log_g * log(g_i / g_ref) + sigma * eps_i,    eps_i ~ N(0, 1)   (months)

``g_i`` is the growth rate g of the Stein model f e^(-d t) + (1 - f) e^(g t) (:func:`iosim.fitting.fit_tgi`)
fitted to the patient's simulated sum of diameters over the first ``window_weeks`` of treatment,
floored at ``g_floor_per_day`` (a tumour that never regrows in the window). The growth rate is a
property of the simulated tumour, read from the model's course whatever happens to the patient, so
death does not censor its own covariate. ``eps_i`` comes from the patient's death uniform (seeded per
patient, as the burden model's). Baseline prognostic factors (albumin, metastatic sites, ECOG) are
not simulated yet: their spread is part of ``sigma``.

Coefficients are per cancer type (:data:`TGI_OS`) and calibrated only on the registry's allowed rows;
a cancer without them keeps the burden hazard of :mod:`iosim.endpoints.death`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import ndtri

from iosim.errors import InputError


@dataclass(frozen=True)
class TgiOsModel:
    intercept: float
    beta_log_g: float
    sigma: float
    source: str
    #: Reference growth rate (chosen: near the median g of OAK's atezolizumab lesions, docs/data.md).
    g_ref_per_day: float = 0.002
    #: Smallest growth rate used (assumed): a diameter doubling in ~19 years, below what a year of scans
    #: with 8% reader error can tell from no growth.
    g_floor_per_day: float = 1e-4
    #: Tumour course used for g (chosen: 48 weeks, the data cut-offs from which Claret 2018's POPLAR model
    #: predicted OAK's success, 40 weeks and later).
    window_weeks: float = 48.0

    def __post_init__(self) -> None:
        if not (self.sigma > 0 and math.isfinite(self.intercept) and math.isfinite(self.beta_log_g)):
            raise InputError("TgiOsModel needs a finite intercept and slope and a positive sigma")

    def log_months(self, g: np.ndarray) -> np.ndarray:
        """Median log OS (months) of patients with growth rates ``g`` (per day)."""
        g = np.maximum(np.nan_to_num(np.asarray(g, dtype=float), nan=self.g_floor_per_day), self.g_floor_per_day)
        return self.intercept + self.beta_log_g * np.log(g / self.g_ref_per_day)

    def sample_with_uniforms(self, g, u, follow_up_months: float) -> tuple[np.ndarray, np.ndarray]:
        """Death times (months) and whether death falls within follow-up; one uniform per patient."""
        u = np.asarray(u, dtype=float)
        months = np.exp(self.log_months(g) + self.sigma * ndtri(u))
        died = months <= follow_up_months
        return np.where(died, months, follow_up_months), died


def growth_rates(days: np.ndarray, sld_mm: np.ndarray, window_weeks: float, g_floor: float) -> np.ndarray:
    """Per patient, the Stein-model growth rate g (per day) of ``sld_mm`` (patients x days) over the window;
    a course that cannot be fitted (no baseline) or never regrows gets ``g_floor``."""
    from iosim.fitting.tgi import fit_tgi

    days = np.asarray(days, dtype=float)
    keep = days <= window_weeks * 7.0
    n, m = sld_mm.shape[0], int(keep.sum())
    table = pd.DataFrame({
        "patient": np.repeat(np.arange(n), m),
        "day": np.tile(days[keep], n),
        "diameter_mm": np.asarray(sld_mm, dtype=float)[:, keep].ravel(),
    })  # fmt: skip
    fits = fit_tgi(table).set_index("patient").reindex(np.arange(n))
    g = fits["g"].to_numpy(dtype=float)
    return np.where(np.isfinite(g), np.maximum(g, g_floor), g_floor)


#: Per cancer type. NSCLC: calibrated on POPLAR (Fehrenbacher 2016 Lancet 387:1837): both arms' median OS
#: and the OS hazard ratio, with the docetaxel and atezolizumab arms simulated on the NSCLC population
#: selected on OAK (examples/calibrate_tgi_os.py). OAK's and CheckMate 057's OS are predictions.
TGI_OS: dict[str, TgiOsModel] = {
    "nsclc": TgiOsModel(
        intercept=2.230,
        beta_log_g=-0.368,
        sigma=0.997,
        source="calibrated: POPLAR median OS 12.6 (atezolizumab) and 9.7 months (docetaxel), HR 0.73",
    ),
}
