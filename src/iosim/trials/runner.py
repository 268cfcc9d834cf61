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
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from iosim.endpoints.criteria import MARROW
from iosim.endpoints.plotdata import REPORT_PATIENTS as PLOTTED_PATIENTS
from iosim.errors import InputError
from iosim.parallel import Backend, run_tasks
from iosim.simulation.options import SaveAt, SolverOptions
from iosim.trials import course, visits
from iosim.trials.arms import ArmPlan, plan_arm
from iosim.trials.population import Population, load_population
from iosim.trials.readout import Readout, read
from iosim.trials.rng import uniforms
from iosim.trials.scans import Scans, lesion_scans
from iosim.trials.spec import DAYS_PER_MONTH, TrialSpec
from iosim.trials.store import ResultStore

if TYPE_CHECKING:
    from iosim.cohort.result import CohortResult

DEFAULT_CHUNK = 500
REPORT_PATIENTS = PLOTTED_PATIENTS  # the report's assessments: the first patients of each arm
_DEATH_STREAM = 10_000
#: Cohort-engine tolerances for trials. Against the same patients at rtol 1e-9, atol 1e-9 (2,000 per arm of
#: million.yaml and checkmate067.yaml, 10,000 courses), rtol 1e-5 changed no patient's best overall response,
#: progression day or death day; 1e-6 changed 3 (2 with ``auto``, the former method) and 1e-4 changed 5
#: (0.05%). 1e-5 takes ~12% fewer steps than 1e-6 (docs/performance.md, 7 Dec). atol stays 1e-3: it is one
#: scalar for every state, and the relative antibody titre ``Ab`` lives around 0.1.
RTOL, ATOL = 1e-5, 1e-3


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
    """Simulate one chunk of patients of one arm and compute their endpoints.

    Two passes (:mod:`iosim.trials.course`): the whole regimen first; then the patients who stop
    treatment early (progression, a discontinuing toxicity) without the doses after their stop, continued
    from their first course's state before the first dose they miss."""
    from iosim.trials import toxicity

    model = plan.model
    people = population.sample(spec.seed, patients)
    days, weeks = _grid_days(spec)
    weight = people["weight_kg"].to_numpy()
    scale = plan.dose_scale(weight, people["height_cm"].to_numpy())
    simulate = _simulator(spec, plan, population, people, arm_method(spec, plan, population, arm))
    res = simulate(np.arange(patients.size), plan.regimen)
    first = _endpoints(spec, arm, population, people, patients, res, days, weeks)
    arm_spec = next(a for a in spec.arms if a.name == arm)
    scan_days = first.scan_days
    progression = course.first_progression_day(first.labels, scan_days)
    if arm_spec.treat_beyond_progression:
        # The patients treated beyond progression (the share scanned on after it, lesions.py) stop at
        # iRECIST-confirmed progression; the others at the first progression.
        confirmed = course.confirmed_progression_day(
            first.readout.sld_mm, scan_days, first.readout.new_lesion, first.scans.new_lesion_growth, first.not_done
        )
        progression = np.where(first.scans.scans_after_progression > 0, confirmed, progression)
    dose_days = np.unique(plan.doses["day"].to_numpy(dtype=float)) if len(plan.doses) else np.zeros(0)
    last_dose = _last_before(dose_days, progression)
    end_day = np.minimum(np.where(first.died, first.death_m * DAYS_PER_MONTH, np.inf), spec.follow_up_days)
    exposure = toxicity.exposure(res, plan, days, weight)
    events = toxicity.draw(spec.seed, patients, exposure)
    seen, tox_stop = toxicity.observed(events, last_dose, end_day)
    stop = np.minimum(progression, tox_stop)
    res = course.second_pass(res, plan.regimen, stop, simulate)
    ends = first if res is first.res else _endpoints(spec, arm, population, people, patients, res, days, weeks, first)
    people = ends.people
    for name, col in exposure.columns().items():
        people[name] = col
    people["progression_stop_day"] = progression
    people["stop_day"] = stop
    tables = ends.tables(spec, arm, patients)
    final_end = np.minimum(np.where(ends.died, ends.death_m * DAYS_PER_MONTH, np.inf), spec.follow_up_days)
    last_day = np.minimum(stop, np.nextafter(final_end, np.inf))  # a dose on the day of death is given
    seen = [s & (ev.day < final_end) for ev, s in zip(events, seen)]
    tables["toxicities"] = toxicity.rows(arm, patients, events, seen, tox_stop)
    tables["doses"] = (
        course.dose_rows(arm, patients, plan.doses, scale, last_day, model.state_index)
        if spec.store_doses
        else course.dose_rows(arm, patients, plan.doses.iloc[:0], scale, last_day, model.state_index)
    )
    return tables


def _simulator(spec: TrialSpec, plan: ArmPlan, population: Population, people: pd.DataFrame,
               method: str) -> course.Simulate:  # fmt: skip
    """Simulates some of the patients ``people`` of an arm (by row), from their baseline or a given state."""
    from iosim.cohort import simulate_cohort

    model = plan.model
    n = len(people)
    fixed = {**plan.params, **population.overrides}
    params = {name: np.full(n, v) for name, v in fixed.items()}
    for v in population.variations:
        params[v.name] = people[v.name].to_numpy()
    # the target+ share of each patient's tumour (a population may vary it, e.g. CD19-negative subclones)
    frac = params.get("target_fraction", np.full(n, model.parameter("target_fraction").value))
    burden = people["tumour_cells"].to_numpy()
    initial = {"Tp": burden * frac, "Tn": burden * (1.0 - frac)}
    days = visits.output_days(spec)
    scale = plan.dose_scale(people["weight_kg"].to_numpy(), people["height_cm"].to_numpy())

    def simulate(index: np.ndarray, regimen, t_start: float = 0.0, state: np.ndarray | None = None):
        return simulate_cohort(
            model, spec.follow_up_days, params={k: v[index] for k, v in params.items()},
            initial={k: v[index] for k, v in initial.items()} if state is None else state, regimen=regimen,
            dose_scale=scale[index], t_start=t_start, saveat=SaveAt(ts=tuple(days[days >= t_start])),
            solver=SolverOptions(method=method, rtol=RTOL, atol=ATOL),
        )  # fmt: skip

    return simulate


def arm_method(spec: TrialSpec, plan: ArmPlan, population: Population, arm: str) -> str:
    """The cohort engine's method for ``arm`` (:mod:`iosim.trials.method`): decided by its pilot patients'
    first courses, the same in every process."""
    from iosim.trials import method

    def steps(name: str) -> float:
        pilot = method.pilot_patients()
        simulate = _simulator(spec, plan, population, population.sample(spec.seed, pilot), name)
        return float(np.mean(simulate(np.arange(pilot.size), plan.regimen).steps))

    return method.choose(method.arm_key(spec, population, arm), steps)


def _last_before(dose_days: np.ndarray, stop: np.ndarray) -> np.ndarray:
    """Per patient, the last dose day strictly before its stop day (-inf: none)."""
    if dose_days.size == 0:
        return np.full(stop.shape, -np.inf)
    k = np.searchsorted(dose_days, stop, side="left")
    return np.where(k > 0, dose_days[np.maximum(k - 1, 0)], -np.inf)


@dataclass
class _Endpoints:
    """What one course of a chunk gives: scans, readout, outcomes, and the tables built from them."""

    res: CohortResult
    people: pd.DataFrame
    scans: Scans
    readout: Readout
    outcomes: pd.DataFrame
    codes: np.ndarray
    labels: np.ndarray
    weeks: np.ndarray
    scan_days: np.ndarray
    not_done: np.ndarray
    death_m: np.ndarray
    died: np.ndarray
    alive: np.ndarray
    #: The model's sum of diameters on the weekly grid (0 where not finite), and the TGI-OS growth rates
    #: read from it (None without a TGI-OS model).
    filled: np.ndarray | None = None
    growth: np.ndarray | None = None

    def tables(self, spec: TrialSpec, arm: str, patients: np.ndarray) -> dict[str, pd.DataFrame]:
        from iosim.endpoints.outcomes import assessment_rows

        outcomes = self.outcomes
        status = np.asarray(self.res.status, dtype=object)
        outcomes.insert(0, "arm", arm)
        outcomes.insert(1, "patient", patients)
        outcomes.insert(2, "status", status)
        people = self.people
        people.insert(0, "arm", arm)
        people["status"] = status
        people["target_lesions"] = self.scans.anatomy.n_targets
        people["first_new_lesion_day"] = self.scans.new_lesion_day
        people["scans_after_progression"] = self.scans.scans_after_progression
        assessments = assessment_rows(arm, patients, self.weeks, self.readout.sld_mm, self.codes,
                                      criteria=spec.response_criteria, measure=self.readout.measure)  # fmt: skip
        # Marrow disease has no lesions to store (its scans are the model's equivalent spheres).
        keep = spec.store_lesions and spec.criteria not in MARROW
        scans = self.scans
        lesions = scans.rows(arm, patients, self.weeks * 7.0, self.alive) if keep else scans.rows_empty()
        return {"patients": people, "assessments": assessments, "outcomes": outcomes, "lesions": lesions}


def _endpoints(spec: TrialSpec, arm: str, population: Population, people: pd.DataFrame, patients: np.ndarray, res,
               days: np.ndarray, weeks: np.ndarray, previous: _Endpoints | None = None) -> _Endpoints:  # fmt: skip
    """Scans, readout, death and outcomes of one simulated course of a chunk; ``previous``: the chunk's first
    course, whose growth rates are kept for the patients whose course is the same over the rates' window."""
    from iosim.endpoints.death import DeathModel
    from iosim.endpoints.outcomes import code_labels, patient_outcomes
    from iosim.endpoints.tgi_os import TGI_OS
    from iosim.model.compiled import output_function

    model = res.model
    people = people.copy()
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

    def score(death_m: np.ndarray, died: np.ndarray) -> tuple[pd.DataFrame, np.ndarray]:
        return patient_outcomes(
            readout.measure, weeks, death_months=death_m, died=died, new_lesion=readout.new_lesion,
            new_lesion_growth=scans.new_lesion_growth,
            follow_up_months=spec.follow_up_months, criteria=spec.response_criteria,
            confirm_weeks=4.0 if spec.confirm_response else None, metabolic_cr=readout.metabolic_cr,
            count_recovery=readout.count_recovery,
        )  # fmt: skip

    tgi_os = TGI_OS.get(spec.cancer)
    if tgi_os is not None:  # OS from the tumour's growth rate (Claret 2018), where calibrated
        g = _growth_rates(tgi_os, days[base], filled, previous)
        people["tgi_g_per_day"] = g
        death_m, died = tgi_os_deaths(spec, arm, tgi_os, people, patients, g, u, score)
    else:  # the burden hazard
        death_m, died = DeathModel().sample_with_uniforms(months, filled, u)
    outcomes, codes = score(death_m, died)
    w = np.broadcast_to(np.atleast_2d(weeks), (patients.size, np.shape(weeks)[-1]))
    w_months = w * 7.0 / DAYS_PER_MONTH
    not_done = (w_months > np.where(died, death_m, np.inf)[:, None]) | (w_months > spec.follow_up_months)
    not_done[:, 0] = False
    alive = (np.atleast_2d(weeks) * 7.0 / DAYS_PER_MONTH <= np.where(died, death_m, np.inf)[:, None]) & ~failed[:, None]
    labels = code_labels(spec.response_criteria)[np.asarray(codes, dtype=np.int64)]
    return _Endpoints(res, people, scans, readout, outcomes, codes, labels, weeks, w * 7.0, not_done, death_m, died,
                      alive, filled, g if tgi_os is not None else None)  # fmt: skip


def _growth_rates(model, days: np.ndarray, filled: np.ndarray, previous: _Endpoints | None) -> np.ndarray:
    """The TGI-OS growth rates of the courses ``filled`` (patients x weekly days), fitted again only where a
    course differs from ``previous``'s over the model's window: the fit reads nothing else, one course at a
    time, so the rates are the same as fitting every course (and the fit is a tenth of a chunk's time)."""
    if previous is None or previous.growth is None or previous.filled is None:
        return model.growth_rates(days, filled)
    window = days <= model.window_weeks * 7.0
    redo = np.flatnonzero((filled[:, window] != previous.filled[:, window]).any(axis=1))
    g = previous.growth.copy()
    if redo.size:
        g[redo] = model.growth_rates(days, filled[redo])
    return g


def tgi_os_deaths(spec, arm, model, people, patients, g, u, score) -> tuple[np.ndarray, np.ndarray]:
    """TGI-OS deaths with the patients' prognostic factors and next-line therapy; adds their columns to
    ``people`` (``progression_months``: radiological progression were the patient alive throughout, inf if none)."""
    from iosim.trials.prognosis import draw_factors, next_line_treated

    factors = draw_factors(spec.seed, patients, model.factors)
    for name, x in factors.items():
        people[name] = x
    plan = next(a for a in spec.arms if a.name == arm).next_line
    share = plan.share if plan is not None and model.next_line is not None else 0.0
    treated = next_line_treated(spec.seed, patients, share)
    never = np.zeros(patients.size, dtype=bool)
    alive, _ = score(np.full(patients.size, np.inf), never)  # progression only, without death
    progression = np.where(alive["pfs_event"].to_numpy(bool), alive["pfs_months"].to_numpy(float), np.inf)
    months = model.death_months(g, u, factors)
    final = model.after_progression(months, progression, treated)
    people["progression_months"] = progression
    people["next_line"] = treated & (progression < months)
    died = final <= spec.follow_up_months
    return np.where(died, final, spec.follow_up_months), died


def _simulate_arms(
    spec: TrialSpec, plans: dict[str, ArmPlan], population: Population, patients: np.ndarray
) -> dict[str, dict[str, pd.DataFrame]]:
    """One chunk of patients in each arm of ``plans`` (the same patients, sampled once in this process)."""
    return {arm: simulate_chunk(spec, plan, population, arm, patients) for arm, plan in plans.items()}


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
        pending = {arm.name: set(store.completed_chunks(arm.name)) for arm in spec.arms}
        # One task per chunk with all its unfinished arms: the chunk's patients are drawn (and, where the
        # population says so, simulated untreated for plausibility) once, in one process, for every arm.
        todo = [(k, ids, [a for a in pending if k not in pending[a]]) for k, ids in chunks]
        todo = [t for t in todo if t[2]]
        done = total - sum(len(arms) for *_, arms in todo)
        if progress:
            progress(done, total)
        tasks = ((spec, {a: plans[a] for a in arms}, population, ids) for _, ids, arms in todo)
        for i, by_arm in run_tasks(_simulate_arms, tasks, backend, ordered=False):
            k = todo[i][0]
            for arm, tables in by_arm.items():
                store.write_chunk(arm, k, tables)
                done += 1
            if progress:
                progress(done, total)
        summary = finish(spec, store, out)
    return TrialRun(spec, out, summary)


def finish(spec: TrialSpec, store: ResultStore, out: Path) -> pd.DataFrame:
    """Summary table, hazard ratios and the HTML report from the stored outcomes."""
    from iosim.endpoints.ida import with_ida
    from iosim.endpoints.plotdata import plotted_assessments
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
    toxicity = _toxicity_summary(spec, store, outcomes)
    summary = summary.merge(toxicity, on="arm", how="left")
    summary.to_csv(out / "summary.csv", index=False)
    # Without a control arm the report still compares every arm with the first one.
    reference = control if control is not None else order[0]
    hrs = compare_arms(outcomes, reference=reference) if len(order) > 1 else pd.DataFrame()
    calibration = observed_vs_simulated(spec, store)  # registry rows with both CIs (iosim.validation)
    # The report plots a subsample (iosim.endpoints.plotdata, which the web app's plots read too).
    assessments = plotted_assessments(store)
    write_report(
        out / "report.html", title=spec.name, summary=summary, outcomes=outcomes, assessments=assessments,
        hazard_ratios=hrs, calibration=calibration, spec=spec.model_dump(mode="json"), control=control,
        toxicity=toxicity,
    )  # fmt: skip
    return summary


def _toxicity_summary(spec: TrialSpec, store: ResultStore, outcomes: pd.DataFrame) -> pd.DataFrame:
    from iosim.endpoints.summary import toxicity_rates
    from iosim.therapy.catalogue import get_drug

    crs_arms = {a.name for a in spec.arms if any(get_drug(t.drug).mechanism == "car" for t in a.therapies)}
    return toxicity_rates(outcomes, store.table("toxicities"), crs_arms)
