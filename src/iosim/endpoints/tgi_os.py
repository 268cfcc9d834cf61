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
patient, as the burden model's).

Two additions (Chan 2021's full models; issue 14):

* **Baseline prognostic factors** (:class:`PrognosticFactor`: ECOG performance status 1 vs 0, LDH above
  the upper limit of normal, three or more metastatic sites), each 0 or 1 per patient, drawn in the
  population with the published share (:mod:`iosim.trials.prognosis`). A factor with hazard ratio HR moves
  log OS by ``-sigma * log(HR) * (x - share)``: the Weibull relation between a hazard ratio and a time ratio
  (exact for a Weibull model of scale sigma, close for the log-normal), centred on the share so that the
  intercept stays the log median of an average patient.
* **Next-line therapy** (:class:`NextLine`): a patient who progresses radiologically while alive and is
  among the arm's published share treated further (``next_line:`` of a trial arm) lives the time after
  progression ``time_ratio`` times longer, the survival gain of a later-line therapy over none.

Coefficients are per cancer type (:data:`TGI_OS`) and calibrated only on the registry's allowed rows;
a cancer without them keeps the burden hazard of :mod:`iosim.endpoints.death` (docs/endpoints.md).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import ndtri

from iosim.errors import InputError


@dataclass(frozen=True)
class PrognosticFactor:
    """A baseline factor present (1) in a ``share`` of patients, with hazard ratio of death ``hazard_ratio``."""

    name: str
    share: float
    hazard_ratio: float
    source: str

    def __post_init__(self) -> None:
        if not (0.0 < self.share < 1.0 and self.hazard_ratio > 0 and math.isfinite(self.hazard_ratio)):
            raise InputError(
                f"prognostic factor {self.name}: share must lie in (0, 1) and the hazard ratio be positive"
            )


@dataclass(frozen=True)
class NextLine:
    """Survival after progression multiplied by ``time_ratio`` for a patient given next-line therapy."""

    time_ratio: float
    source: str

    def __post_init__(self) -> None:
        if not (self.time_ratio > 0 and math.isfinite(self.time_ratio)):
            raise InputError(f"next-line time ratio must be a positive number, got {self.time_ratio!r}")


@dataclass(frozen=True)
class TgiOsModel:
    intercept: float
    beta_log_g: float
    sigma: float
    source: str
    #: Baseline prognostic factors (empty: their spread is part of sigma).
    factors: tuple[PrognosticFactor, ...] = ()
    #: The effect of next-line therapy after progression (None: none modelled).
    next_line: NextLine | None = None
    #: Reference growth rate (chosen: near the median g of OAK's atezolizumab lesions, docs/data.md).
    g_ref_per_day: float = 0.002
    #: Smallest growth rate used (assumed): a diameter doubling in ~19 years, below what a year of scans
    #: with 8% reader error can tell from no growth.
    g_floor_per_day: float = 1e-4
    #: Tumour course used for g (chosen: 48 weeks, the data cut-offs from which Claret 2018's POPLAR model
    #: predicted OAK's success, 40 weeks and later).
    window_weeks: float = 48.0
    #: Regrowth rule of :func:`growth_rates` (None: off, the Stein fit's g as it comes).
    regrowth_fraction: float | None = None

    def __post_init__(self) -> None:
        if not (self.sigma > 0 and math.isfinite(self.intercept) and math.isfinite(self.beta_log_g)):
            raise InputError("TgiOsModel needs a finite intercept and slope and a positive sigma")

    def log_months(self, g: np.ndarray) -> np.ndarray:
        """Median log OS (months) of patients with growth rates ``g`` (per day)."""
        g = np.maximum(np.nan_to_num(np.asarray(g, dtype=float), nan=self.g_floor_per_day), self.g_floor_per_day)
        return self.intercept + self.beta_log_g * np.log(g / self.g_ref_per_day)

    def factor_shift(self, factors: Mapping[str, np.ndarray] | None, n: int) -> np.ndarray:
        """Per patient, the prognostic factors' shift of log OS (0 for the average patient)."""
        shift = np.zeros(n)
        for f in self.factors:
            if factors is None or f.name not in factors:
                raise InputError(f"the OS model needs prognostic factor {f.name!r} for every patient")
            x = np.asarray(factors[f.name], dtype=float)
            shift += -self.sigma * math.log(f.hazard_ratio) * (x - f.share)
        return shift

    def death_months(self, g, u, factors: Mapping[str, np.ndarray] | None = None) -> np.ndarray:
        """Death times (months, not censored) from growth rates, one uniform per patient and the factors."""
        u = np.asarray(u, dtype=float)
        return np.exp(self.log_months(g) + self.factor_shift(factors, u.size) + self.sigma * ndtri(u))

    def after_progression(self, months, progression_months, treated) -> np.ndarray:
        """Death times once next-line therapy stretches the survival after progression of treated patients
        who progressed while alive; unchanged without a next-line effect."""
        months = np.asarray(months, dtype=float)
        if self.next_line is None:
            return months
        prog = np.asarray(progression_months, dtype=float)
        gets = np.asarray(treated, dtype=bool) & (prog < months)
        start = np.where(gets, prog, months)  # no progression (inf) or after death: unchanged
        return start + self.next_line.time_ratio * (months - start)

    def sample_with_uniforms(
        self,
        g,
        u,
        follow_up_months: float,
        factors: Mapping[str, np.ndarray] | None = None,
        progression_months=None,
        next_line=None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Death times (months) and whether death falls within follow-up; one uniform per patient.

        ``progression_months`` (inf: none) and ``next_line`` (bool per patient: would be treated further)
        apply the next-line effect."""
        months = self.death_months(g, u, factors)
        if progression_months is not None and next_line is not None:
            months = self.after_progression(months, progression_months, next_line)
        died = months <= follow_up_months
        return np.where(died, months, follow_up_months), died


#: Smallest rise above the nadir that counts as regrowth (chosen: 10%, half of RECIST's 20% progression
#: threshold and above the ~8% reader error): below it the growing part of the Stein model is not identified.
REGROWTH_FRACTION = 0.10


def growth_rates(
    days: np.ndarray, sld_mm: np.ndarray, window_weeks: float, g_floor: float, regrowth: float | None = None
) -> np.ndarray:
    """Per patient, the Stein-model growth rate g (per day) of ``sld_mm`` (patients x days) over the window.

    A course that cannot be fitted (no baseline) gets ``g_floor``. With ``regrowth`` (e.g.
    :data:`REGROWTH_FRACTION`), so does a course that does not regrow in the window: no value after its nadir
    is that fraction above it. Without the rule, a delayed response that ends on a plateau (flat, then a drop,
    then flat: common under checkpoint inhibitors, and under continuing chemotherapy) is fitted with a
    vanishing growing fraction at a large rate, so such tumours read as fast-growing (docs/endpoints.md)."""
    from iosim.fitting.tgi import fit_tgi

    days = np.asarray(days, dtype=float)
    keep = days <= window_weeks * 7.0
    n, m = sld_mm.shape[0], int(keep.sum())
    sld = np.asarray(sld_mm, dtype=float)[:, keep]
    table = pd.DataFrame({
        "patient": np.repeat(np.arange(n), m),
        "day": np.tile(days[keep], n),
        "diameter_mm": sld.ravel(),
    })  # fmt: skip
    fits = fit_tgi(table).set_index("patient").reindex(np.arange(n))
    g = fits["g"].to_numpy(dtype=float)
    g = np.where(np.isfinite(g), np.maximum(g, g_floor), g_floor)
    if regrowth is None:
        return g
    nadir_at = np.argmin(np.where(np.isnan(sld), np.inf, sld), axis=1)
    after = np.where(np.arange(m)[None, :] >= nadir_at[:, None], sld, -np.inf)
    nadir = np.take_along_axis(sld, nadir_at[:, None], axis=1)[:, 0]
    regrows = np.nanmax(after, axis=1) > (1.0 + regrowth) * nadir
    return np.where(regrows, g, g_floor)


#: ECOG performance status 1 (vs 0): hazard ratio assumed 1.5 in both cancers, the size of the effect
#: Chan et al. 2021 (CPT PSP 10:1171) kept in their final TGI-OS models; it is not fitted here.
_ECOG_HR = (
    "assumed hazard ratio 1.5: ECOG performance status is a significant OS covariate in the final "
    "TGI-OS models of Chan 2021 CPT PSP 10:1171; the value is not fitted"
)

#: NSCLC, second line: POPLAR/OAK patients (Claret 2018 kept albumin and the number of metastatic sites).
NSCLC_FACTORS = (
    PrognosticFactor("ecog_1", 0.63, 1.5,
                     "share: OAK ECOG 1 in 63% (Rittmeyer 2017 Lancet 389:255, Table 1); " + _ECOG_HR),
    PrognosticFactor("metastatic_sites_3plus", 0.45, 1.4,
                     "assumed share 45% and hazard ratio 1.4: the number of metastatic sites is one of the two "
                     "baseline factors of Claret 2018's POPLAR OS model (Clin Cancer Res 24:3292)"),
)  # fmt: skip
#: Melanoma, first line: CheckMate 066 patients.
MELANOMA_FACTORS = (
    PrognosticFactor("ecog_1", 0.36, 1.5,
                     "share: CheckMate 066 ECOG >= 1 in about 36% of both arms together (Robert 2015 NEJM 372:320, "
                     "Table 1); " + _ECOG_HR),
    PrognosticFactor("ldh_elevated", 0.37, 2.0,
                     "share: CheckMate 066 LDH above the upper limit of normal in about 37% (Robert 2015 NEJM "
                     "372:320, Table 1); assumed hazard ratio 2.0: elevated LDH defines M1c and is the strongest "
                     "baseline prognostic factor of stage IV melanoma (Balch 2009 J Clin Oncol 27:6199)"),
)  # fmt: skip
#: Next-line effects: the median-OS ratio of a later-line therapy over none in a randomised trial.
NSCLC_NEXT_LINE = NextLine(
    6.7 / 4.7,
    "BR.21: erlotinib vs placebo after one or two chemotherapy lines, median OS "
    "6.7 vs 4.7 months (Shepherd 2005 NEJM 353:123)",
)
MELANOMA_NEXT_LINE = NextLine(
    10.1 / 6.4,
    "ipilimumab vs gp100 in previously treated melanoma, median OS 10.1 vs 6.4 months (Hodi 2010 NEJM 363:711)",
)

#: Per cancer type. NSCLC: calibrated on POPLAR (Fehrenbacher 2016 Lancet 387:1837): both arms' median OS
#: and the OS hazard ratio, with the docetaxel and atezolizumab arms simulated on the NSCLC population
#: selected on OAK (``python examples/calibrate_tgi_os.py nsclc``). OAK's and CheckMate 057's OS are
#: predictions. Every other cancer keeps the burden hazard (docs/endpoints.md says why melanoma does too).
TGI_OS: dict[str, TgiOsModel] = {
    "nsclc": TgiOsModel(
        intercept=2.153,
        beta_log_g=-0.346,
        sigma=0.998,
        source="calibrated: POPLAR median OS 12.6 (atezolizumab) and 9.7 months (docetaxel), HR 0.73 "
        "(fit 12.9, 9.6, 0.75 with 1,000 patients per arm)",
        factors=NSCLC_FACTORS,
        next_line=NSCLC_NEXT_LINE,
    ),
}

#: Melanoma, not adopted (docs/endpoints.md): the intercept calibrated on CheckMate 066's dacarbazine median OS
#: (``python examples/calibrate_tgi_os.py melanoma``, which registers this model for its own run) with NSCLC's
#: slope and sigma. Under it CheckMate 067's calibrated nivolumab ORR and PFS rows leave their CIs (the melanoma
#: population was calibrated under the burden hazard) and, without the regrowth rule, deep nivolumab responders
#: read as fast growers (CheckMate 066 OS HR 1.15 against dacarbazine).
MELANOMA_CANDIDATE = TgiOsModel(
    intercept=2.279,
    beta_log_g=-0.346,
    sigma=0.998,
    source="intercept calibrated: CheckMate 066 dacarbazine median OS 10.8 months (fit 10.8 with 1,000 "
    "patients); slope and sigma: NSCLC's",
    factors=MELANOMA_FACTORS,
    next_line=MELANOMA_NEXT_LINE,
)
