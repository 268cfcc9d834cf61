"""From sums of diameters and death times to PFS, OS, DOR and best response per patient."""

import numpy as np
import pytest

from iosim.endpoints import assessment_rows, patient_outcomes
from iosim.endpoints.outcomes import WEEKS_TO_MONTHS
from iosim.errors import InputError

WEEKS = np.array([0.0, 8, 16, 24, 32])
M = WEEKS * WEEKS_TO_MONTHS  # 0, 1.84, 3.68, 5.52, 7.36 months


def run(rows, death, died, **kw):
    death, died = np.array(death, float), np.array(died)
    return patient_outcomes(np.array(rows, float), WEEKS, death_months=death, died=died, follow_up_months=24, **kw)


def test_progression_death_and_censoring():
    out, codes = run(
        [
            [100, 90, 130, 140, 150],  # PD at week 16, dies at 10 months
            [100, 90, 80, 85, 80],  # stable, dies at 4.5 months: assessments after that are not done
            [100, 60, 40, 30, 30],  # responder, alive at 24 months
        ],
        death=[10.0, 4.5, 24.0],
        died=[True, True, False],
    )
    assert out["best_response"].tolist() == ["SD", "SD", "PR"]
    assert out["pfs_months"].tolist() == pytest.approx([M[2], 4.5, M[4]])
    assert out["pfs_event"].tolist() == [True, True, False]  # the responder is censored at the last scan
    assert out["os_months"].tolist() == pytest.approx([10.0, 4.5, 24.0])
    assert out["os_event"].tolist() == [True, True, False]
    assert codes[1].tolist() == [2, 2, 4, 4]  # SD, SD, then NE after death
    assert out["dor_months"].iloc[2] == pytest.approx(M[4] - M[1]) and not out["dor_event"].iloc[2]
    assert np.isnan(out["dor_months"].iloc[0])


def test_irecist_pseudoprogression_is_not_progression():
    rows = [[100, 130, 60, 50, 50]]  # growth at week 8 then deep shrinkage
    recist_out, _ = run(rows, death=[24.0], died=[False])
    irecist_out, icodes = run(rows, death=[24.0], died=[False], criteria="irecist")
    assert recist_out["pfs_event"].iloc[0] and recist_out["pfs_months"].iloc[0] == pytest.approx(M[1])
    assert recist_out["best_response"].iloc[0] == "PD"
    assert not irecist_out["pfs_event"].iloc[0] and irecist_out["best_response"].iloc[0] == "PR"
    table = assessment_rows("A", [7], WEEKS, rows, icodes, criteria="irecist")
    assert table["response"].tolist() == ["", "iUPD", "iPR", "iPR", "iPR"]
    assert table["pct_change"].tolist() == pytest.approx([0, 30, -40, -50, -50])


def test_bad_inputs():
    with pytest.raises(InputError, match="weeks"):
        patient_outcomes(np.ones((1, 3)), [0, 8], death_months=[1.0], died=[False], follow_up_months=12)
    with pytest.raises(InputError, match="criteria"):
        run([[100, 90, 80, 70, 60]], [24.0], [False], criteria="who")


def test_each_patient_may_have_its_own_visit_dates():
    # Two patients with the same course, the second scanned a week later each time (a visit window).
    rows = np.array([[100, 90, 130, 140, 150]] * 2, float)
    weeks = np.stack([WEEKS, WEEKS + np.r_[0, 1, 1, 1, 1]])
    out, _ = patient_outcomes(rows, weeks, death_months=[24.0, 24.0], died=[False, False], follow_up_months=24)
    assert out["pfs_months"].tolist() == pytest.approx([16 * WEEKS_TO_MONTHS, 17 * WEEKS_TO_MONTHS])
    # A visit moved past death is not done.
    out, codes = patient_outcomes(
        rows, weeks, death_months=[16.5 * WEEKS_TO_MONTHS] * 2, died=[True, True], follow_up_months=24
    )
    assert codes[:, 1].tolist() == [3, 4]  # PD on week 16 for the first, NE (week 17, after death) for the second
    table = assessment_rows("A", [1, 2], weeks, rows, codes)
    assert table["week"].tolist() == [0, 8, 16, 24, 32, 0, 9, 17, 25, 33]
    with pytest.raises(InputError, match="weeks"):
        patient_outcomes(rows, weeks[:, ::-1], death_months=[24.0] * 2, died=[False] * 2, follow_up_months=24)
