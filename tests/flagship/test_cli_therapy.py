"""`iosim drugs`, `iosim cancers`, `iosim matrix` and `iosim simulate core --cancer ... --therapy ...`."""

import subprocess
import sys

import pandas as pd


def iosim(*args):
    return subprocess.run([sys.executable, "-m", "iosim", *args], capture_output=True, text=True, timeout=120)


def test_drugs_and_cancers_catalogues():
    r = iosim("drugs")
    assert r.returncode == 0 and "axicabtagene_ciloleucel" in r.stdout and "3mg/kg-q2w" in r.stdout
    r = iosim("drugs", "ipilimumab")
    assert r.returncode == 0 and "15.4" in r.stdout and "Yervoy" in r.stdout
    r = iosim("cancers", "crc_msi_high")
    assert r.returncode == 0 and "Le 2015" in r.stdout and "population: uncalibrated" in r.stdout
    r = iosim("cancers")
    assert r.returncode == 0 and "calibrated (checkmate067, checkmate066, schwartzentruber2011, c144_01)" in r.stdout
    r = iosim("drugs", "nivolumb")
    assert r.returncode == 2 and "did you mean nivolumab" in r.stderr and r.stderr.count("\n") == 1


def test_matrix_writes_table_and_heatmap(tmp_path):
    out, png = tmp_path / "m.csv", tmp_path / "m.png"
    r = iosim("matrix", "--cancers", "melanoma,pancreatic", "--therapies", "nivolumab", "--days", "120",
              "--patients", "40", "--out", str(out), "--plot", str(png))  # fmt: skip
    assert r.returncode == 0, r.stderr
    df = pd.read_csv(out)
    # melanoma responds to nivolumab (~29% by day 120 at 200 patients; 40 patients span ~15-43%), pancreatic not
    assert df["orr"][0] >= 0.1 and df["orr"][1] == 0 and df["response"][1] == "PD"
    assert (df["patients"] == 40).all() and list(df["population"]) == ["calibrated", "uncalibrated"]
    assert {"cancer", "therapy", "orr", "orr_low", "orr_high", "best_pct_change", "response", "diameter_mm_6mo",
            "tumour_cells_12mo"} <= set(df)  # fmt: skip
    assert "pancreatic *" in r.stdout and "uncalibrated" in r.stdout
    assert png.stat().st_size > 5000


def test_simulate_core_with_cancer_and_therapy(tmp_path):
    out = tmp_path / "s.csv"
    r = iosim("simulate", "core", "--cancer", "melanoma", "--therapy", "trastuzumab", "--days", "14",
              "--patient", "weight_kg=70,height_cm=175", "--out", str(out))  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "does not express HER2" in r.stderr
    df = pd.read_csv(out)
    assert {"time", "Tp", "Tn", "tumour_cells", "tumour_diameter_mm", "targeting_mab_mg_per_L"} <= set(df)
    r = iosim("simulate", "core", "--cancer", "dlbcl", "--therapy", "rituximab", "--days", "14",
              "--patient", "weight_kg=70")  # fmt: skip
    assert r.returncode == 2 and "height_cm" in r.stderr


def test_simulate_writes_combinations_as_the_matrix_does(tmp_path):
    joined, repeated = tmp_path / "a.csv", tmp_path / "b.csv"
    for out, args in ((joined, ["--therapy", "nivolumab+ipilimumab"]),
                      (repeated, ["--therapy", "nivolumab", "--therapy", "ipilimumab"])):  # fmt: skip
        r = iosim("simulate", "core", "--cancer", "melanoma", *args, "--days", "30", "--out", str(out))
        assert r.returncode == 0, r.stderr
    pd.testing.assert_frame_equal(pd.read_csv(joined), pd.read_csv(repeated))
