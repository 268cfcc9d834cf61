"""Running trials: endpoints, the store, resume after an interruption, reproducibility."""

import math

import numpy as np
import pandas as pd
import pytest

from iosim.trials import ResultStore, StoreError, run_trial
from iosim.trials import runner as runner_module


def _tables(folder):
    with ResultStore(folder / "results.duckdb", read_only=True) as store:
        return {name: store.table(name) for name in ("patients", "assessments", "outcomes")}


def test_trial_writes_summary_report_and_store(small_spec, tmp_path):
    run = run_trial(small_spec, tmp_path / "t", chunk_size=30)
    summary = pd.read_csv(tmp_path / "t" / "summary.csv")
    assert list(summary["arm"]) == ["control", "nivolumab"]
    for col in ("arm", "n", "orr", "cr_rate", "dcr", "median_pfs_months", "median_os_months"):
        assert col in summary.columns
    assert (summary["n"] == 60).all()
    # Anti-PD-1 in melanoma, through the mechanism: more responses and longer PFS than no treatment.
    control, nivo = summary.iloc[0], summary.iloc[1]
    assert nivo["orr"] > control["orr"] + 0.2
    assert (nivo["median_pfs_months"] > control["median_pfs_months"]) or math.isnan(nivo["median_pfs_months"])
    html = (tmp_path / "t" / "report.html").read_text()
    assert "Kaplan" in html and "data:image/png;base64" in html
    tables = _tables(tmp_path / "t")
    assert len(tables["outcomes"]) == 120 and tables["outcomes"]["patient"].nunique() == 60
    assert run.summary.shape[0] == 2


def test_same_seed_same_results_whatever_the_chunking(small_spec, tmp_path):
    run_trial(small_spec, tmp_path / "a", chunk_size=60)
    run_trial(small_spec, tmp_path / "b", chunk_size=7)
    a, b = _tables(tmp_path / "a"), _tables(tmp_path / "b")
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name])


def test_resume_after_interruption_equals_an_uninterrupted_run(small_spec, tmp_path, monkeypatch):
    run_trial(small_spec, tmp_path / "full", chunk_size=20)
    calls = {"n": 0}
    real = runner_module.simulate_chunk

    def flaky(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 4:
            raise KeyboardInterrupt  # as if Ctrl-C arrived during the fourth chunk
        return real(*args, **kwargs)

    monkeypatch.setattr(runner_module, "simulate_chunk", flaky)
    with pytest.raises(KeyboardInterrupt):
        run_trial(small_spec, tmp_path / "cut", chunk_size=20)
    monkeypatch.setattr(runner_module, "simulate_chunk", real)
    with pytest.raises(StoreError, match="--resume"):
        run_trial(small_spec, tmp_path / "cut", chunk_size=20)
    run_trial(small_spec, tmp_path / "cut", chunk_size=20, resume=True)
    full, cut = _tables(tmp_path / "full"), _tables(tmp_path / "cut")
    for name in full:
        pd.testing.assert_frame_equal(full[name], cut[name])


def test_resume_refuses_a_different_trial(small_spec, tmp_path):
    run_trial(small_spec.with_patients(10), tmp_path / "x", chunk_size=10)
    with pytest.raises(StoreError, match="different trial"):
        run_trial(small_spec.with_patients(12), tmp_path / "x", chunk_size=10, resume=True)


def test_resume_of_a_store_from_an_earlier_version_names_the_missing_fields(small_spec, tmp_path):
    import json

    from iosim.trials.store import ResultStore

    spec = json.loads(json.dumps(small_spec.model_dump(mode="json")))
    older = {k: v for k, v in spec.items() if k not in ("assessment_window_days", "criteria")}
    with ResultStore(tmp_path / "old.duckdb") as store:
        store.start(json.dumps(older), resume=False)
    with ResultStore(tmp_path / "old.duckdb") as store, pytest.raises(StoreError) as err:
        store.start(json.dumps(spec), resume=True)
    assert "earlier iosim" in str(err.value) and "assessment_window_days, criteria" in str(err.value)


def test_workers_and_dask_give_identical_results(small_spec, tmp_path):
    spec = small_spec.with_patients(20)
    run_trial(spec, tmp_path / "one", chunk_size=10)
    run_trial(spec, tmp_path / "two", chunk_size=10, workers=2)
    run_trial(spec, tmp_path / "dask", chunk_size=7, workers=2, cluster="local")
    one = _tables(tmp_path / "one")
    for other in ("two", "dask"):
        tables = _tables(tmp_path / other)
        for name in one:
            pd.testing.assert_frame_equal(one[name], tables[name])
    assert np.isfinite(one["outcomes"]["os_months"]).all()


def test_resume_refuses_another_chunk_size(small_spec, tmp_path, monkeypatch):
    # Chunk numbers name patients only for one chunk size: another size would lose or repeat patients.
    real = runner_module.simulate_chunk
    calls = {"n": 0}

    def cut(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(runner_module, "simulate_chunk", cut)
    with pytest.raises(KeyboardInterrupt):
        run_trial(small_spec, tmp_path / "cut", chunk_size=10)
    monkeypatch.setattr(runner_module, "simulate_chunk", real)
    with pytest.raises(StoreError, match="chunk"):
        run_trial(small_spec, tmp_path / "cut", chunk_size=20, resume=True)
