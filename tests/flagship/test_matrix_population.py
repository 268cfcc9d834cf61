"""The matrix tells the population's truth: ORR with its interval, and a median patient consistent with it."""

import io

import numpy as np
import pandas as pd
import pytest
from rich.console import Console

from iosim.cli.therapy import matrix_cell, matrix_tables
from iosim.matrix import median_patient, response_matrix


def test_median_patient_ranks_by_response_then_best_change():
    outcomes = pd.DataFrame({"patient": range(5), "status": ["ok"] * 4 + ["failed"],
                             "best_response": ["PD", "PR", "SD", "CR", "PR"]})  # fmt: skip
    change = np.array([40.0, -35.0, -10.0, -100.0, -90.0])
    # ranked: CR(3), PR(1), SD(2), PD(0), failed(4) -> the middle one is patient 2 (SD)
    assert median_patient(outcomes, change) == 2
    # two responders of four: the lower middle (2nd of 4) is the PR, and ORR is exactly 50%
    assert median_patient(outcomes.iloc[:4], change[:4]) == 1


@pytest.fixture(scope="module")
def matrix():
    cancers = ["melanoma", "nsclc", "rcc", "pancreatic", "dlbcl", "follicular_lymphoma"]
    therapies = ["nivolumab", "nivolumab+ipilimumab", "axicabtagene_ciloleucel", "rituximab"]
    return response_matrix(cancers, therapies, patients=80)


def test_no_responding_median_patient_in_a_population_that_mostly_does_not_respond(matrix):
    responding = matrix["response"].isin(["CR", "PR"])
    assert responding.any() and (~responding).any()  # both kinds of cell are exercised
    assert (matrix.loc[responding, "orr"] >= 0.5).all()
    assert (matrix.loc[~responding, "orr"] < 0.5).all()


def test_every_cell_has_an_orr_inside_its_exact_interval(matrix):
    assert (matrix["patients"] == 80).all()
    assert ((matrix["orr_low"] <= matrix["orr"]) & (matrix["orr"] <= matrix["orr_high"])).all()
    assert set(matrix["population"]) == {"calibrated", "uncalibrated"}
    assert matrix.set_index("cancer").loc["nsclc", "population"].eq("calibrated").all()  # selected on OAK
    assert matrix.set_index("cancer").loc["pancreatic", "population"].eq("uncalibrated").all()


def _render(df: pd.DataFrame, width: int) -> list[str]:
    console = Console(width=width, file=io.StringIO(), record=True, color_system=None)
    for table in matrix_tables(df, width):
        console.print(table)
    return console.export_text().splitlines()


@pytest.mark.parametrize("width", [80, 120])
def test_terminal_matrix_fits_the_width_without_cutting_a_word(width):
    from iosim.cancers import cancer_ids
    from iosim.therapy.catalogue import drug_ids

    therapies = [*drug_ids(), "nivolumab+ipilimumab"]
    rows = [{"cancer": c, "therapy": t, "population": "uncalibrated" if i % 2 else "calibrated",
             "response": "PR", "orr": 0.623, "orr_low": 0.551, "orr_high": 0.691}
            for i, c in enumerate(cancer_ids()) for t in therapies]  # fmt: skip
    df = pd.DataFrame(rows)
    lines = _render(df, width)
    assert max(len(line) for line in lines) <= width
    text = "\n".join(lines)
    for t in therapies:  # whole names, never folded
        assert t in text
    for c in cancer_ids():
        assert c in text
    assert text.count(matrix_cell(next(df.itertuples()))) == len(df)  # every cell whole: "PR 62% [55-69]"
