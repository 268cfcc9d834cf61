"""`iosim validate` on a subset of the registry at 100 patients per arm."""

import subprocess
import sys

import pandas as pd
import pytest

from iosim.validation import validate
from iosim.validation.compare import COLUMNS


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    out = tmp_path_factory.mktemp("validation")
    return validate(patients=100, out=out, trials=["cobleigh1999", "hd_il2_rcc"]), out


def test_writes_the_csv_with_its_columns_the_page_and_the_plot(result):
    res, out = result
    df = pd.read_csv(out / "validation.csv")
    assert list(df.columns) == COLUMNS
    assert set(df["trial"]) == {"cobleigh1999", "hd_il2_rcc"} and len(df) == 3
    assert (df["simulated"].between(df["sim_ci_low"], df["sim_ci_high"])).all()
    # within is exactly "the simulated value lies in the observed interval"
    expected = (df["simulated"] >= df["ci_low"]) & (df["simulated"] <= df["ci_high"])
    assert (df["within"] == expected).all()
    page = (out / "validation.md").read_text()
    assert "| cobleigh1999 | trastuzumab | orr |" in page and "predicted_vs_observed.png" in page
    assert (out / "predicted_vs_observed.png").stat().st_size > 10_000


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
