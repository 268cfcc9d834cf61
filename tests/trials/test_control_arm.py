"""A trial with a control arm: hazard ratios and landmark rates in summary.csv, comparisons in the report."""

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from iosim.endpoints.comparison import HR_COLUMNS, LANDMARK_COLUMNS
from iosim.trials import TrialSpecError, load_trial_spec, parse_trial_spec, run_trial

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_checkmate067_against_ipilimumab_as_control(tmp_path):
    spec = load_trial_spec(EXAMPLES / "checkmate067.yaml").with_patients(200)
    data = spec.model_dump(mode="json")
    data["arms"][1]["control"] = True  # ipilimumab, the comparator of CheckMate 067
    spec = parse_trial_spec(data)
    assert spec.control_arm == "ipilimumab"
    run_trial(spec, tmp_path / "t", spec_dir=EXAMPLES)
    summary = pd.read_csv(tmp_path / "t" / "summary.csv").set_index("arm")
    cols = list(summary.columns)
    start = cols.index("hr_os")
    assert cols[start : start + 10] == HR_COLUMNS + LANDMARK_COLUMNS
    assert summary.loc["ipilimumab", HR_COLUMNS].isna().all()  # the control has no ratio against itself
    for arm in ("nivolumab", "nivolumab+ipilimumab"):
        for ep in ("os", "pfs"):
            hr, lo, hi = summary.loc[arm, [f"hr_{ep}", f"hr_{ep}_ci_low", f"hr_{ep}_ci_high"]]
            assert 0 < lo < hr < hi
    # The combination beats ipilimumab alone in the simulation as in the trial (OS HR 0.55, Wolchok 2017).
    assert summary.loc["nivolumab+ipilimumab", "hr_os_ci_high"] < 1.0
    # 36 months of follow-up: every landmark is reached; survival falls from 12 to 36 months.
    rates = summary[LANDMARK_COLUMNS]
    assert rates.notna().all().all() and ((rates >= 0) & (rates <= 1)).all().all()
    assert (rates["os_rate_12m"] >= rates["os_rate_24m"]).all() and (rates["os_rate_24m"] >= rates["os_rate_36m"]).all()
    html = (tmp_path / "t" / "report.html").read_text(encoding="utf-8")
    assert '<section id="versus-control">' in html and "against the control arm ipilimumab" in html
    assert "<td>ipilimumab (control)</td>" in html  # "What was simulated" names the control


def test_without_control_the_ratios_are_empty_and_short_follow_up_has_no_late_landmarks(small_spec, tmp_path):
    run_trial(small_spec, tmp_path / "t", chunk_size=60)  # 18 months, no control arm
    summary = pd.read_csv(tmp_path / "t" / "summary.csv")
    assert summary[HR_COLUMNS].isna().all().all()
    assert summary["os_rate_12m"].notna().all() and summary["pfs_rate_12m"].notna().all()
    # Follow-up ends at 18 months: a 24- or 36-month rate is unknown unless everyone had died.
    for col in ("os_rate_24m", "os_rate_36m"):
        assert all(math.isnan(x) or x == 0 for x in summary[col])
    assert np.isnan(summary["os_rate_36m"]).any()


def test_two_control_arms_are_refused(small_spec):
    data = small_spec.model_dump(mode="json")
    for arm in data["arms"]:
        arm["control"] = True
    with pytest.raises(TrialSpecError, match="at most one arm may have control: true; found control, nivolumab"):
        parse_trial_spec(data)


def _cli(args):
    from typer.testing import CliRunner

    from iosim.cli.app import app
    from iosim.cli.main import _load_commands

    _load_commands()
    return CliRunner().invoke(app, args)


def test_cli_prints_the_hazard_ratio_and_refuses_two_controls_in_one_line(small_spec, tmp_path, capsys):
    import yaml

    data = small_spec.model_dump(mode="json") | {"patients_per_arm": 40}
    data["arms"][0]["control"] = True
    (tmp_path / "one.yaml").write_text(yaml.safe_dump(data))
    result = _cli(["trial", str(tmp_path / "one.yaml"), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "OS HR" in result.output and "against the control arm control" in result.output
    data["arms"][1]["control"] = True
    (tmp_path / "two.yaml").write_text(yaml.safe_dump(data))
    with pytest.raises(SystemExit) as stop:  # the entry point, which maps errors to exit codes
        from iosim.cli.main import run

        run(["trial", str(tmp_path / "two.yaml"), "--out", str(tmp_path / "out2")])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert "at most one arm may have control: true" in err and len(err.strip().splitlines()) == 1
