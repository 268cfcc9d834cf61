"""The therapy x cancer matrix pattern comes out of the mechanism (reduced matrix, virtual populations:
population ORR per cell)."""

import numpy as np
import pytest

from iosim.endpoints.one_patient import recist
from iosim.matrix import response_matrix

PATIENTS = 80


@pytest.fixture(scope="module")
def checkpoint():
    cancers = ["melanoma", "nsclc", "rcc", "crc_msi_high", "crc_mss", "pancreatic"]
    m = response_matrix(cancers, ["nivolumab", "atezolizumab"], patients=PATIENTS)
    return m.set_index(["cancer", "therapy"])["orr"]


@pytest.mark.parametrize("cancer", ["melanoma", "rcc", "crc_msi_high"])
def test_checkpoint_inhibitors_work_in_immunogenic_inflamed_cancers(checkpoint, cancer):
    # a sizeable share responds (melanoma: 43.7% observed with nivolumab in CheckMate 067)
    assert checkpoint[cancer, "nivolumab"] >= 0.25
    assert checkpoint[cancer, "atezolizumab"] >= 0.25


def test_checkpoint_inhibitors_help_a_minority_in_pretreated_nsclc(checkpoint):
    # NSCLC's population is selected on OAK (previously treated): atezolizumab ORR 13.6% in OAK
    # (Rittmeyer 2017 Lancet 389:255), nivolumab 19-20% in CheckMate 017/057 (Brahmer 2015, Borghaei
    # 2015 NEJM); with 80 virtual patients per cell, between 8% and 35%
    for drug in ("nivolumab", "atezolizumab"):
        assert 0.08 <= checkpoint["nsclc", drug] <= 0.35


@pytest.mark.parametrize("cancer", ["crc_mss", "pancreatic"])
def test_checkpoint_inhibitors_fail_in_cold_cancers(checkpoint, cancer):
    assert checkpoint[cancer, "nivolumab"] <= 0.12
    assert checkpoint[cancer, "atezolizumab"] <= 0.12


def test_targeted_therapies_work_only_where_their_target_is():
    df = response_matrix(
        ["b_all", "dlbcl", "follicular_lymphoma", "breast_her2_positive", "melanoma", "nsclc"],
        ["axicabtagene_ciloleucel", "rituximab", "trastuzumab"],
        patients=PATIENTS,
    ).set_index(["cancer", "therapy"])
    orr = df["orr"]
    # CD19 CAR-T: B-ALL and DLBCL respond, solid tumours do not
    assert orr["b_all", "axicabtagene_ciloleucel"] >= 0.2 and orr["dlbcl", "axicabtagene_ciloleucel"] >= 0.5
    for solid in ("melanoma", "nsclc", "breast_her2_positive"):
        assert orr[solid, "axicabtagene_ciloleucel"] <= 0.05
        assert "does not express CD19" in df.loc[(solid, "axicabtagene_ciloleucel"), "notes"]
    # rituximab: the CD20+ lymphomas only (B-ALL has CD20 on a minority of blasts)
    assert orr["dlbcl", "rituximab"] >= 0.1 and orr["follicular_lymphoma", "rituximab"] >= 0.3
    for other in ("b_all", "breast_her2_positive", "melanoma", "nsclc"):
        assert orr[other, "rituximab"] <= 0.05
    # trastuzumab: HER2+ breast only
    assert orr["breast_her2_positive", "trastuzumab"] >= 0.05
    for other in ("b_all", "dlbcl", "follicular_lymphoma", "melanoma", "nsclc"):
        assert orr[other, "trastuzumab"] <= 0.05
    # columns the CLI and the docs promise, for the median patient
    for col in ("best_pct_change", "diameter_mm_6mo", "diameter_mm_12mo", "tumour_cells_6mo", "tumour_cells_12mo"):
        assert np.isfinite(df[col]).all(), col


def test_recist_categories():
    # baseline 100 mm; scans every 8 weeks
    assert recist([100, 60, 50]) == (-50.0, "PR")
    assert recist([100, 90, 95]) == (-10.0, "SD")
    assert recist([100, 125, 150])[1] == "PD"
    assert recist([100, 0.5, 0.0])[1] == "CR"
    # progression from the nadir after a response keeps the best response
    assert recist([100, 60, 90])[1] == "PR"
    # SD at the first scan only (before 12 weeks), PD at the second: PD
    assert recist([100, 110, 135])[1] == "PD"
