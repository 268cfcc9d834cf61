"""The matrix (CLI and web) shows the landscape's numbers: one set of trials behind both (issue 15 §2)."""

import pytest

from iosim.landscape import FOLLOW_UP_MONTHS, LANDSCAPE_PATIENTS, LANDSCAPE_SEED, landscape
from iosim.matrix import MATRIX_DAYS, MATRIX_PATIENTS, MATRIX_SEED, response_matrix
from iosim.trials.spec import DAYS_PER_MONTH

CANCERS = ["melanoma", "crc_mss", "prostate"]
PATIENTS = 40  # small: both sides simulate the same 40 patients, so equality is exact at any size


def test_the_matrix_defaults_are_the_landscapes():
    assert MATRIX_PATIENTS == LANDSCAPE_PATIENTS and MATRIX_SEED == LANDSCAPE_SEED
    assert MATRIX_DAYS == FOLLOW_UP_MONTHS * DAYS_PER_MONTH


def test_a_drug_column_of_the_matrix_is_the_landscape_of_that_drug():
    land = landscape("pembrolizumab", PATIENTS, cancers=CANCERS).set_index("cancer")
    m = response_matrix(CANCERS, ["pembrolizumab"], patients=PATIENTS).set_index("cancer")
    assert land["orr"].max() > 0  # melanoma responds: the comparison is not between two columns of zeros
    for c in CANCERS:
        assert m.at[c, "patients"] == land.at[c, "patients"]
        for mine, theirs in (("orr", "orr"), ("orr_low", "orr_ci_low"), ("orr_high", "orr_ci_high"),
                             ("cr_rate", "cr_rate"), ("median_pfs_months", "median_pfs_months")):  # fmt: skip
            assert m.at[c, mine] == pytest.approx(land.at[c, theirs], abs=5e-5, nan_ok=True), (c, mine)
        assert (m.at[c, "population"] == "calibrated") == land.at[c, "calibrated"]


def test_the_web_matrix_serves_the_landscapes_orr():
    from fastapi.testclient import TestClient

    from iosim.web import create_app

    app = create_app(matrix_cancers=("melanoma",), matrix_therapies=("pembrolizumab",), matrix_patients=PATIENTS,
                     allowed_hosts=("testserver",))  # fmt: skip
    with TestClient(app) as client:
        assert app.state.matrix.wait(300)[0] == "ready"
        row = client.get("/api/matrix").json()["rows"][0]
    land = landscape("pembrolizumab", PATIENTS, cancers=["melanoma"]).iloc[0]
    assert row["patients"] == PATIENTS
    assert row["orr"] == pytest.approx(land["orr"], abs=5e-5)


def test_the_web_app_refuses_an_empty_matrix():
    from iosim.errors import InputError
    from iosim.web import create_app

    with pytest.raises(InputError, match="matrix_patients must be positive"):
        create_app(matrix_patients=0)
