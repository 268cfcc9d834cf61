"""Every library model exported to SBML runs the same in libRoadRunner and back in iosim."""

import numpy as np
import pytest

import iosim
from iosim.sbml import import_sbml, read_sbml, write_sbml

roadrunner = pytest.importorskip("roadrunner")

T_END = 30.0


def close(a, b, rel):
    """Relative agreement, with a floor of 1e-3 of the column's range so zeros do not divide, and an
    absolute floor of 1e-9: CVODE leaves round-off of ~1e-17 in states that are exactly 0 (an
    undosed drug), which no state of any library model could mean as a value."""
    scale = np.maximum(np.abs(b), 1e-3 * np.abs(b).max(axis=0, keepdims=True) + 1e-9)
    return float(np.max(np.abs(a - b) / scale)), rel


def roadrunner_run(sbml: str, names, t_end: float, n: int):
    rr = roadrunner.RoadRunner(sbml)
    rr.integrator.relative_tolerance = 1e-10
    rr.integrator.absolute_tolerance = 1e-12
    return rr.simulate(0, t_end, n, ["time", *names])[:, 1:]


@pytest.mark.parametrize("model_id", iosim.model_ids())
def test_export_runs_identically_in_roadrunner(model_id):
    model = iosim.get_model(model_id)
    ours = iosim.simulate(model, T_END, extinction=False, rtol=1e-10, atol=1e-12)
    theirs = roadrunner_run(write_sbml(model), model.state_names, T_END, ours.t.size)
    # Two independent integrators at rtol 1e-10: 1e-5 relative leaves room for stiff models.
    err, tol = close(theirs, ours.y, 1e-5)
    assert err < tol, f"{model_id}: max relative difference {err:.2e}"


@pytest.mark.parametrize("model_id", iosim.model_ids())
def test_export_import_round_trip_is_exact(model_id):
    model = iosim.get_model(model_id)
    back = read_sbml(write_sbml(model))
    assert back.state_names == model.state_names
    a = iosim.simulate(model, T_END, extinction=False, rtol=1e-10, atol=1e-12)
    b = iosim.simulate(back, T_END, extinction=False, rtol=1e-10, atol=1e-12)
    err, _ = close(b.y, a.y, 0)
    # Same equations, same solver: only rounding in the rebuilt expressions differs.
    assert err < 1e-7, f"{model_id}: max relative difference {err:.2e}"


def test_regimen_exports_as_events():
    # Kuznetsov 1994 with boluses of tumour cells, a set-event and an infusion of effectors:
    # RoadRunner running the SBML events must follow iosim's exact discontinuities.
    model = iosim.get_model("kuznetsov1994")
    regimen = (
        iosim.bolus("T", 2e6, at=5, every=10, count=2)
        + iosim.set_state("E", 1e5, at=12)
        + iosim.infusion("E", duration=3, rate=1e5, at=20)
    )
    ours = iosim.simulate(model, 40, regimen=regimen, extinction=False, rtol=1e-10, atol=1e-12, output_every=0.5)
    sbml = write_sbml(model, regimen=regimen)
    assert sbml.count("<event ") == 2 + 1 + 2
    theirs = roadrunner_run(sbml, model.state_names, 40, ours.t.size)
    # Compare away from the dose instants, where one engine reports the value before the
    # jump and the other after it.
    keep = ~np.isin(ours.t, [5, 12, 15, 20, 23])
    err, tol = close(theirs[keep], ours.y[keep], 1e-5)
    assert err < tol, f"max relative difference {err:.2e}"


def test_export_writes_file(tmp_path):
    path = tmp_path / "k.xml"
    text = write_sbml(iosim.get_model("kuznetsov1994"), path)
    assert path.read_text() == text and 'level="3" version="2"' in text


def test_boluses_and_set_events_come_back_as_the_same_regimen():
    model = iosim.get_model("kuznetsov1994")
    regimen = (
        iosim.bolus("T", 1e5, at=0) + iosim.bolus("T", 2e6, at=5, every=10, count=2) + iosim.set_state("E", 1e5, at=12)
    )
    back = import_sbml(write_sbml(model, regimen=regimen))
    assert back.regimen.events == regimen.events


def test_every_operator_exports_faithfully():
    # A model touching each iosim operator; numbers used as conditions and conditions used
    # as numbers must survive SBML's split between booleans and reals.
    from iosim.expr import call, maximum, minimum, piecewise

    b = iosim.ModelBuilder("ops", "operator coverage", reference=iosim.Reference("test model"))
    x = b.state("x", "1", "oscillating driver", initial=0.5, kind="other", nonnegative=False)
    y = b.state("y", "1", "accumulator", initial=1.0, kind="other")
    k = b.parameter("k", 0.3, "1/day", "rate", source="chosen for the test")
    t = iosim.expr.TIME
    b.equation(x, call("cos", t) * 0.5)
    terms = [
        call("log10", y + 1.0),
        call("sqrt", y),
        call("abs", x),
        call("tanh", x),
        call("sin", x) + call("tan", 0.1 * x),
        call("exp", -y) + call("log", y + 2.0),
        call("floor", t) * 0.01 + call("ceil", t) * 0.01,
        minimum(x, 0.1, y) + maximum(x, -0.1),
        piecewise(
            (1.0, call("gt", x, 0.0)),
            (2.0, call("and", call("lt", y, 5.0), call("not", call("ge", x, 1.0)))),
            otherwise=0.5,
        ),
        call("lt", x, 0.2) * 0.3 + call("or", call("eq", y, 0.0), call("ne", x, 0.0)) * 0.1,
        y**0.5 * k,
    ]
    b.equation(y, k * sum(terms[1:], terms[0]) - y * 0.5)
    model = b.build()
    ours = iosim.simulate(model, 6.0, extinction=False, rtol=1e-10, atol=1e-12, output_every=0.25)
    sbml = write_sbml(model)
    # floor/ceil of t jump at whole days and RoadRunner steps across them without locating
    # them; against a Radau run at rtol 1e-12 with max_step 1e-3 iosim is within 2e-8 and
    # RoadRunner within 6e-6 (x near its zero crossing at t = 4.75), hence 1e-5.
    theirs = roadrunner_run(sbml, model.state_names, 6.0, ours.t.size)
    err, _ = close(theirs, ours.y, 0)
    assert err < 1e-5, f"max relative difference {err:.2e}"
    back = iosim.simulate(read_sbml(sbml), 6.0, extinction=False, rtol=1e-10, atol=1e-12, output_every=0.25)
    assert close(back.y, ours.y, 0)[0] < 1e-9


@pytest.mark.parametrize("model_id", iosim.model_ids())
def test_export_passes_libsbml_consistency_checks(model_id):
    # Units are free text in iosim, so the unit checks are off; every other SBML rule holds,
    # with a bolus, an infusion and a set-event on the first state.
    import libsbml

    model = iosim.get_model(model_id)
    s = model.state_names[0]
    regimen = iosim.bolus(s, 1.0, at=1) + iosim.infusion(s, duration=1, rate=1, at=2) + iosim.set_state(s, 1.0, at=3)
    doc = libsbml.readSBMLFromString(write_sbml(model, regimen=regimen))
    doc.setConsistencyChecks(libsbml.LIBSBML_CAT_UNITS_CONSISTENCY, False)
    doc.checkConsistency()
    errors = [
        doc.getError(i).getMessage()
        for i in range(doc.getNumErrors())
        if doc.getError(i).getSeverity() >= libsbml.LIBSBML_SEV_ERROR
    ]
    assert not errors, errors[:3]


def test_infusion_round_trips_as_a_switched_helper_state():
    # An exported infusion is a parameter switched on and off by events; read back, that
    # parameter is a state set by two SetStates, and the trajectories are unchanged.
    model = iosim.get_model("kuznetsov1994")
    regimen = iosim.infusion("E", duration=3, rate=1e5, at=2) + iosim.bolus("T", 1e6, at=4)
    back = import_sbml(write_sbml(model, regimen=regimen))
    assert [(type(d).__name__, d.time) for d in back.regimen] == [("SetState", 2.0), ("Bolus", 4.0), ("SetState", 5.0)]
    a = iosim.simulate(model, 10, regimen=regimen, extinction=False, rtol=1e-10, atol=1e-12)
    b = iosim.simulate(back.model, 10, regimen=back.regimen, extinction=False, rtol=1e-10, atol=1e-12)
    for s in model.state_names:
        np.testing.assert_allclose(b[s], a[s], rtol=1e-9)
