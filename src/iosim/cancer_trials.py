"""One therapy's virtual trial in each cancer type: the numbers both ``iosim landscape`` and the matrix show.

:func:`cancer_trials` gives each cancer type a single-arm virtual trial of the therapy: the population
its registry trials use (:func:`cancer_population`), ``patients`` patients from one seed, scans every
8 weeks read by the cancer's own criteria with confirmation (:func:`iosim.trials.runner.simulate_chunk`),
``follow_up_months`` of follow-up, and the trial summary's ORR, CR rate and median PFS
(:func:`iosim.endpoints.summary.summarize`). :mod:`iosim.landscape` adds the cancers' biology to these
rows; :mod:`iosim.matrix` (and the web app's matrix) adds the median patient's time course. At the same
patients, seed and follow-up both therefore show the same ORR. Every patient's random numbers are a
function of (seed, patient) (:mod:`iosim.trials.rng`), so results depend on neither ``workers`` nor
chunking.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

#: Virtual patients per cancer (assumed: ORR interval about +-4 points at 20%).
PATIENTS = 500
#: Seed of every cancer's population (assumed; any fixed value keeps the results reproducible).
SEED = 2026
#: Follow-up (assumed: long enough for median PFS in most cancers, as in the KEYNOTE trials' first reports).
FOLLOW_UP_MONTHS = 24.0
#: Scan interval, weeks (as in most immunotherapy trials).
SCAN_EVERY_WEEKS = 8.0
#: Patients simulated per task (the trial runner's chunk).
CHUNK = 250


def therapy_parts(therapy: str) -> list[str]:
    """``"nivolumab+ipilimumab"`` -> ``["nivolumab", "ipilimumab"]``; ``"none"`` -> ``[]``."""
    return [p.strip() for p in therapy.split("+") if p.strip()] if therapy != "none" else []


def cancer_population(cancer: str):
    """(population, status): the population the cancer's registry trials use (a calibrated trial's
    first), else the cancer type's default; status is "calibrated (trials)" or "uncalibrated"."""
    from iosim.trials.population import Population, load_population
    from iosim.validation.populations import calibration_status, population_path

    path = population_path(cancer)
    return (load_population(path) if path else Population(cancer)), calibration_status(cancer)


@dataclass(frozen=True, eq=False)
class CancerTrial:
    """One cancer's trial of the therapy: the read-out (rates 0-1, over the ``patients`` simulated
    without numerical failure) and the per-patient tables behind it."""

    cancer: str
    therapy: str
    status: str  # calibration status of the population: "calibrated (...)" or "uncalibrated"
    population: object  # iosim.trials.population.Population
    patients: int
    orr: float
    orr_ci_low: float
    orr_ci_high: float
    cr_rate: float
    median_pfs_months: float
    notes: tuple[str, ...]
    outcomes: pd.DataFrame  # one row per patient (trial runner's outcomes table)
    people: pd.DataFrame  # each patient's sampled parameters
    best_change: np.ndarray  # each patient's best % change in tumour size after baseline (NaN: no scan)

    @property
    def calibrated(self) -> bool:
        return self.status != "uncalibrated"


def _chunk(spec, plan, population, arm: str, index: np.ndarray):
    """One chunk's outcomes, sampled patients and best % change (the assessments are not kept)."""
    from iosim.trials.runner import simulate_chunk

    tables = simulate_chunk(spec, plan, population, arm, index)
    a = tables["assessments"]
    best = a[a["week"] > 0].groupby("patient")["pct_change"].min()
    return tables["outcomes"], tables["patients"], best.reindex(tables["outcomes"]["patient"]).to_numpy()


def cancer_trials(
    therapy: str,
    cancers: Sequence[str],
    patients: int = PATIENTS,
    *,
    seed: int = SEED,
    follow_up_months: float = FOLLOW_UP_MONTHS,
    workers: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, CancerTrial]:
    """``therapy`` (``DRUG[:REGIMEN]`` joined by ``+``, or ``"none"``) in ``patients`` virtual patients of
    each cancer, one :class:`CancerTrial` per cancer in the given order. ``progress(done, total)`` is
    called after each chunk of patients."""
    from iosim.endpoints.summary import summarize
    from iosim.parallel import Backend, run_tasks
    from iosim.trials.arms import plan_arm
    from iosim.trials.spec import parse_trial_spec
    from iosim.validation.endpoints import clopper_pearson

    parts = therapy_parts(therapy)
    runs = {}
    for c in cancers:
        population, status = cancer_population(c)
        spec = parse_trial_spec({
            "name": f"cancer-trial-{c}", "cancer": c, "seed": seed, "patients_per_arm": int(patients),
            "follow_up_months": follow_up_months, "assessment_every_weeks": SCAN_EVERY_WEEKS, "store_lesions": False,
            "arms": [{"name": "arm", "therapies": [dict(zip(("drug", "regimen"), p.split(":", 1))) for p in parts]}],
        })  # fmt: skip
        runs[c] = (spec, plan_arm(c, parts, spec.follow_up_days), population, status)
    tasks = [(c, lo) for c in runs for lo in range(0, patients, CHUNK)]
    args = ((*runs[c][:3], "arm", np.arange(lo, min(lo + CHUNK, patients), dtype=np.int64)) for c, lo in tasks)
    parts_of: dict[str, list] = {c: [] for c in runs}
    for done, (i, result) in enumerate(run_tasks(_chunk, args, Backend(workers), ordered=False), 1):
        parts_of[tasks[i][0]].append(result)
        if progress:
            progress(done, len(tasks))
    trials = {}
    for c, (_, plan, population, status) in runs.items():
        chunks = sorted(parts_of[c], key=lambda r: int(r[0]["patient"].iloc[0]))  # back in patient order
        outcomes = pd.concat([r[0] for r in chunks], ignore_index=True)
        people = pd.concat([r[1] for r in chunks], ignore_index=True)
        s = summarize(outcomes).iloc[0]
        n = int(s["n"] - s["n_failed"])
        k = int(round(s["orr"] * n)) if n else 0
        low, high = clopper_pearson(k, n) if n else (float("nan"), float("nan"))
        trials[c] = CancerTrial(
            c, therapy, status, population, n, float(s["orr"]), low, high, float(s["cr_rate"]),
            float(s["median_pfs_months"]), tuple(plan.notes), outcomes, people,
            np.concatenate([r[2] for r in chunks]),
        )  # fmt: skip
    return trials
