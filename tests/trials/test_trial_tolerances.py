"""The trials' solver settings read the same RECIST and survival endpoints as a far tighter solve."""

from pathlib import Path

import numpy as np

from iosim.trials import load_trial_spec, method
from iosim.trials import runner as runner_module
from iosim.trials.arms import plan_arm
from iosim.trials.spec import DAYS_PER_MONTH

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _outcomes(spec, population, patients):
    plans = {a.name: plan_arm(spec.cancer, a.therapies, spec.follow_up_days) for a in spec.arms}
    tables = runner_module._simulate_arms(spec, plans, population, patients)
    return {arm: t["outcomes"] for arm, t in tables.items()}


def _days(months, event):
    # Whole days of an event (-1: none), the resolution a trial reports.
    return np.where(event, np.floor(np.asarray(months) * DAYS_PER_MONTH), -1)


def test_trial_tolerances_read_the_same_endpoints_as_a_tight_solve(monkeypatch):
    # million.yaml's two arms (nivolumab; nivolumab + ipilimumab, whose courses are mildly stiff), 300
    # patients each: the best overall response and the day of progression and of death are the same as with
    # rtol 1e-9, atol 1e-9 (measured on 10,000 courses: none differs, docs/performance.md).
    spec = load_trial_spec(EXAMPLES / "million.yaml")
    population = runner_module.population_for(spec, EXAMPLES)
    patients = np.arange(300)
    trial = _outcomes(spec, population, patients)
    monkeypatch.setattr(runner_module, "RTOL", 1e-9)
    monkeypatch.setattr(runner_module, "ATOL", 1e-9)
    tight = _outcomes(spec, population, patients)
    differ = 0
    for arm, a in trial.items():
        b = tight[arm]
        assert (a["status"] == "ok").all()
        differ += int(
            (
                (a["best_response"].to_numpy() != b["best_response"].to_numpy())
                | (_days(a["pfs_months"], a["pfs_event"]) != _days(b["pfs_months"], b["pfs_event"]))
                | (_days(a["os_months"], a["os_event"]) != _days(b["os_months"], b["os_event"]))
            ).sum()
        )
    assert differ <= 1  # at most 1 of 600 patients (~0.2%)


def test_each_arm_takes_the_cheaper_integrator_whatever_the_trial_size():
    # Mildly stiff ipilimumab courses stay with the explicit pair (auto's Rosenbrock would cost ~5x); the
    # high-dose IL-2 courses, where the explicit pair needs ~8x auto's steps, are handed to auto.
    for name, expected in (("million", ["tsit5", "tsit5"]), ("hd_il2_melanoma", ["auto"])):
        spec = load_trial_spec(EXAMPLES / f"{name}.yaml")
        population = runner_module.population_for(spec, EXAMPLES)
        chosen = []
        for arm in spec.arms:
            plan = plan_arm(spec.cancer, arm.therapies, spec.follow_up_days)
            chosen.append(runner_module.arm_method(spec, plan, population, arm.name))
            # The choice reads the same pilot patients whatever the number of patients per arm.
            assert method.arm_key(spec.with_patients(10), population, arm.name) == method.arm_key(
                spec, population, arm.name
            )
        assert chosen == expected
