"""Shipped data sets: registry, loaders, the OAK convenience table and the `iosim data` command."""

import csv
import dataclasses
import gzip
import subprocess
import sys
from importlib.resources import files

import numpy as np
import pytest

import iosim.data
from iosim.errors import InputError

LALEH = files("iosim.data").joinpath("laleh2022", "laleh2022_S6_target_lesion_long.csv.gz")


def _raw_rows():
    """The laleh2022 file read with the standard library only, independent of iosim.data."""
    with LALEH.open("rb") as fh, gzip.open(fh, "rt", newline="") as text:
        return list(csv.DictReader(text))


def iosim_cli(*args):
    return subprocess.run([sys.executable, "-m", "iosim", *args], capture_output=True, text=True, timeout=120)


def test_registry_lists_both_sets_with_licence_and_citation():
    sets = {ds.name: ds for ds in iosim.data.datasets()}
    assert set(sets) == {"laleh2022", "benzekry2014"}
    assert sets["laleh2022"].licence == "CC BY 4.0" and "e1009822" in sets["laleh2022"].citation
    assert sets["benzekry2014"].licence == "GPL-3.0" and "e1003800" in sets["benzekry2014"].citation
    with pytest.raises(dataclasses.FrozenInstanceError):
        sets["laleh2022"].rows = 1


@pytest.mark.parametrize("name", ["laleh2022", "benzekry2014"])
def test_declared_rows_match_the_file_and_the_licence_ships_beside_it(name):
    ds = next(d for d in iosim.data.datasets() if d.name == name)
    assert len(iosim.data.load(name)) == ds.rows
    folder = files("iosim.data").joinpath(ds.folder)
    assert any(p.name.startswith("LICENSE") for p in folder.iterdir())
    assert "licen" in iosim.data.source_text(name).lower()


def test_laleh2022_loads_unchanged_with_ids_as_text():
    table = iosim.data.load("laleh2022")
    raw = _raw_rows()
    assert len(table) == len(raw) == 8560  # SOURCE.txt of the shared copy: 8560 rows
    assert table["patient_id"].tolist() == [r["patient_id"] for r in raw]  # 19-digit hashes, not rounded
    assert (table["ld_mm_raw"] == "TOO SMALL TO MEASURE").sum() == 54
    assert (table["ld_mm_raw"] == "NOT EVALUABLE").sum() == 62


def test_unknown_data_set_names_the_valid_ones():
    with pytest.raises(InputError, match="laleh2022, benzekry2014"):
        iosim.data.load("oak2017")
    with pytest.raises(InputError, match="choose from"):
        iosim.data.source_text("nope")


@pytest.mark.parametrize(
    "arm, study_arm, patients",
    # Patients per arm as counted in the published file (summary_by_arm.csv of the shared copy).
    [("atezolizumab", "Study_4_Arm_2", 376), ("docetaxel", "Study_4_Arm_1", 325)],
)
def test_oak_arms_hold_every_patient_and_measured_scan(arm, study_arm, patients):
    raw = [r for r in _raw_rows() if r["study_arm"] == study_arm]
    ids = {r["patient_id"] for r in raw}
    assert len(ids) == patients
    usable = [r for r in raw if r["ld_mm"] != "" or r["ld_mm_raw"] == "TOO SMALL TO MEASURE"]

    table = iosim.data.oak(arm)
    assert list(table.columns) == ["patient", "day", "diameter_mm"]
    assert set(table["patient"]) == ids and len(table) == len(usable)
    assert table["diameter_mm"].notna().all() and table["day"].dtype == float
    assert table.equals(table.sort_values(["patient", "day"]).reset_index(drop=True))


def test_oak_records_too_small_to_measure_as_5_mm():
    raw = _raw_rows()
    small = {
        (r["patient_id"], float(r["day"]))
        for r in raw
        if r["study_arm"] == "Study_4_Arm_2" and r["ld_mm_raw"] == "TOO SMALL TO MEASURE"
    }
    assert len(small) == 15
    table = iosim.data.oak("atezolizumab").set_index(["patient", "day"])
    assert np.all(table.loc[sorted(small), "diameter_mm"] == 5.0)


def test_oak_unknown_arm():
    with pytest.raises(InputError, match="atezolizumab, docetaxel"):
        iosim.data.oak("placebo")


def test_mouse_set_matches_the_fitting_loader():
    mice = iosim.data.load("benzekry2014")
    assert list(mice.columns) == ["animal_id", "day", "volume_mm3"] and mice["animal_id"].nunique() == 20
    from iosim.fitting import load_tumour_growth

    assert np.allclose(load_tumour_growth("llc")["value"], mice["volume_mm3"])


def test_cli_lists_data_sets():
    r = iosim_cli("data")
    assert r.returncode == 0, r.stderr
    for text in ("laleh2022", "8560", "CC BY 4.0", "benzekry2014", "188", "GPL-3.0"):
        assert text in r.stdout


def test_cli_shows_the_source_with_citation_and_licence():
    r = iosim_cli("data", "show", "laleh2022")
    assert r.returncode == 0, r.stderr
    assert "10.1371/journal.pcbi.1009822" in r.stdout and "CC BY 4.0" in r.stdout and "Study_4 = OAK" in r.stdout


def test_cli_unknown_data_set_is_one_line_and_exit_code_2():
    r = iosim_cli("data", "show", "nope")
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in r.stderr
    assert "unknown data set 'nope'" in lines[0] and "laleh2022" in lines[0]
