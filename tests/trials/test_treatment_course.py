"""The treatment course: dosing stops at progression or toxicity; the doses and toxicities tables."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from iosim.cohort import simulate_cohort
from iosim.dosing import Bolus, Infusion, bolus, infusion
from iosim.library import EXAMPLES
from iosim.trials import ResultStore, TrialSpecError, load_trial_spec, parse_trial_spec, run_trial
from iosim.trials.arms import plan_arm
from iosim.trials.course import remaining, restart_days, second_pass, truncated
from iosim.trials.population import load_population
from iosim.validation.registry import load_registry


def _spec(**arm_extra):
    return parse_trial_spec({
        "name": "course", "cancer": "melanoma", "seed": 5, "patients_per_arm": 150, "follow_up_months": 12,
        "assessment_every_weeks": 8,
        "arms": [
            {"name": "stop", "therapies": [{"drug": "nivolumab", "regimen": "3mg/kg-q2w"}]},
            {"name": "beyond", "therapies": [{"drug": "nivolumab", "regimen": "3mg/kg-q2w"}],
             "treat_beyond_progression": True, **arm_extra},
        ],
    })  # fmt: skip


@pytest.fixture(scope="module")
def course_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("course")
    run_trial(_spec(), out, chunk_size=40)
    with ResultStore(out / "results.duckdb", read_only=True) as store:
        tables = {n: store.table(n) for n in ("patients", "assessments", "doses", "toxicities", "outcomes")}
    tables["summary"] = pd.read_csv(out / "summary.csv")
    tables["report"] = (out / "report.html").read_text()
    return tables


def _first_pd_day(assessments: pd.DataFrame, arm: str) -> pd.Series:
    a = assessments[(assessments["arm"] == arm) & (assessments["response"] == "PD")]
    return (a.groupby("patient")["week"].min() * 7.0).rename("pd_day")


def test_new_tables_have_their_columns(course_run):
    assert list(course_run["doses"].columns) == ["arm", "patient", "day", "drug", "amount", "unit"]
    assert list(course_run["toxicities"].columns) == ["arm", "patient", "day", "kind", "grade", "discontinued"]
    d = course_run["doses"]
    assert set(d["drug"]) == {"nivolumab"} and set(d["unit"]) == {"mg"}
    # 3 mg/kg: each dose is three times the patient's weight in mg.
    w = course_run["patients"].set_index(["arm", "patient"])["weight_kg"]
    expected = 3.0 * w.loc[list(zip(d["arm"], d["patient"]))].to_numpy()
    np.testing.assert_allclose(d["amount"].to_numpy(), expected, rtol=1e-9)


def test_summary_and_report_show_toxicity(course_run):
    s = course_run["summary"].set_index("arm")
    t = course_run["toxicities"]
    n = 150
    for arm in ("stop", "beyond"):
        rows = t[t["arm"] == arm]
        assert s.loc[arm, "grade3plus_trae_rate"] == pytest.approx(rows[rows["grade"] >= 3]["patient"].nunique() / n)
        stopped = rows[rows["discontinued"]]["patient"].nunique()
        assert s.loc[arm, "discontinued_toxicity_rate"] == pytest.approx(stopped / n)
    assert s["crs_any_grade_rate"].isna().all()  # no CAR-T cells, no CRS column value
    assert 'id="toxicity"' in course_run["report"] and "grade ≥3 TRAE" in course_run["report"]


def test_dosing_stops_at_progression(course_run):
    d = course_run["doses"]
    d = d[d["arm"] == "stop"]
    pd_day = _first_pd_day(course_run["assessments"], "stop")
    assert len(pd_day) > 30  # enough progressors for the check to mean something
    last = d.groupby("patient")["day"].max()
    joined = pd.concat([last, pd_day], axis=1).dropna()
    # No progressor is dosed on or after the day of its progression scan ...
    assert (joined["day"] < joined["pd_day"]).all()
    # ... so progressors receive fewer doses than patients who never progress.
    n_doses = d.groupby("patient").size()
    progressors = n_doses.index.isin(pd_day.index)
    assert n_doses[progressors].mean() < 0.7 * n_doses[~progressors].mean()


def test_treatment_beyond_progression_keeps_dosing(course_run):
    d = course_run["doses"]
    pd_day = _first_pd_day(course_run["assessments"], "beyond")
    beyond = d[d["arm"] == "beyond"].merge(pd_day, left_on="patient", right_index=True)
    treated_on = beyond[beyond["day"] >= beyond["pd_day"]]["patient"].nunique()
    # About half of the progressors (the share treated beyond progression, lesions.py) are dosed on.
    assert 0.25 < treated_on / len(pd_day) < 0.75
    assert (d["arm"] == "beyond").sum() > (d["arm"] == "stop").sum()


def test_a_discontinuing_toxicity_ends_dosing(course_run):
    t = course_run["toxicities"]
    stopped = t[t["discontinued"]]
    assert len(stopped) > 0 and set(t["kind"]) == {"irae"} and set(t["grade"]) <= {3, 4}
    d = course_run["doses"]
    for _, row in stopped.iterrows():
        given = d[(d["arm"] == row["arm"]) & (d["patient"] == row["patient"])]["day"]
        assert (given < row["day"]).all()
    # Grade 4 irAEs always end treatment when a dose is left (ASCO guideline).
    g4 = t[(t["grade"] == 4)]
    assert g4["discontinued"].mean() > 0.8


def test_a_zero_dose_keeps_the_course_identical_until_the_stop():
    reg = bolus("pd1_c", 100.0, at=0.0, every=14.0, count=4)
    full = simulate_cohort("core", 60, params={"growth_rate": [0.05, 0.08]}, regimen=reg, times=np.arange(61.0))
    cut = simulate_cohort("core", 60, params={"growth_rate": [0.05, 0.08]}, regimen=truncated(reg, 28.0),
                          times=np.arange(61.0))  # fmt: skip
    tumour = full.model.state_index("Tp")
    np.testing.assert_array_equal(full.y[:, :28, tumour], cut.y[:, :28, tumour])
    assert not np.array_equal(full.y[:, 40:], cut.y[:, 40:])


def test_the_second_course_continues_from_the_last_dose_day_before_the_first_missed_dose():
    reg = bolus("pd1_c", 100.0, at=0.0, every=14.0, count=6)  # days 0, 14, ..., 70
    grid = np.arange(0.0, 91.0, 7.0)
    # Stops on day 30 and 56 miss the doses of days 42 and 56: the courses go on from days 28 and 42.
    np.testing.assert_array_equal(restart_days(reg, np.array([42.0, 56.0]), grid), [28.0, 42.0])
    # Day 28 off the output grid: the dose day before it; the first dose missed: no day to go on from.
    np.testing.assert_array_equal(restart_days(reg, np.array([42.0, 0.0, 14.0]), grid[grid != 28.0]),
                                  [14.0, -np.inf, -np.inf])  # fmt: skip


def test_the_rest_of_a_regimen_after_a_day():
    reg = truncated(bolus("pd1_c", 100.0, every=14.0, count=4) + infusion("D", duration=10.0, rate=2.0, at=25.0), 42.0)
    rest = remaining(reg, 28.0)
    # The day-28 dose is in the state already; the infusion runs on into day 35; the removed day-42 dose keeps
    # its place (a segment starts there, as in a course simulated again from day 0).
    assert [(type(e), e.time) for e in rest] == [(Infusion, 25.0), (Bolus, 42.0)]
    assert rest.events[1].amount == 0.0
    assert [e.time for e in remaining(reg, 14.0)] == [25.0, 28.0, 42.0]


def test_a_continued_course_agrees_with_one_simulated_again_from_day_0():
    # Twelve melanoma patients on nivolumab 3 mg/kg q2w: growing, shrinking and cleared tumours.
    plan = plan_arm("melanoma", ["nivolumab:3mg/kg-q2w"], 182.0)
    population = load_population(EXAMPLES / "populations" / "melanoma.yaml")
    people = population.sample(2026, np.arange(12))
    params = {k: np.full(12, v) for k, v in {**plan.params, **population.overrides}.items()}
    params.update({v.name: people[v.name].to_numpy() for v in population.variations})
    days = np.arange(0.0, 183.0, 7.0)
    stop = np.array([60.0, 30.0, 100.0, np.inf, 57.0, 60.0, 45.0, 20.0, 60.0, 100.0, 1.0, 75.0])

    def simulate(index, regimen, t_start=0.0, state=None):
        return simulate_cohort(
            "core", 182.0, params={k: v[index] for k, v in params.items()}, initial=state, regimen=regimen,
            dose_scale=1.0, t_start=t_start, times=days[days >= t_start], rtol=1e-6, atol=1e-3,
        )  # fmt: skip

    full = simulate(np.arange(12), plan.regimen)
    cont = second_pass(full, plan.regimen, stop, simulate)
    again = np.stack([simulate(np.array([i]), truncated(plan.regimen, stop[i])).y[0] for i in range(12)])
    tumour = [full.model.state_index(s) for s in ("Tp", "Tn")]
    t_full, t_cont, t_again = (y[:, :, tumour].sum(-1) for y in (full.y, cont.y, again))
    # Up to the dose day before the first missed dose, the course is the first one, bit for bit
    # (the patient stopping on day 1 misses every dose after day 0: simulated again from day 0).
    for i, last in enumerate([56.0, 28.0, 98.0, 182.0, 56.0, 56.0, 42.0, 14.0, 56.0, 98.0, 0.0, 70.0]):
        np.testing.assert_array_equal(cont.y[i, days <= last], full.y[i, days <= last])
    np.testing.assert_array_equal(cont.y[10], again[10])
    # After it, it is the course without the missed doses to the solver's accuracy (1e4 cells: 1e-5 of the
    # baseline tumour, where near-cleared tumours differ by their absolute tolerance) ...
    np.testing.assert_allclose(t_cont, t_again, rtol=1e-4, atol=1e4)
    # ... and not the course with them.
    assert np.abs(t_cont[4, -1] / t_full[4, -1] - 1.0) > 0.01


def test_course_and_toxicity_do_not_depend_on_chunking(tmp_path):
    spec = _spec().with_patients(40)
    run_trial(spec, tmp_path / "a", chunk_size=40)
    run_trial(spec, tmp_path / "b", chunk_size=9)
    for name in ("doses", "toxicities", "outcomes"):
        with ResultStore(tmp_path / "a" / "results.duckdb", read_only=True) as a, ResultStore(
            tmp_path / "b" / "results.duckdb", read_only=True
        ) as b:
            pd.testing.assert_frame_equal(a.table(name), b.table(name))


def test_store_doses_false_keeps_the_table_empty(tmp_path):
    spec = _spec().with_patients(20).model_copy(update={"store_doses": False})
    run = run_trial(spec, tmp_path / "t", chunk_size=10)
    with ResultStore(run.out / "results.duckdb", read_only=True) as store:
        assert len(store.table("doses")) == 0 and len(store.table("outcomes")) == 40


def test_million_example_does_not_store_doses():
    assert load_trial_spec(Path(__file__).parents[2] / "examples" / "million.yaml").store_doses is False


def test_treatment_beyond_progression_needs_lesions():
    with pytest.raises(TrialSpecError, match="treat_beyond_progression"):
        parse_trial_spec({
            "name": "ball", "cancer": "b_all", "seed": 1, "patients_per_arm": 10, "follow_up_months": 6,
            "arms": [{"name": "x", "therapies": [{"drug": "tisagenlecleucel"}], "treat_beyond_progression": True}],
        })  # fmt: skip


@pytest.mark.slow
def test_checkmate067_toxicity_within_the_published_intervals(tmp_path):
    reg = load_registry()
    spec = load_trial_spec(reg.spec_path("checkmate067")).with_patients(1000)
    run = run_trial(spec, tmp_path / "cm067", spec_dir=EXAMPLES)
    s = run.summary.set_index("arm")
    for entry in reg.for_trial("checkmate067"):
        if entry.endpoint in ("grade3plus_trae_rate", "discontinued_toxicity_rate"):
            value = s.loc[entry.arm, entry.endpoint]
            assert entry.ci_low <= value <= entry.ci_high, (entry.id, value)
    disc = s["discontinued_toxicity_rate"]
    # The combination stops far more often than either monotherapy (36.4% vs 7.7% and 14.8%).
    assert disc["nivolumab+ipilimumab"] > 2 * max(disc["nivolumab"], disc["ipilimumab"])
