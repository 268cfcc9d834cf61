"""Importer unit tests: each SBML construct against its closed-form solution."""

import math

import numpy as np
import pytest

import iosim
from iosim.errors import ModelError
from iosim.sbml import SBMLError, UnsupportedSBMLError, import_sbml, read_antimony, read_sbml

HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<sbml xmlns="http://www.sbml.org/sbml/level3/version2/core" level="3" version="2">'
)
MATHML = 'xmlns="http://www.w3.org/1998/Math/MathML"'


def doc(body: str) -> str:
    return f'{HEAD}<model id="m">{body}</model></sbml>'


def run(model, t_end, **kw):
    return iosim.simulate(model, t_end, extinction=False, rtol=1e-10, atol=1e-12, **kw)


def decay(hosu: str, size: float, init: str) -> str:
    """S -> 0 with rate k*S (S read as SBML defines it for hasOnlySubstanceUnits)."""
    return doc(
        f'<listOfCompartments><compartment id="C" size="{size}" constant="true"/></listOfCompartments>'
        f'<listOfSpecies><species id="S" compartment="C" {init} hasOnlySubstanceUnits="{hosu}" '
        'boundaryCondition="false" constant="false"/></listOfSpecies>'
        '<listOfParameters><parameter id="k" value="0.5" constant="true"/></listOfParameters>'
        '<listOfReactions><reaction id="R" reversible="false"><listOfReactants>'
        '<speciesReference species="S" stoichiometry="1" constant="true"/></listOfReactants>'
        f"<kineticLaw><math {MATHML}><apply><times/><ci>k</ci><ci>S</ci></apply></math></kineticLaw>"
        "</reaction></listOfReactions>"
    )


def test_amount_species_decays_exponentially():
    # hasOnlySubstanceUnits=true: S is an amount, dS/dt = -k S, S = 2 exp(-0.5 t).
    r = run(read_sbml(decay("true", 4.0, 'initialAmount="2"')), 2.0)
    assert r.final("S") == pytest.approx(2 * math.exp(-1.0), rel=1e-8)


def test_concentration_species_reads_amount_over_volume():
    # hasOnlySubstanceUnits=false: the rate k*[S] is in amount/time, so
    # d(amount)/dt = -k amount / V: with V = 4 the decay rate is 0.125, not 0.5.
    imp = import_sbml(decay("false", 4.0, 'initialConcentration="3"'))
    assert imp.model.state("S").initial == pytest.approx(12.0)  # amount = 3 * 4
    r = run(imp.model, 8.0)
    assert r.final("S") == pytest.approx(12 * math.exp(-1.0), rel=1e-8)
    assert r.final("S_conc") == pytest.approx(3 * math.exp(-1.0), rel=1e-8)


def test_imported_states_have_no_extinction_rule_and_may_go_negative():
    s = read_sbml(decay("true", 1.0, 'initialAmount="2"')).state("S")
    assert s.kind == "other" and s.extinction_threshold is None and not s.nonnegative


RULES = doc(
    f'<listOfFunctionDefinitions><functionDefinition id="twice"><math {MATHML}><lambda><bvar><ci>x</ci></bvar>'
    "<apply><times/><cn>2</cn><ci>x</ci></apply></lambda></math></functionDefinition></listOfFunctionDefinitions>"
    '<listOfCompartments><compartment id="C" size="1" constant="true"/></listOfCompartments>'
    '<listOfParameters><parameter id="a" value="1" constant="true"/>'
    '<parameter id="x" constant="false"/><parameter id="y" value="0" constant="false"/>'
    '<parameter id="z" constant="true"/></listOfParameters>'
    f'<listOfInitialAssignments><initialAssignment symbol="z"><math {MATHML}><apply><plus/><ci>a</ci><cn>2</cn>'
    "</apply></math></initialAssignment></listOfInitialAssignments>"
    f'<listOfRules><assignmentRule variable="x"><math {MATHML}><apply><ci>twice</ci><csymbol encoding="text" '
    'definitionURL="http://www.sbml.org/sbml/symbols/time">t</csymbol></apply></math></assignmentRule>'
    f'<rateRule variable="y"><math {MATHML}><apply><times/><ci>z</ci><ci>x</ci></apply></math>'
    "</rateRule></listOfRules>"
)


def test_rules_function_definitions_and_initial_assignments():
    # x = twice(t) = 2t (assignment rule), z = a + 2 = 3 (initial assignment),
    # dy/dt = z x = 6t, so y(t) = 3 t^2.
    m = read_sbml(RULES)
    assert m.parameter("z").value == 3.0
    assert [i.name for i in m.intermediates] == ["x"]
    assert run(m, 2.0).final("y") == pytest.approx(12.0, rel=1e-9)


def test_local_parameters_shadow_globals():
    text = decay("true", 1.0, 'initialAmount="1"').replace(
        "<kineticLaw>", '<kineticLaw><listOfLocalParameters><localParameter id="k" value="2"/></listOfLocalParameters>'
    )
    m = read_sbml(text)
    assert m.parameter("R_k").value == 2.0 and m.parameter("k").value == 0.5
    assert run(m, 1.0).final("S") == pytest.approx(math.exp(-2.0), rel=1e-8)


def test_assignment_ruled_species_is_an_output():
    m = read_antimony("model m\n S -> ; k*S\n S = 1; k = 1\n species P\n P := 2*S\nend")
    r = run(m, 1.0)
    assert r.final("P") == pytest.approx(2 * math.exp(-1.0), rel=1e-8)


def test_antimony_model_matches_closed_form():
    m = read_antimony("A -> B; k*A\nA = 10; B = 0; k = 0.3")
    r = run(m, 5.0)
    assert r.final("A") == pytest.approx(10 * math.exp(-1.5), rel=1e-8)
    assert r.final("A") + r.final("B") == pytest.approx(10.0, rel=1e-10)  # mass is conserved


@pytest.mark.parametrize(
    ("body", "construct"),
    [
        (
            '<listOfParameters><parameter id="p" value="0" constant="false"/></listOfParameters>'
            '<listOfEvents><event id="e" useValuesFromTriggerTime="true"><trigger initialValue="true" '
            f'persistent="true"><math {MATHML}><true/></math></trigger></event></listOfEvents>',
            "events",
        ),
        (
            '<listOfParameters><parameter id="p" value="0" constant="false"/></listOfParameters>'
            f"<listOfRules><algebraicRule><math {MATHML}><ci>p</ci></math></algebraicRule></listOfRules>",
            "algebraic rules",
        ),
        (
            '<listOfParameters><parameter id="p" value="0" constant="false"/></listOfParameters>'
            f'<listOfRules><rateRule variable="p"><math {MATHML}><apply><csymbol encoding="text" '
            'definitionURL="http://www.sbml.org/sbml/symbols/delay">delay</csymbol><ci>p</ci><cn>1</cn>'
            "</apply></math></rateRule></listOfRules>",
            "delay",
        ),
    ],
)
def test_unsupported_constructs_raise_typed_errors(body, construct):
    with pytest.raises(UnsupportedSBMLError) as info:
        read_sbml(doc(body))
    assert construct in info.value.construct
    assert isinstance(info.value, ModelError)  # catchable as iosim's ModelError


def test_fast_reaction_is_unsupported():
    text = decay("true", 1.0, 'initialAmount="1"').replace('reversible="false"', 'reversible="false" fast="true"')
    text = text.replace("level3/version2", "level3/version1").replace('version="2"', 'version="1"')
    with pytest.raises(UnsupportedSBMLError, match="fast"):
        read_sbml(text)


def test_malformed_xml_is_a_typed_error():
    with pytest.raises(SBMLError, match="cannot read SBML"):
        read_sbml(HEAD + "<model id='m'><listOfSpecies></model>")


def test_missing_file_is_a_typed_error(tmp_path):
    with pytest.raises(SBMLError, match="no SBML file"):
        read_sbml(tmp_path / "absent.xml")


def test_deep_expression_is_rejected():
    deep = "<ci>k</ci>"
    for _ in range(250):
        deep = f"<apply><plus/>{deep}<cn>1</cn></apply>"
    text = decay("true", 1.0, 'initialAmount="1"').replace("<apply><times/><ci>k</ci><ci>S</ci></apply>", deep)
    with pytest.raises(SBMLError, match="deeper"):
        read_sbml(text)


def test_huge_expression_is_rejected(monkeypatch):
    import iosim.sbml.math as sbml_math

    monkeypatch.setattr(sbml_math, "MAX_NODES", 50)
    wide = "<apply><plus/>" + "<ci>k</ci>" * 60 + "</apply>"
    text = decay("true", 1.0, 'initialAmount="1"').replace("<apply><times/><ci>k</ci><ci>S</ci></apply>", wide)
    with pytest.raises(SBMLError, match="nodes"):
        read_sbml(text)


def test_oversized_file_is_rejected(tmp_path, monkeypatch):
    import iosim.sbml.reader as reader

    monkeypatch.setattr(reader, "MAX_BYTES", 100)
    path = tmp_path / "m.xml"
    path.write_text(decay("true", 1.0, 'initialAmount="1"'))
    with pytest.raises(SBMLError, match="larger than"):
        read_sbml(path)


def test_uncommon_math_is_exact():
    # arctan, arcsinh and factorial are rewritten through iosim's operators; the values must
    # match the standard library to near machine precision.
    from iosim.expr import evaluate

    body = (
        '<listOfParameters><parameter id="x" value="0.7" constant="true"/><parameter id="y" constant="false"/>'
        "</listOfParameters>"
        f'<listOfRules><assignmentRule variable="y"><math {MATHML}><apply><plus/>'
        "<apply><arctan/><ci>x</ci></apply><apply><arcsinh/><ci>x</ci></apply>"
        "<apply><factorial/><cn>5</cn></apply><apply><arccos/><ci>x</ci></apply></apply></math></assignmentRule>"
        "</listOfRules>"
    )
    m = read_sbml(doc(body))
    got = evaluate(m.intermediates[0].expr, {"x": 0.7})
    want = math.atan(0.7) + math.asinh(0.7) + 120 + math.acos(0.7)
    assert got == pytest.approx(want, rel=1e-14)
    assert np.isfinite(got)


def event(trigger: str, assignment: str, initial_value: str = "true", extra: str = "") -> str:
    return decay("true", 1.0, 'initialAmount="1"').replace(
        "</listOfReactions>",
        f'</listOfReactions><listOfEvents><event id="e" useValuesFromTriggerTime="true">{extra}'
        f'<trigger initialValue="{initial_value}" persistent="true"><math {MATHML}>{trigger}</math></trigger>'
        f'<listOfEventAssignments><eventAssignment variable="S"><math {MATHML}>{assignment}</math>'
        "</eventAssignment></listOfEventAssignments></event></listOfEvents>",
    )


TIME_CSYMBOL = '<csymbol encoding="text" definitionURL="http://www.sbml.org/sbml/symbols/time">t</csymbol>'


def test_fixed_time_events_become_doses():
    # time >= 2: S := S + 3 is a bolus of 3 at t = 2; with dS/dt = -0.5 S and S(0) = 1,
    # S(4) = exp(-2) + 3 exp(-1).
    imp = import_sbml(
        event(f"<apply><geq/>{TIME_CSYMBOL}<cn>2</cn></apply>", "<apply><plus/><ci>S</ci><cn>3</cn></apply>")
    )
    assert [(type(d).__name__, d.amount, d.time) for d in imp.regimen] == [("Bolus", 3.0, 2.0)]
    r = run(imp.model, 4.0, regimen=imp.regimen)
    assert r.final("S") == pytest.approx(math.exp(-2.0) + 3 * math.exp(-1.0), rel=1e-8)


def test_event_true_at_start_fires_only_without_initial_value():
    # SBML fires on a false-to-true transition: `time >= 0` fires at 0 only if the trigger
    # was false before the start (initialValue="false").
    trig = f"<apply><geq/>{TIME_CSYMBOL}<cn>0</cn></apply>"
    assert len(import_sbml(event(trig, "<cn>5</cn>")).regimen) == 0
    (d,) = import_sbml(event(trig, "<cn>5</cn>", initial_value="false")).regimen
    assert (type(d).__name__, d.value, d.time) == ("SetState", 5.0, 0.0)


@pytest.mark.parametrize(
    ("trigger", "assignment", "extra", "construct"),
    [
        ("<apply><gt/><ci>S</ci><cn>2</cn></apply>", "<cn>1</cn>", "", "state-dependent triggers"),
        (f"<apply><geq/>{TIME_CSYMBOL}<cn>2</cn></apply>", "<apply><times/><ci>S</ci><cn>2</cn></apply>", "", "assign"),
        (f"<apply><geq/>{TIME_CSYMBOL}<cn>2</cn></apply>", "<cn>-1</cn>", "", "assign"),
        (
            f"<apply><geq/>{TIME_CSYMBOL}<cn>2</cn></apply>",
            "<cn>1</cn>",
            f"<delay><math {MATHML}><ci>S</ci></math></delay>",
            "delay",
        ),
    ],
)
def test_other_events_are_unsupported(trigger, assignment, extra, construct):
    with pytest.raises(UnsupportedSBMLError) as info:
        import_sbml(event(trigger, assignment, extra=extra))
    assert construct in info.value.construct


def test_constant_delay_shifts_the_dose():
    # Trigger at t = 1, delay 0.5: S := 4 at t = 1.5.
    delay = f"<delay><math {MATHML}><cn>0.5</cn></math></delay>"
    text = event(f"<apply><geq/>{TIME_CSYMBOL}<cn>1</cn></apply>", "<cn>4</cn>").replace(
        "</trigger>", "</trigger>" + delay
    )
    (d,) = import_sbml(text).regimen
    assert (type(d).__name__, d.value, d.time) == ("SetState", 4.0, 1.5)
