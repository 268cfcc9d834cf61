"""Model files that once hung, crashed or leaked: Antimony imports and non-ASCII names, a
formula big enough to crash libSBML, a model with nothing to simulate (issue 18)."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from iosim.models import load_model_file
from iosim.sbml import SBMLError, antimony_to_sbml, import_sbml
from iosim.sbml.reader import MAX_MATH_ELEMENTS

SBML_HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n'
             '<sbml xmlns="http://www.sbml.org/sbml/level3/version2/core" level="3" version="2">\n')  # fmt: skip


def _rate_rule_sum(terms: int) -> str:
    math = "<apply><plus/>" + "<ci>k</ci>" * terms + "</apply>"
    return SBML_HEAD + (
        '<model id="m"><listOfParameters><parameter id="x" value="1" constant="false"/>'
        '<parameter id="k" value="1" constant="true"/></listOfParameters><listOfRules>'
        f'<rateRule variable="x"><math xmlns="http://www.w3.org/1998/Math/MathML">{math}</math></rateRule>'
        "</listOfRules></model>\n</sbml>\n"
    )


def test_a_formula_of_200000_terms_is_refused_before_libsbml_builds_it(tmp_path):
    # It segfaulted when libSBML freed the document (a 200,000-deep tree); run in a child
    # process so that a crash fails this test instead of killing the test run.
    path = tmp_path / "big.xml"
    path.write_text(_rate_rule_sum(200_000))
    code = ("from iosim.models import load_model_file\nfrom iosim.sbml import SBMLError\n"
            f"try:\n    load_model_file({str(path)!r})\nexcept SBMLError as e:\n    print(e)\n")  # fmt: skip
    start = time.monotonic()
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})  # fmt: skip
    assert done.returncode == 0, done.stderr[-500:]
    assert f"more than {MAX_MATH_ELEMENTS:,}; split it with assignment rules" in done.stdout
    assert time.monotonic() - start < 60


def test_a_long_formula_under_the_bound_reaches_the_depth_check():
    # libSBML nests a sum's terms; the existing depth limit (200) names the rule.
    with pytest.raises(SBMLError, match="rule for x is nested deeper than 200 levels"):
        import_sbml(_rate_rule_sum(1_000))


def test_a_short_sum_imports():
    assert import_sbml(_rate_rule_sum(50)).model.state_names == ("x",)


def test_an_sbml_model_with_nothing_to_simulate_is_refused(tmp_path):
    path = tmp_path / "empty.xml"
    path.write_text(SBML_HEAD + '<model id="m"/>\n</sbml>\n')
    with pytest.raises(SBMLError, match="nothing to simulate"):
        load_model_file(str(path))


def test_a_model_of_assignment_rules_only_still_loads(tmp_path):
    # A species given by a rule of time is an output worth simulating.
    path = tmp_path / "rules.xml"
    path.write_text(SBML_HEAD + (
        '<model id="m"><listOfCompartments><compartment id="c" size="1" constant="true"/></listOfCompartments>'
        '<listOfSpecies><species id="S" compartment="c" initialAmount="0" hasOnlySubstanceUnits="true" '
        'boundaryCondition="false" constant="false"/></listOfSpecies><listOfRules>'
        '<assignmentRule variable="S"><math xmlns="http://www.w3.org/1998/Math/MathML">'
        '<apply><times/><cn>2</cn><csymbol encoding="text" definitionURL="http://www.sbml.org/sbml/symbols/time">'
        "t</csymbol></apply></math></assignmentRule></listOfRules></model>\n</sbml>\n"))  # fmt: skip
    model, _ = load_model_file(str(path))
    assert "S" in model.output_names


@pytest.mark.parametrize("text", ["model m\n  café = 1\n  x' = -café*x\n  x = 1\nend\n",
                                  "model m\n  J0: -> Tümör; k\n  k = 1\nend\n"])  # fmt: skip
def test_non_ascii_antimony_is_one_line(text):
    # Before: a UnicodeDecodeError traceback from libAntimony's answer.
    with pytest.raises(SBMLError, match=r"line 2, column \d+ of the Antimony text is not ASCII"):
        antimony_to_sbml(text)


def test_an_antimony_import_is_refused_without_echoing_the_file():
    # Before: libAntimony read /etc/passwd and quoted it ("'root' is a reserved word").
    with pytest.raises(SBMLError) as info:
        antimony_to_sbml('import "/etc/passwd"\nmodel m\n x\' = -x\n x = 1\nend\n')
    assert "imports another file" in str(info.value) and "root" not in str(info.value)


def test_an_antimony_import_of_a_fifo_does_not_hang(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    model = tmp_path / "m.ant"
    model.write_text(f'model m\n x\' = -x; x = 1\nend\n  ;  import "{fifo}"\n')
    start = time.monotonic()
    with pytest.raises(SBMLError, match="line 4 of the Antimony text imports another file"):
        load_model_file(str(model))
    assert time.monotonic() - start < 10


def test_a_comment_mentioning_import_is_fine():
    assert "<sbml" in antimony_to_sbml("// import nothing here\nmodel m\n x' = -x\n x = 1\nend\n")
