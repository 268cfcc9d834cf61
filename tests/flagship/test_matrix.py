"""The therapy x cancer matrix pattern comes out of the mechanism (reduced matrix, typical patients)."""

import numpy as np
import pytest

from iosim.matrix import recist, response_matrix

WORKS = {"CR", "PR"}


@pytest.fixture(scope="module")
def checkpoint():
    cancers = ["melanoma", "nsclc", "rcc", "crc_msi_high", "crc_mss", "pancreatic"]
    return response_matrix(cancers, ["nivolumab", "atezolizumab"]).set_index(["cancer", "therapy"])["response"]


@pytest.mark.parametrize("cancer", ["melanoma", "nsclc", "rcc", "crc_msi_high"])
def test_checkpoint_inhibitors_work_in_immunogenic_inflamed_cancers(checkpoint, cancer):
    assert checkpoint[cancer, "nivolumab"] in WORKS
    assert checkpoint[cancer, "atezolizumab"] in WORKS


@pytest.mark.parametrize("cancer", ["crc_mss", "pancreatic"])
def test_checkpoint_inhibitors_fail_in_cold_cancers(checkpoint, cancer):
    assert checkpoint[cancer, "nivolumab"] == "PD"
    assert checkpoint[cancer, "atezolizumab"] == "PD"


def test_targeted_therapies_work_only_where_their_target_is():
    df = response_matrix(
        ["b_all", "dlbcl", "follicular_lymphoma", "breast_her2_positive", "melanoma", "nsclc"],
        ["axicabtagene_ciloleucel", "rituximab", "trastuzumab"],
    ).set_index(["cancer", "therapy"])
    r = df["response"]
    # CD19 CAR-T: B-ALL and DLBCL respond, solid tumours do not
    assert r["b_all", "axicabtagene_ciloleucel"] in WORKS and r["dlbcl", "axicabtagene_ciloleucel"] in WORKS
    for solid in ("melanoma", "nsclc", "breast_her2_positive"):
        assert r[solid, "axicabtagene_ciloleucel"] not in WORKS
        assert "does not express CD19" in df.loc[(solid, "axicabtagene_ciloleucel"), "notes"]
    # rituximab: the CD20+ lymphomas only (B-ALL has CD20 on a minority of blasts)
    assert r["dlbcl", "rituximab"] in WORKS and r["follicular_lymphoma", "rituximab"] in WORKS
    for other in ("b_all", "breast_her2_positive", "melanoma", "nsclc"):
        assert r[other, "rituximab"] not in WORKS
    # trastuzumab: HER2+ breast only
    assert r["breast_her2_positive", "trastuzumab"] in WORKS
    for other in ("b_all", "dlbcl", "follicular_lymphoma", "melanoma", "nsclc"):
        assert r[other, "trastuzumab"] not in WORKS
    # columns the CLI and the docs promise
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
