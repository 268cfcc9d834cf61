"""The shared way in (SaveAt, SolverOptions), the older keywords that build them, the streamed cohort
(``simulate_cohort(out=..., resume=True)``) and the shared model loader."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import iosim
from iosim import SaveAt, SolverOptions
from iosim.cohort import CohortFile, simulate_cohort
from iosim.cohort import parts as parts_module
from iosim.errors import InputError, SimulationError
from iosim.models import load
from iosim.sbml import write_sbml
from iosim.simulation import ADVICE, EngineResult, Status
from iosim.stochastic import simulate_stochastic


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"every": 1.0, "t1": True}, "one of every, ts and t1"),
        ({"every": 0.0}, "positive"),
        ({"every": "often"}, "must be a number"),
        ({"ts": ["a"]}, "must be numbers"),
        ({"ts": [float("nan")]}, "finite"),
    ],
)
def test_saveat_refuses_what_it_cannot_mean(kwargs, message):
    with pytest.raises(InputError, match=message):
        SaveAt(**kwargs)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"rtol": 0.0}, "rtol"), ({"atol": -1.0}, "atol"), ({"max_steps": 1.5}, "max_steps"), ({"method": 3}, "method")],
)
def test_solver_options_refuse_what_they_cannot_mean(kwargs, message):
    with pytest.raises(InputError, match=message):
        SolverOptions(**kwargs)


def test_objects_and_older_keywords_give_the_same_run():
    new = iosim.simulate("kuznetsov1994", 10, saveat=SaveAt(ts=[2, 5, 10]), solver=SolverOptions(method="BDF"))
    old = iosim.simulate("kuznetsov1994", 10, times=[2, 5, 10], method="BDF")
    np.testing.assert_array_equal(new.t, [2, 5, 10])
    np.testing.assert_array_equal(new.y, old.y)
    final = simulate_cohort("kuznetsov1994", 10, params={"a": [0.1, 0.2]}, saveat=SaveAt(t1=True))
    np.testing.assert_array_equal(final.t, [10.0])


def test_an_object_and_a_keyword_for_the_same_thing_is_refused():
    with pytest.raises(InputError, match="saveat or output_every"):
        iosim.simulate("kuznetsov1994", 10, saveat=SaveAt(every=2), output_every=1.0)
    with pytest.raises(InputError, match="solver or rtol"):
        simulate_cohort("kuznetsov1994", 10, solver=SolverOptions(), rtol=1e-3)


def test_each_engine_checks_the_method_against_its_own():
    with pytest.raises(iosim.UnknownNameError, match="solver method"):
        iosim.simulate("kuznetsov1994", 10, solver=SolverOptions(method="rosenbrock"))
    with pytest.raises(InputError, match="rtol"):  # the stochastic engines fix their own tolerances
        simulate_stochastic("kuznetsov1994", 5, replicates=1, solver=SolverOptions(method="tau", rtol=1e-3))


def test_failures_name_their_advice_and_raise_for_status_returns_the_result():
    ok = iosim.simulate("kuznetsov1994", 5)
    assert ok.raise_for_status() is ok
    res = simulate_stochastic("kuznetsov1994", 30.0, replicates=2, seed=1, solver=SolverOptions(max_steps=10))
    assert res.status_counts() == {"max_steps": 2}
    with pytest.raises(SimulationError, match=r"2 of 2 replicates .* failed \(max_steps\)"):
        res.raise_for_status()
    assert "max_steps" in ADVICE[Status.MAX_STEPS]


def test_streamed_cohort_resumes_and_equals_the_in_memory_one(tmp_path, monkeypatch):
    a = np.linspace(0.1, 0.3, 5)
    out = tmp_path / "c.parquet"
    kw = dict(params={"a": a}, saveat=SaveAt(every=2.0), chunk_size=2)
    real, written = parts_module.write_part, []

    def stop_after_two(folder, k, table, failed):
        if len(written) == 2:
            raise KeyboardInterrupt
        real(folder, k, table, failed)
        written.append(k)

    monkeypatch.setattr(parts_module, "write_part", stop_after_two)
    with pytest.raises(KeyboardInterrupt):
        simulate_cohort("kuznetsov1994", 10, out=out, **kw)
    monkeypatch.setattr(parts_module, "write_part", real)
    with pytest.raises(InputError, match="resume=True"):  # an interrupted run is never overwritten silently
        simulate_cohort("kuznetsov1994", 10, out=out, **kw)
    with pytest.raises(InputError, match="t_end differs"):  # nor continued with other inputs
        simulate_cohort("kuznetsov1994", 12, out=out, resume=True, **kw)
    done = simulate_cohort("kuznetsov1994", 10, out=out, resume=True, **kw)
    assert isinstance(done, CohortFile) and isinstance(done, EngineResult) and done.raise_for_status() is done
    assert done.status_counts() == {"ok": 5}
    memory = simulate_cohort("kuznetsov1994", 10, **kw)
    pd.testing.assert_frame_equal(done.to_dataframe(), memory.to_dataframe(), check_dtype=False)
    pd.testing.assert_frame_equal(done.summary(), memory.summary())


def test_resume_without_a_file_is_refused():
    with pytest.raises(InputError, match="needs out=PATH"):
        simulate_cohort("kuznetsov1994", 10, resume=True)


def test_the_shared_loader_gives_a_model_files_doses(tmp_path):
    model = iosim.get_model("kuznetsov1994")
    regimen = iosim.bolus("T", 1e6, at=5)
    path = tmp_path / "k.xml"
    write_sbml(model, path, regimen=regimen)
    back, carried = load(str(path))
    assert back.state_names == model.state_names and [(e.state, e.time, e.amount) for e in carried] == [("T", 5, 1e6)]
    same, none = load("kuznetsov1994")
    assert same.id == "kuznetsov1994" and len(none) == 0


def test_iosim_stochastic_applies_a_model_files_doses(tmp_path):
    from iosim.cli.main import run

    model = iosim.get_model("kuznetsov1994")
    path = tmp_path / "k.xml"
    write_sbml(model, path, regimen=iosim.bolus("T", 1e7, at=2))
    out = tmp_path / "s.csv"
    args = ["stochastic", str(path), "--replicates", "2", "--days", "3", "--method", "hybrid", "--seed", "1",
            "--out", str(out)]  # fmt: skip
    with pytest.raises(SystemExit) as exit_info:
        run(args)
        raise SystemExit(0)
    assert exit_info.value.code == 0
    df = pd.read_csv(out)
    before, after = df[df.time == 1]["T"].to_numpy(), df[df.time == 2]["T"].to_numpy()
    assert (after > before + 5e6).all()  # the file's dose of 1e7 tumour cells on day 2 was given
