"""Calibrate the trial toxicity models (iosim.therapy.toxicity) on their registry targets.

    PYTHONPATH=src python examples/calibrate_toxicity.py [--patients 1000]

Runs CheckMate 067 and ZUMA-1 once each (the toxicity constants do not change the first course, from
which exposures, progression and death are read), then solves for

* the irAE coefficients (a, b, c) and (a', b', c') so that each CheckMate 067 arm's expected grade 3-4
  rate and discontinuation rate equal the registry's ``calibrated`` entries (Larkin 2015 NEJM 373:23,
  Table 3), given the patients' exposures and when their events could be seen;
* the CRS thresholds so that ZUMA-1's expected any-grade and grade >= 3 rates equal the registry's
  (Neelapu 2017 NEJM 377:2531), grades >= 2 and >= 4 at the assumed shares of CrsModel;
* the capillary-leak hazard so that the IL-2-alone arm of Schwartzentruber 2011 (720,000 IU/kg) has the
  registry's grade 3-4 rate (NEJM 364:2119, Table 3), given when its patients' events could be seen.

It prints the new constants for src/iosim/therapy/toxicity.py (IRAE, CRS and CAPILLARY_LEAK; ``--only`` picks
some); rerun it after a change
to the model's drug or CAR-T kinetics, paste the values, and check with ``iosim validate``.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np
from scipy.optimize import brentq, fsolve
from scipy.special import ndtr

from iosim.library import EXAMPLES
from iosim.trials import load_trial_spec, run_trial
from iosim.trials import toxicity as tox
from iosim.trials.arms import plan_arm
from iosim.trials.spec import DAYS_PER_MONTH
from iosim.trials.store import ResultStore
from iosim.validation.registry import load_registry


def _run(name: str, patients: int, work: Path):
    reg = load_registry()
    spec = load_trial_spec(reg.spec_path(name)).with_patients(patients)
    run_trial(spec, work / name, spec_dir=EXAMPLES)
    with ResultStore(work / name / "results.duckdb", read_only=True) as store:
        return spec, reg, store.table("patients"), store.table("outcomes")


def _target(reg, trial: str, arm: str, endpoint: str) -> float:
    entry = next(e for e in reg.for_trial(trial) if e.arm == arm and e.endpoint == endpoint)
    return float(entry.observed)


def irae(patients: int, work: Path) -> None:
    spec, reg, people, outcomes = _run("checkmate067", patients, work)
    arms = []
    for arm in spec.arms:
        plan = plan_arm(spec.cancer, arm.therapies, spec.follow_up_days)
        p = people[people["arm"] == arm.name].sort_values("patient")
        o = outcomes[outcomes["arm"] == arm.name].sort_values("patient")
        ids = p["patient"].to_numpy()
        days = np.unique(plan.doses["day"].to_numpy(dtype=float))
        prog = p["progression_stop_day"].to_numpy(dtype=float)
        k = np.searchsorted(days, prog, side="left")
        last = np.where(k > 0, days[np.maximum(k - 1, 0)], -np.inf)
        death = o["os_months"].to_numpy(float) * DAYS_PER_MONTH
        end = np.where(o["os_event"].to_numpy(bool), death, spec.follow_up_days)
        onset = tox.irae_onset(spec.seed, ids, float(days.min()))
        seen = (onset < end) & (onset <= last + tox.REPORTING_DAYS)
        stops = seen & (onset < last)
        x = (p["pd_blockade_12w"].to_numpy(float), p["ctla4_occupancy_12w"].to_numpy(float))
        arms.append((arm.name, x, seen, stops))
    m = tox.IRAE

    def grade34(coef):
        return [np.mean(m.probability(tuple(coef), *x) * seen) - _target(reg, "checkmate067", a, "grade3plus_trae_rate")
                for a, x, seen, _ in arms]  # fmt: skip

    g = fsolve(grade34, m.grade34)

    def disc(coef):
        out = []
        for a, x, _, stops in arms:
            p34 = m.probability(tuple(g), *x)
            pd_ = np.maximum(np.minimum(m.probability(tuple(coef), *x), p34), m.grade4_share * p34)
            out.append(np.mean(pd_ * stops) - _target(reg, "checkmate067", a, "discontinued_toxicity_rate"))
        return out

    d = fsolve(disc, m.discontinue)
    print(f"IRAE grade34=({g[0]:.4f}, {g[1]:.4f}, {g[2]:.4f}), discontinue=({d[0]:.4f}, {d[1]:.4f}, {d[2]:.4f})")


def crs(patients: int, work: Path) -> None:
    spec, reg, people, _ = _run("zuma1", patients, work)
    arm = spec.arms[0].name
    p = people[people["arm"] == arm].sort_values("patient")
    c = tox.CRS
    s = np.log10(np.maximum(p["car_t_peak_cells"].to_numpy(float), 1.0))
    shares = (
        _target(reg, "zuma1", arm, "crs_any_grade_rate"),
        c.grade2_share,
        _target(reg, "zuma1", arm, "crs_grade3plus_rate"),
        c.grade4_share,
    )
    out = [brentq(lambda t, q=q: float(np.mean(ndtr((s - t) / c.sigma))) - q, -5.0, 20.0) for q in shares]
    print("CRS thresholds=(" + ", ".join(f"{t:.3f}" for t in out) + ")")


def capillary_leak(patients: int, work: Path) -> None:
    spec, reg, people, outcomes = _run("schwartzentruber2011", patients, work)
    arm = spec.arms[0]
    plan = plan_arm(spec.cancer, arm.therapies, spec.follow_up_days)
    ids = people[people["arm"] == arm.name].sort_values("patient")["patient"].to_numpy()
    o = outcomes[outcomes["arm"] == arm.name].sort_values("patient")
    death = o["os_months"].to_numpy(float) * DAYS_PER_MONTH
    end = np.where(o["os_event"].to_numpy(bool), death, spec.follow_up_days)
    k = tox.CAPILLARY_LEAK
    onset = tox.capillary_leak_onset(spec.seed, ids, float(plan.doses["day"].min()))
    seen = float(np.mean(onset < end))  # the first course's doses run well past the onset (day ~3)
    relative = float(plan.doses["amount"].max()) / 70.0 / k.hd_iu_per_kg
    target = _target(reg, "schwartzentruber2011", arm.name, "capillary_leak_grade3plus_rate")
    hazard = brentq(lambda h: seen * (1.0 - np.exp(-h * relative)) - target, 1e-6, 50.0)
    print(f"CAPILLARY_LEAK hazard={hazard:.4f} (dose {relative:.2f} x 600,000 IU/kg, {seen:.1%} seen)")


STEPS = {"irae": irae, "crs": crs, "capillary_leak": capillary_leak}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--patients", type=int, default=1000)
    ap.add_argument("--only", default=",".join(STEPS), help="comma-separated: " + ", ".join(STEPS))
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as work:
        for name in args.only.split(","):
            STEPS[name.strip()](args.patients, Path(work))


if __name__ == "__main__":
    main()
