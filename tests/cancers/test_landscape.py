"""`iosim landscape`: one drug's label monotherapy across cancer types, against TMB."""

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from iosim.landscape import COLUMNS, landscape

REQUIRED = ["cancer", "drug", "patients", "orr", "orr_ci_low", "orr_ci_high", "cr_rate", "median_pfs_months",
            "calibrated"]  # fmt: skip


def iosim(*args):
    return subprocess.run([sys.executable, "-m", "iosim", *args], capture_output=True, text=True, timeout=300)


def test_cli_writes_the_csv_and_the_plot(tmp_path):
    out = tmp_path / "land"
    r = iosim("landscape", "--drug", "pembrolizumab", "--patients", "40", "--cancers", "melanoma,crc_msi_high,crc_mss",
              "--out", str(out))  # fmt: skip
    assert r.returncode == 0, r.stderr
    df = pd.read_csv(out / "landscape.csv")
    assert df.columns.tolist()[: len(REQUIRED)] == REQUIRED and "tmb" in df and "observed_orr" in df
    assert df["cancer"].tolist() == ["melanoma", "crc_msi_high", "crc_mss"]
    assert (df["patients"] == 40).all() and (df["drug"] == "pembrolizumab").all()
    assert ((df["orr_ci_low"] <= df["orr"]) & (df["orr"] <= df["orr_ci_high"])).all()
    assert (df["cr_rate"] <= df["orr"]).all()
    # melanoma's population is calibrated (CheckMate 067), the colorectal types' are not
    assert df["calibrated"].tolist() == [True, False, False]
    # the same tissue, 10x the mutations: mismatch-repair-deficient colorectal cancer responds, MSS does not
    cr = df.set_index("cancer")
    assert cr.at["crc_msi_high", "orr"] > cr.at["crc_mss", "orr"] + 0.3
    assert cr.at["crc_msi_high", "tmb"] > cr.at["crc_mss", "tmb"]
    # observed anti-PD-1 ORRs from the registry: pembrolizumab itself in melanoma (KEYNOTE-006), Le 2015 in MSS
    assert cr.at["melanoma", "observed_orr"] == pytest.approx(0.329)
    assert "keynote006/pembrolizumab/orr" in cr.at["melanoma", "observed_source"]
    assert cr.at["crc_mss", "observed_orr"] == 0.0
    assert (out / "landscape.png").stat().st_size > 20_000
    assert "uncalibrated" in r.stdout


def test_a_drug_without_its_target_runs_and_says_why():
    # pancreatic: untreated tumours do not regress in that population (the melanoma population has ~6%
    # spontaneous responders, docs/calibration.md), so any response would be the drug's
    df = landscape("tisagenlecleucel", 20, cancers=["pancreatic"])
    row = df.iloc[0]
    assert row["orr"] == 0.0 and "does not express CD19" in row["note"]
    assert list(df.columns) == COLUMNS and np.isnan(row["observed_orr"])


def test_results_do_not_depend_on_workers():
    a = landscape("nivolumab", 30, cancers=["nsclc", "urothelial"])
    b = landscape("nivolumab", 30, cancers=["nsclc", "urothelial"], workers=2)
    pd.testing.assert_frame_equal(a, b)


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["--drug", "pembro"], "did you mean pembrolizumab"),
        (["--drug", "pembrolizumab", "--patients", "0"], "--patients 0"),
        (["--drug", "pembrolizumab", "--patients", "-3"], "--patients -3"),
        (["--drug", "pembrolizumab", "--patients", "abc"], "--patients"),
        (["--drug", "pembrolizumab", "--cancers", "melanomaa"], "unknown cancer type 'melanomaa'"),
        (["--patients", "10"], "--drug"),
        (["--drug", "pembrolizumab", "--cancers", ",,"], "--cancers"),
    ],
)
def test_bad_input_is_one_line_with_exit_2_and_writes_nothing(tmp_path, args, fragment):
    out = tmp_path / "land"
    r = iosim("landscape", *args, "--out", str(out))
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1 and fragment in r.stderr
    assert not out.exists()
