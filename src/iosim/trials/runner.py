"""Running a virtual trial: populations -> cohort simulations -> endpoints -> the results store.

Work is done in chunks of patients per arm. A chunk is simulated, its endpoints computed,
and its rows written to the store in one transaction; an interrupted trial resumes from
the chunks already stored. Every random number is a function of (seed, patient, stream)
(:mod:`iosim.trials.rng`), so results do not depend on chunk size or worker count.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from iosim.endpoints.criteria import MARROW
from iosim.errors import InputError
from iosim.parallel import Backend, run_tasks
from iosim.trials import visits
from iosim.trials.arms import ArmPlan, plan_arm
from iosim.trials.population import Population, load_population
from iosim.trials.readout import read
from iosim.trials.rng import uniforms
from iosim.trials.scans import lesion_scans
from iosim.trials.spec import DAYS_PER_MONTH, TrialSpec
from iosim.trials.store import ResultStore

DEFAULT_CHUNK = 500
REPORT_PATIENTS = 2000
_DEATH_STREAM = 10_000
#: Cohort-engine tolerances for trials: 1e-6 relative keeps sums of diameters accurate to
#: far better than the 1 mm resolution of RECIST measurements.
RTOL, ATOL = 1e-6, 1e-3


@dataclass(frozen=True)
class TrialRun:
    spec: TrialSpec
    out: Path
    summary: pd.DataFrame


def population_for(spec: TrialSpec, base: Path | None = None) -> Population:
    if spec.population is None:
        return Population(spec.cancer)
    path = Path(spec.population)
    if not path.is_absolute() and base is not None:
        path = base / path
    pop = load_population(path)
    if pop.cancer != spec.cancer:
        raise InputError(f"population {path} is for {pop.cancer}, but the trial's cancer is {spec.cancer}")
    return pop


def _grid_days(spec: TrialSpec) -> tuple[np.ndarray, np.ndarray]:
    """Simulation output days (weekly, plus every day a visit may fall on) and the scheduled weeks incl. baseline."""
    return visits.output_days(spec), visits.scheduled_weeks(spec)


def simulate_chunk(
    spec: TrialSpec, plan: ArmPlan, population: Population, arm: str, patients: np.ndarray
) -> dict[str, pd.DataFrame]:
    """Simulate one chunk of patients of one arm and compute their endpoints."""
    from iosim.cohort import simulate_cohort
    from iosim.endpoints.death import DeathModel
    from iosim.endpoints.outcomes import assessment_rows, patient_outcomes
    from iosim.endpoints.tgi_os import TGI_OS, growth_rates
    from iosim.model.compiled import output_function

    model = plan.model
    people = population.sample(spec.seed, patients)
    fixed = {**plan.params, **population.overrides}
    params = {name: np.full(patients.size, v) for name, v in fixed.items()}
    for v in population.variations:
        params[v.name] = people[v.name].to_numpy()
    # the target+ share of each patient's tumour (a population may vary it, e.g. CD19-negative subclones)
    frac = params.get("target_fraction", np.full(patients.size, model.parameter("target_fraction").value))
    burden = people["tumour_cells"].to_numpy()
    initial = {"Tp": burden * frac, "Tn": burden * (1.0 - frac)}
    days, weeks = _grid_days(spec)
    res = simulate_cohort(
        model, spec.follow_up_days, params=params, initial=initial, regimen=plan.regimen,
        dose_scale=plan.dose_scale(people["weight_kg"].to_numpy(), people["height_cm"].to_numpy()),
        times=days, rtol=RTOL, atol=ATOL,
    )  # fmt: skip

    # The model's sum of diameters (three equal spheres) drives the death model; the criteria read the
    # lesions (or the marrow, iosim.trials.readout).
    diameter = output_function(model, "tumour_diameter_mm")
    with np.errstate(all="ignore"):
        sld_all = diameter(days, np.moveaxis(res.y, 2, 0), res.parameters.T[:, :, None])
    failed = ~res.ok
    sld_all[failed] = np.nan

    # Each patient's visits (the schedule moved within its window); death and new lesions integrate over
    # the weekly grid whatever the window, so a window changes when tumours are seen, not the patients.
    offsets = visits.visit_offsets(spec, patients)
    col = visits.visit_columns(spec, days, offsets)
    base = np.isin(days, visits.base_days(spec))
    scans = lesion_scans(spec, population, people, patients, res, days, col, base=base)
    tumour = res.y[:, :, model.state_index("Tp")] + res.y[:, :, model.state_index("Tn")]
    viable = np.take_along_axis(tumour, np.broadcast_to(col, (patients.size, col.shape[-1])), axis=1)
    pet = res.parameters[:, model.parameter_index("residue_seen")] < 0.5  # 0: read by PET-CT (catalogue)
    readout = read(spec.response_criteria, scans, viable, failed, spec.seed, patients, pet)
    if spec.assessment_window_days:
        weeks = weeks[None, :] + offsets / 7.0
    months = days[base] / DAYS_PER_MONTH
    u = uniforms(spec.seed, patients, _DEATH_STREAM)
    filled = np.where(np.isnan(sld_all), 0.0, sld_all)[:, base]
    tgi_os = TGI_OS.get(spec.cancer)
    if tgi_os is not None:  # OS from the tumour's growth rate (Claret 2018), where calibrated
        g = growth_rates(days[base], filled, tgi_os.window_weeks, tgi_os.g_floor_per_day)
        death_m, died = tgi_os.sample_with_uniforms(g, u, spec.follow_up_months)
        people["tgi_g_per_day"] = g
    else:  # the burden hazard
        death_m, died = DeathModel().sample_with_uniforms(months, filled, u)
    outcomes, codes = patient_outcomes(
        readout.measure, weeks, death_months=death_m, died=died, new_lesion=readout.new_lesion,
        new_lesion_growth=scans.new_lesion_growth,
        follow_up_months=spec.follow_up_months, criteria=spec.response_criteria,
        confirm_weeks=4.0 if spec.confirm_response else None, metabolic_cr=readout.metabolic_cr,
        count_recovery=readout.count_recovery,
    )  # fmt: skip
    status = np.asarray(res.status, dtype=object)
    outcomes.insert(0, "arm", arm)
    outcomes.insert(1, "patient", patients)
    outcomes.insert(2, "status", status)
    people.insert(0, "arm", arm)
    people["status"] = status
    people["target_lesions"] = scans.anatomy.n_targets
    people["first_new_lesion_day"] = scans.new_lesion_day
    people["scans_after_progression"] = scans.scans_after_progression
    assessments = assessment_rows(arm, patients, weeks, readout.sld_mm, codes, criteria=spec.response_criteria,
                                  measure=readout.measure)  # fmt: skip
    alive = (np.atleast_2d(weeks) * 7.0 / DAYS_PER_MONTH <= np.where(died, death_m, np.inf)[:, None]) & ~failed[:, None]
    # Marrow disease has no lesions to store (its scans are the model's equivalent spheres).
    keep = spec.store_lesions and spec.criteria not in MARROW
    lesions = scans.rows(arm, patients, weeks * 7.0, alive) if keep else scans.rows_empty()
    return {"patients": people, "assessments": assessments, "outcomes": outcomes, "lesions": lesions}


def _chunks(n: int, size: int) -> list[tuple[int, np.ndarray]]:
    return [(k, np.arange(lo, min(lo + size, n), dtype=np.int64)) for k, lo in enumerate(range(0, n, size))]


def run_trial(
    spec: TrialSpec,
    out: str | Path,
    *,
    workers: int = 1,
    cluster: str | None = None,
    scheduler: str | None = None,
    chunk_size: int = DEFAULT_CHUNK,
    resume: bool = False,
    spec_dir: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
    population: Population | None = None,
) -> TrialRun:
    """Run (or resume) a trial into folder ``out``: ``results.duckdb``, ``summary.csv``, ``report.html``.

    Chunks run in this process, in ``workers`` local processes, or on Dask (``cluster="local"``
    or ``scheduler="tcp://HOST:PORT"``); ``population`` replaces the spec's population file (used
    when selecting virtual patients). Each finished chunk is written to the store as it
    arrives, and the results do not depend on where or in which order chunks ran.
    """
    if not isinstance(chunk_size, int) or chunk_size < 1:
        raise InputError(f"chunk size must be a whole number of at least 1, got {chunk_size!r}")
    backend = Backend(workers, 1, cluster, scheduler)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    population = population if population is not None else population_for(spec, spec_dir)
    plans = {a.name: plan_arm(spec.cancer, a.therapies, spec.follow_up_days) for a in spec.arms}
    chunks = _chunks(spec.patients_per_arm, chunk_size)
    total = len(chunks) * len(spec.arms)
    with ResultStore(out / "results.duckdb") as store:
        store.start(json.dumps(spec.model_dump(mode="json"), sort_keys=True), resume=resume, chunk_size=chunk_size)
        todo = [
            (arm.name, k, ids) for arm in spec.arms for k, ids in chunks if k not in store.completed_chunks(arm.name)
        ]
        done = total - len(todo)
        if progress:
            progress(done, total)
        tasks = ((spec, plans[arm], population, arm, ids) for arm, k, ids in todo)
        for i, tables in run_tasks(simulate_chunk, tasks, backend, ordered=False):
            arm, k, _ = todo[i]
            store.write_chunk(arm, k, tables)
            done += 1
            if progress:
                progress(done, total)
        summary = finish(spec, store, out)
    return TrialRun(spec, out, summary)


def finish(spec: TrialSpec, store: ResultStore, out: Path) -> pd.DataFrame:
    """Summary table, hazard ratios and the HTML report from the stored outcomes."""
    from iosim.endpoints.ida import with_ida
    from iosim.endpoints.report import write_report
    from iosim.endpoints.summary import summarize
    from iosim.endpoints.survival import compare_arms
    from iosim.validation.compare import observed_vs_simulated

    outcomes = store.table("outcomes")
    order = [a.name for a in spec.arms]
    control = spec.control_arm
    summary = summarize(outcomes, control=control, criteria=spec.response_criteria)
    summary = summary.set_index("arm").loc[order].reset_index()
    # Combination arms beside independent drug action of their single-drug arms (Palmer & Sorger 2017).
    summary = with_ida(summary, outcomes, {a.name: [t.drug for t in a.therapies] for a in spec.arms}, seed=spec.seed)
    summary.to_csv(out / "summary.csv", index=False)
    # Without a control arm the report still compares every arm with the first one.
    reference = control if control is not None else order[0]
    hrs = compare_arms(outcomes, reference=reference) if len(order) > 1 else pd.DataFrame()
    calibration = observed_vs_simulated(spec, store)  # registry rows with both CIs (iosim.validation)
    # The report plots a subsample; the full table stays in the store.
    assessments = store.query(
        f"SELECT * FROM assessments WHERE patient < {REPORT_PATIENTS} ORDER BY arm, patient, week"
    )
    write_report(
        out / "report.html", title=spec.name, summary=summary, outcomes=outcomes, assessments=assessments,
        hazard_ratios=hrs, calibration=calibration, spec=spec.model_dump(mode="json"), control=control,
    )  # fmt: skip
    return summary
