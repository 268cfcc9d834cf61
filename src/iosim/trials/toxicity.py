"""Per-patient toxicity in a virtual trial, with probabilities tied to each patient's exposure.

Three kinds, each a small frozen model with its sources, defined in :mod:`iosim.therapy.toxicity`
(constants calibrated by ``examples/calibrate_toxicity.py``, which reruns the calibration trials and
prints new values); this module draws each patient's events from them:

* ``irae`` - immune-related grade 3-4 adverse events of checkpoint inhibitors. Probability
  ``1 - (1 - a PD)(1 - b CT)(1 - c PD CT)`` with PD and CT the patient's mean PD-1/PD-L1 blockade and
  CTLA-4 occupancy over the first 12 weeks of treatment (the structure of
  :func:`iosim.therapy.toxicity.irae_indicator`). A share of the events (the most severe draws)
  leads to permanent discontinuation, with ``1 - (1 - a' PD)(1 - b' CT)(1 - c' PD CT)``; grade 4
  events always do (ASCO guideline, Brahmer 2018 J Clin Oncol 36:1714: permanently discontinue for
  grade 4 irAEs). Calibrated to CheckMate 067 (Larkin 2015 NEJM 373:23, Table 3).
* ``crs`` - cytokine release syndrome after CAR-T cells, graded 1-4 (Lee 2014 Blood 124:188). A
  latent severity ``log10(peak antigen-engaged CAR-T cells) + sigma z`` (the peak of
  :func:`engaged_car_t`, the CAR-T cells the model's antigen drive engages, on the
  trial's weekly output grid) crosses per-grade thresholds calibrated to ZUMA-1
  (Neelapu 2017 NEJM 377:2531: any grade 93%, grade >= 3 13%). A one-off infusion: nothing to stop.
* ``capillary_leak`` - grade 3-4 capillary leak (hypotension) of IL-2, with probability
  ``1 - exp(-k d)`` for the dose per kg ``d`` relative to 600,000 IU/kg (each bolus raises the risk by
  the same hazard; low doses rarely cause it). ``k`` is calibrated to the IL-2-alone arm of
  Schwartzentruber 2011 (NEJM 364:2119, Table 3: grade 3-5 cardiovascular toxicity, mostly hypotension,
  in 25 of 93 patients at 720,000 IU/kg). Half of the events stop the remaining IL-2 doses (assumed).

Each patient's event, grade and onset day are drawn from counter-based uniforms
(:mod:`iosim.trials.rng`), so a patient has the same draws in any chunk or worker. An event counts
when it begins before death, within follow-up and within :data:`REPORTING_DAYS` of the patient's
last dose (a discontinuation needs a dose left to stop).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

# The calibrated models live with the therapies (they read nothing of a trial); trials draw from them.
from iosim.therapy.toxicity import CAPILLARY_LEAK, CRS, IRAE, engaged_car_t
from iosim.trials.rng import normals, uniforms

#: Events are reported up to 100 days after the last dose (assumed: the safety follow-up of the
#: CheckMate protocols; events later than that are not counted as treatment-related here).
REPORTING_DAYS = 100.0
#: Exposure window for checkpoint inhibitors: the first 12 weeks of treatment (most grade 3-4 irAEs of
#: ipilimumab and of the combination begin within it; Weber 2012 J Clin Oncol 30:2691).
EXPOSURE_DAYS = 84.0
_STREAM = 200_000  # disjoint from every other stream (population < 2,000; death 10,000; lesions < 60,000;
# marrow recovery 100,000)
COLUMNS = {"arm": "object", "patient": "int64", "day": "float64", "kind": "object", "grade": "int64",
           "discontinued": "bool"}  # fmt: skip


@dataclass(frozen=True)
class Exposure:
    """Per patient: mean PD-1/PD-L1 blockade and CTLA-4 occupancy over the first 12 weeks, peak
    antigen-engaged CAR-T cells, and the IL-2 dose per kg relative to high dose; the first day of each."""

    pd_block: np.ndarray
    ctla4: np.ndarray
    car_peak: np.ndarray
    il2_relative: float
    checkpoint_start: float
    car_start: float
    il2_start: float

    def columns(self) -> dict[str, np.ndarray]:
        return {"pd_blockade_12w": self.pd_block, "ctla4_occupancy_12w": self.ctla4, "car_t_peak_cells": self.car_peak}


def exposure(res, plan, days: np.ndarray, weight_kg: np.ndarray) -> Exposure:
    """The exposures of one chunk from its first (full-regimen) course ``res`` on output ``days``."""
    from iosim.model.compiled import output_function

    model = res.model
    n = res.y.shape[0]
    doses = plan.doses
    mech = plan.mechanisms

    def start(kinds) -> float:
        d = doses[doses["drug"].map(lambda x: mech.get(x) in kinds)]
        return float(d["day"].min()) if len(d) else math.inf

    cp0, car0, il0 = start({"pd1", "pdl1", "ctla4"}), start({"car"}), start({"il2"})
    zero = np.zeros(n)
    pd_block, ct, peak = zero, zero, zero
    if math.isfinite(cp0):
        window = (days >= cp0) & (days <= cp0 + EXPOSURE_DAYS)
        # only the window's days: the model's outputs over the whole course would cost more than the rest
        blockade = output_function(model, "pd_axis_blockade")
        with np.errstate(all="ignore"):
            pd_block = blockade(days[window], np.moveaxis(res.y[:, window], 2, 0), res.parameters.T[:, :, None])
        pd_block = np.nanmean(pd_block, axis=1)
        c = res["ctla4_c"][:, window]
        ec50 = res.parameters[:, model.parameter_index("ctla4_EC50")][:, None]
        ct = np.nanmean(np.maximum(c, 0.0) / (np.maximum(c, 0.0) + ec50), axis=1)
    if math.isfinite(car0):
        half = res.parameters[:, model.parameter_index("car_antigen_half")][:, None]
        per_cell = res.parameters[:, model.parameter_index("car_targets_per_cell")][:, None]
        engaged = engaged_car_t(res["C"], res["Tp"], half, per_cell)
        peak = np.nanmax(np.where(days[None, :] >= car0, engaged, 0.0), axis=1)
    il2 = 0.0
    if math.isfinite(il0):
        d = doses[doses["drug"].map(lambda x: mech.get(x) == "il2")]
        # Reference patient (70 kg) doses in IU; per kg they are the same for every patient.
        il2 = float(d["amount"].max()) / 70.0 / CAPILLARY_LEAK.hd_iu_per_kg
    return Exposure(np.nan_to_num(pd_block), np.nan_to_num(ct), np.nan_to_num(peak), il2, cp0, car0, il0)


@dataclass(frozen=True)
class Events:
    """Per patient: the drawn event (kind, grade 0 = none, onset day, discontinuing) before censoring."""

    kind: np.ndarray
    grade: np.ndarray
    day: np.ndarray
    discontinuing: np.ndarray


def draw(seed: int, patients: np.ndarray, exp: Exposure) -> list[Events]:
    """Each kind's drawn events (one per kind per patient at most), whether or not they are later seen."""
    ids = np.asarray(patients, dtype=np.int64)
    n = ids.size
    out = []
    if math.isfinite(exp.checkpoint_start):
        m = IRAE
        u = irae_uniforms(seed, ids)
        p34 = m.probability(m.grade34, exp.pd_block, exp.ctla4)
        pdis = np.minimum(m.probability(m.discontinue, exp.pd_block, exp.ctla4), p34)
        grade = np.where(u < m.grade4_share * p34, 4, np.where(u < p34, 3, 0))
        day = irae_onset(seed, ids, exp.checkpoint_start)
        out.append(Events(np.full(n, "irae", dtype=object), grade, day, (u < pdis) | (grade == 4)))
    if math.isfinite(exp.car_start):
        c = CRS
        s = np.log10(np.maximum(exp.car_peak, 1.0)) + c.sigma * crs_normals(seed, ids)
        grade = (s[:, None] > np.asarray(c.thresholds)[None, :]).sum(axis=1)
        day = exp.car_start + c.onset_median_days * np.exp(c.onset_sigma * normals(seed, ids, _STREAM + 11))
        out.append(Events(np.full(n, "crs", dtype=object), grade, day, np.zeros(n, dtype=bool)))
    if math.isfinite(exp.il2_start):
        k = CAPILLARY_LEAK
        u = uniforms(seed, ids, _STREAM + 20)
        p = k.probability(exp.il2_relative)
        grade = np.where(u < k.grade4_share * p, 4, np.where(u < p, 3, 0))
        day = capillary_leak_onset(seed, ids, exp.il2_start)
        out.append(Events(np.full(n, "capillary_leak", dtype=object), grade, day, u < k.discontinue_share * p))
    return out


def irae_uniforms(seed: int, patients: np.ndarray) -> np.ndarray:
    return uniforms(seed, np.asarray(patients, dtype=np.int64), _STREAM)


def irae_onset(seed: int, patients: np.ndarray, start: float) -> np.ndarray:
    """Onset day of each patient's irAE (drawn whether or not the patient has one)."""
    z = normals(seed, np.asarray(patients, dtype=np.int64), _STREAM + 1)
    return start + IRAE.onset_median_days * np.exp(IRAE.onset_sigma * z)


def capillary_leak_onset(seed: int, patients: np.ndarray, start: float) -> np.ndarray:
    """Onset day of each patient's IL-2 capillary leak (drawn whether or not the patient has one)."""
    k = CAPILLARY_LEAK
    z = normals(seed, np.asarray(patients, dtype=np.int64), _STREAM + 21)
    return start + k.onset_median_days * np.exp(k.onset_sigma * z)


def crs_normals(seed: int, patients: np.ndarray) -> np.ndarray:
    return normals(seed, np.asarray(patients, dtype=np.int64), _STREAM + 10)


def observed(events: list[Events], last_dose: np.ndarray, end_day: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """Which drawn events are seen, and each patient's discontinuation day (inf: none).

    An event is seen when it begins before ``end_day`` (death or end of follow-up) and within
    :data:`REPORTING_DAYS` of the patient's ``last_dose`` without toxicity; it discontinues treatment when
    it is a discontinuing event that begins before that last dose."""
    stop = np.full(np.shape(last_dose), np.inf)
    seen = []
    for ev in events:
        s = (ev.grade > 0) & (ev.day < end_day) & (ev.day <= last_dose + REPORTING_DAYS)
        seen.append(s)
        stops = s & ev.discontinuing & (ev.day < last_dose)
        stop = np.where(stops, np.minimum(stop, ev.day), stop)
    return seen, stop


def rows(
    arm: str, patients: np.ndarray, events: list[Events], seen: list[np.ndarray], stop: np.ndarray
) -> pd.DataFrame:
    """The toxicities table of one chunk: one row per seen event."""
    frames = []
    ids = np.asarray(patients, dtype=np.int64)
    for ev, s in zip(events, seen):
        frames.append(pd.DataFrame({
            "arm": arm, "patient": ids[s], "day": ev.day[s], "kind": ev.kind[s], "grade": ev.grade[s].astype(np.int64),
            "discontinued": (ev.discontinuing & (ev.day == stop))[s],
        }))  # fmt: skip
    out = pd.concat(frames, ignore_index=True).astype(COLUMNS) if frames else empty()
    return out if len(out) else empty()


def empty() -> pd.DataFrame:
    # Text columns as pandas strings: DuckDB types an empty object column NULL, and a later chunk's text
    # could then not be inserted.
    return pd.DataFrame({c: pd.Series(dtype="string" if t == "object" else t) for c, t in COLUMNS.items()})
