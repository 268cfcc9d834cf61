"""SBML Test Suite 3.4.0: every pure-ODE semantic case (934) must pass.

The cases are copied in tests/data/sbml-test-suite (see SOURCE.md there). A point passes
when |expected - simulated| <= absolute + relative * |expected|, with the case's own
tolerances from its settings file.
"""

from pathlib import Path

import pytest

from iosim.sbml.suite import case_dirs, parse_cases, run_case, run_suite

DATA = Path(__file__).resolve().parents[1] / "data" / "sbml-test-suite"
CASES = case_dirs(DATA) if DATA.is_dir() else []


def test_all_pure_ode_cases_are_present():
    assert len(CASES) == 934


@pytest.mark.parametrize("case_dir", CASES, ids=[d.name for d in CASES])
def test_case(case_dir):
    result = run_case(case_dir)
    assert result.passed, f"{result.case} {result.status}: {result.message}"


def test_report_tallies_by_tag():
    report = run_suite(DATA, parse_cases("1-5,10"))
    assert [r.case for r in report.results] == ["00001", "00002", "00003", "00004", "00005", "00010"]
    passed, failed = report.by_tag()["Reaction"]
    assert passed + failed == 6 and failed == 0


def test_case_ranges_parse():
    assert parse_cases("1-3,7") == {1, 2, 3, 7}
    assert parse_cases("") is None


def test_wrong_answer_fails(tmp_path):
    # The comparison can fail: corrupt one expected value of case 1 and it must not pass.
    src = DATA / "semantic" / "00001"
    case = tmp_path / "00001"
    case.mkdir()
    for f in src.iterdir():
        (case / f.name).write_bytes(f.read_bytes())
    csv = case / "00001-results.csv"
    lines = csv.read_text().splitlines()
    cells = lines[5].split(",")
    cells[1] = str(float(cells[1]) * 1.01)
    lines[5] = ",".join(cells)
    csv.write_text("\n".join(lines) + "\n")
    result = run_case(case)
    assert result.status == "fail" and "S1" in result.message
