"""Overall survival from tumour dynamics: a tumour growth inhibition–OS model (Claret/Bruno tradition).

Claret et al. 2018 (Clin Cancer Res 24:3292) linked each atezolizumab or docetaxel patient's
on-treatment tumour growth rate (KG, estimated from the sums of diameters) to OS with a log-normal
model fitted on POPLAR, and predicted OAK's OS hazard ratio (0.73 predicted, 0.73 observed); Chan et
al. 2021 (CPT Pharmacometrics Syst Pharmacol 10:1171) found the growth rate the strongest predictor
of OS in every tumour type of 6,699 atezolizumab patients. iosim uses the same structure:

    log OS_i = intercept + beta_log_g * log(g_i / g_ref) + sigma * eps_i,    eps_i ~ N(0, 1)   (months)

``g_i`` is the growth rate constant KG of Claret 2018's biexponential model e^(-KS t) + e^(KG t) - 1
(:func:`iosim.fitting.kg.fit_kg`) fitted to the patient's simulated sum of diameters over the first
``window_weeks`` of treatment, floored at ``g_floor_per_day`` (a tumour with no growth phase in the
window). The growth rate is a property of the simulated tumour, read from the model's course whatever
happens to the patient, so death does not censor its own covariate. ``eps_i`` comes from the patient's
death uniform (seeded per patient, as the burden model's).

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
    #: How g is read from the course (:data:`GROWTH_METRICS`): the coefficients were fitted with it, so it is
    #: part of the model.
    growth_metric: str = "kg"

    def __post_init__(self) -> None:
        if not (self.sigma > 0 and math.isfinite(self.intercept) and math.isfinite(self.beta_log_g)):
            raise InputError("TgiOsModel needs a finite intercept and slope and a positive sigma")
        if self.growth_metric not in GROWTH_METRICS:
            raise InputError(
                f"TgiOsModel.growth_metric must be one of {', '.join(GROWTH_METRICS)}, got {self.growth_metric!r}"
            )

    def growth_rates(self, days: np.ndarray, sld_mm: np.ndarray) -> np.ndarray:
        """Per patient, this model's growth rate (per day) of ``sld_mm`` (patients x days) over its window."""
        return growth_rates(days, sld_mm, self.window_weeks, self.g_floor_per_day, self.growth_metric)

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


#: Growth-rate estimators: ``kg``, Claret 2018's biexponential e^(-KS t) + e^(KG t) - 1 without a sensitive
#: fraction (:func:`iosim.fitting.kg.fit_kg`); ``stein``, the Stein model f e^(-d t) + (1 - f) e^(g t)
#: (:func:`iosim.fitting.fit_tgi`), which fits a delayed response ending on a plateau (flat, a drop, flat:
#: common under checkpoint inhibitors and continuing chemotherapy) with a vanishing fraction regrowing fast,
#: so durable responders read as fast growers (docs/endpoints.md).
GROWTH_METRICS = ("kg", "stein")


def growth_rates(
    days: np.ndarray, sld_mm: np.ndarray, window_weeks: float, g_floor: float, metric: str = "kg"
) -> np.ndarray:
    """Per patient, the growth rate (per day) of ``sld_mm`` (patients x days, column 0 the baseline) over the
    window by ``metric`` (:data:`GROWTH_METRICS`), floored at ``g_floor``. A course with no growth phase or
    that cannot be fitted (no baseline) gets the floor."""
    days = np.asarray(days, dtype=float)
    keep = days <= window_weeks * 7.0
    sld = np.asarray(sld_mm, dtype=float)[:, keep]
    if metric == "stein":
        g = _stein_g(days[keep], sld)
    else:
        from iosim.fitting.kg import fit_kg

        _, g = fit_kg(days[keep] - days[0], sld)
    return np.where(np.isfinite(g), np.maximum(g, g_floor), g_floor)


def _stein_g(days: np.ndarray, sld: np.ndarray) -> np.ndarray:
    """The Stein model's g of each course (NaN where it cannot be fitted)."""
    import pandas as pd

    from iosim.fitting.tgi import fit_tgi

    n, m = sld.shape
    table = pd.DataFrame({
        "patient": np.repeat(np.arange(n), m),
        "day": np.tile(days, n),
        "diameter_mm": sld.ravel(),
    })  # fmt: skip
    fits = fit_tgi(table).set_index("patient").reindex(np.arange(n))
    return fits["g"].to_numpy(dtype=float)


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
#: predictions. Melanoma is added below; every other cancer keeps the burden hazard (docs/endpoints.md).
TGI_OS: dict[str, TgiOsModel] = {
    "nsclc": TgiOsModel(
        intercept=2.153,
        beta_log_g=-0.346,
        sigma=0.998,
        source="calibrated: POPLAR median OS 12.6 (atezolizumab) and 9.7 months (docetaxel), HR 0.73 "
        "(fit 12.9, 9.6, 0.75 with 1,000 patients per arm), g by the Stein model",
        factors=NSCLC_FACTORS,
        next_line=NSCLC_NEXT_LINE,
        growth_metric="stein",
    ),
}

#: NSCLC's coefficients fitted the same way on POPLAR with g read as KG (``python examples/calibrate_tgi_os.py
#: nsclc`` on an NSCLC model with ``growth_metric="kg"``): intercept 1.536, slope -0.885, sigma 1.000 (fit 13.4,
#: 9.1 months, HR 0.77, 1,000 patients per arm; the fit is flat in sigma, which stayed at its start). Not adopted
#: for NSCLC: under it OAK's calibrated lesion rows leave their CIs, and selecting the NSCLC population again
#: under it did not bring them back (docs/endpoints.md). Melanoma, read with KG, borrows this slope and sigma.
NSCLC_KG_SLOPE, NSCLC_KG_SIGMA = -0.885, 1.000

#: Melanoma, first line: the intercept calibrated on CheckMate 066's dacarbazine median OS (Robert 2015 NEJM
#: 372:320; ``python examples/calibrate_tgi_os.py melanoma``), the one OS observation the registry allows for
#: fitting. Slope and sigma are NSCLC's, not fitted: one observation cannot fix them, no published melanoma
#: TGI-OS coefficients were at hand, and Chan 2021 (CPT PSP 10:1171) found the growth rate the strongest OS
#: predictor in every one of the five tumour types they modelled.
TGI_OS["melanoma"] = TgiOsModel(
    intercept=2.310,
    beta_log_g=NSCLC_KG_SLOPE,
    sigma=NSCLC_KG_SIGMA,
    source="intercept calibrated: CheckMate 066 dacarbazine median OS 10.8 months (fit 10.8 with 1,000 "
    "patients); slope and sigma: NSCLC's (Chan 2021: growth rate the strongest OS predictor in every tumour type)",
    factors=MELANOMA_FACTORS,
    next_line=MELANOMA_NEXT_LINE,
)
