"""`iosim validate` on a subset of the registry at 100 patients per arm."""

import subprocess
import sys

import pandas as pd
import pytest

from iosim.validation import validate
from iosim.validation.registry import load_registry
from iosim.validation.validate import CSV_COLUMNS


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    out = tmp_path_factory.mktemp("validation")
    return validate(patients=100, out=out, trials=["cobleigh1999", "hd_il2_rcc", "checkmate067"]), out


def test_writes_the_csv_with_its_columns_the_page_and_the_plot(result):
    res, out = result
    df = pd.read_csv(out / "validation.csv")
    assert list(df.columns) == CSV_COLUMNS
    trials = {"cobleigh1999", "hd_il2_rcc", "checkmate067"}
    assert set(df["trial"]) == trials and len(df) == sum(len(load_registry().for_trial(t)) for t in trials)
    reached = df.dropna(subset=["simulated"])  # a median PFS "not reached" has no value and no interval
    # An upper confidence limit not reached (the curve stays above 0.5) is open: NaN.
    upper = reached["sim_ci_high"].fillna(float("inf"))
    assert (reached["simulated"].between(reached["sim_ci_low"], upper)).all()
    # within is exactly "the simulated value lies in the observed interval"; a row without one is not judged
    judged = df.dropna(subset=["ci_low", "ci_high"])
    expected = (judged["simulated"] >= judged["ci_low"]) & (judged["simulated"] <= judged["ci_high"])
    assert (judged["within"] == expected).all()
    assert df.loc[df["ci_low"].isna() | df["ci_high"].isna(), "within"].isna().all()
    page = (out / "validation.md").read_text()
    assert "| cobleigh1999 | trastuzumab | orr |" in page and "predicted_vs_observed.png" in page
    assert (out / "predicted_vs_observed.png").stat().st_size > 10_000


def test_combination_rows_carry_independent_drug_action_and_only_they_do(result):
    res, out = result
    df = pd.read_csv(out / "validation.csv")
    combo = df[(df["arm"] == "nivolumab+ipilimumab")].set_index("endpoint")
    assert combo.loc["orr", ["ida", "ida_observed"]].notna().all()
    # the simulated arms' IDA median PFS may be "not reached" at 100 patients; the published arms' never is
    assert pd.notna(combo.at["median_pfs_months", "ida_observed"])
    assert df.loc[df["arm"] != "nivolumab+ipilimumab", ["ida", "ida_observed"]].isna().all().all()
    # IDA never does worse than the better single drug: observed nivolumab ORR 43.7%, median PFS 6.9 months
    assert 0.437 <= combo.at["orr", "ida_observed"] <= 0.437 + 0.19
    assert combo.at["median_pfs_months", "ida_observed"] > 6.9
    page = (out / "validation.md").read_text()
    assert "## Combinations against independent drug action" in page and "## Discussion" in page


def test_only_registry_trials_run():
    from iosim.errors import InputError

    with pytest.raises(InputError, match="no registry entry"):
        validate(patients=10, trials=["million"])


@pytest.mark.parametrize("value", ["0", "-3", "abc", "2000000"])
def test_cli_refuses_a_bad_patient_count_in_one_line(tmp_path, value):
    r = subprocess.run([sys.executable, "-m", "iosim", "validate", "--patients", value, "--out", str(tmp_path)],
                       capture_output=True, text=True, timeout=120)  # fmt: skip
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1 and "--patients" in r.stderr
    assert not list(tmp_path.iterdir())
