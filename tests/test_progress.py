"""Long library calls report progress through an optional callback (the CLI draws the bar);
watching does not change the result."""

import numpy as np
import pandas as pd
import pytest

from iosim import get_model


class Calls(list):
    def __call__(self, done, total):
        self.append((done, total))

    def check(self, total):
        assert self, "progress was never reported"
        done = [d for d, _ in self]
        assert done == sorted(done) and all(t == total for _, t in self)
        assert self[-1] == (total, total)


def test_scan_reports_each_value():
    from iosim.analysis import scan_parameter

    calls = Calls()
    df = scan_parameter(get_model("kuznetsov1994"), "p", [0.05, 0.1, 0.15], n_starts=10, progress=calls)
    calls.check(3)
    assert len(calls) == 3 and set(df["p"]) == {0.05, 0.1, 0.15}


def test_basins_report_each_row_of_the_grid():
    from iosim.analysis import basins

    calls = Calls()
    basins(get_model("kuznetsov1994"), ("T", 1e5, 1e8, 3), ("E", 1e5, 1e6, 2), outcome="T", t_end=50, progress=calls)
    calls.check(6)
    assert [d for d, _ in calls] == [3, 6]


def test_surveillance_progress_counts_replicates_and_changes_nothing():
    from iosim.stochastic.surveillance import surveillance

    kwargs = dict(replicates=150, t_end=5.0, seed=7, method="hybrid")
    calls = Calls()
    watched = surveillance("kuznetsov1994", "T", [1, 5], progress=calls, **kwargs)
    calls.check(300)
    assert len(calls) >= 4  # chunks of at most 64 replicates: more than one step per size
    pd.testing.assert_frame_equal(watched, surveillance("kuznetsov1994", "T", [1, 5], **kwargs))


def test_fit_reports_starts_polish_and_profiles():
    from iosim.fitting import fit_individual, growth_model

    t = np.arange(0.0, 12.0, 2.0)
    v = 1.0 * np.exp(0.3 * t) * np.exp(np.random.default_rng(0).normal(0, 0.05, t.size))
    calls = Calls()
    fit_individual(growth_model("exponential"), (t, v), observe="V", estimate=["a"], starts=2, progress=calls)
    calls.check(4)  # 2 starts, the polish, 1 profile


def test_sensitivity_reports_runs_and_gives_the_same_indices():
    from iosim.analysis.sensitivity import sensitivity

    kwargs = dict(method="morris", parameters=["a", "p"], n=8, seed=1)
    calls = Calls()
    watched = sensitivity("kuznetsov1994", "T", 20.0, progress=calls, **kwargs)
    calls.check(watched.attrs["runs"])
    pd.testing.assert_frame_equal(watched, sensitivity("kuznetsov1994", "T", 20.0, **kwargs))


@pytest.mark.parametrize("workers", [1, 2])
def test_stochastic_engine_reports_chunks(workers):
    from iosim.stochastic import simulate_stochastic

    calls = Calls()
    simulate_stochastic("kuznetsov1994", 2.0, replicates=130, seed=1, workers=workers, progress=calls)
    calls.check(130)


def test_calibrate_reports_each_evaluation_and_the_final_check(small_spec):
    from iosim.trials.calibrate import Target, calibrate
    from iosim.trials.population import Population

    calls = Calls()
    spec = small_spec.model_copy(update={"name": "checkmate067"})  # calibration targets come from the registry
    result = calibrate(spec, Population("melanoma"), [Target("nivolumab", {"orr": 0.437})],
                       ["immunogenicity"], patients=20, max_evaluations=3, progress=calls)  # fmt: skip
    calls.check(4)  # at most 3 evaluations, then the final check
    assert len(calls) == result.evaluations + 1
