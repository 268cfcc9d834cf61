"""BioModels deposits of tumour–immune models import and simulate like libRoadRunner runs them."""

from pathlib import Path

import numpy as np
import pytest

import iosim
from iosim.sbml import UnsupportedSBMLError, import_sbml, read_sbml

DATA = Path(__file__).resolve().parents[1] / "data" / "biomodels"
ODE_FILES = sorted(p.name for p in DATA.glob("*.xml") if p.name != "BIOMD0000001019.xml")


@pytest.mark.parametrize("name", ODE_FILES)
def test_biomodels_file_matches_roadrunner(name):
    roadrunner = pytest.importorskip("roadrunner")
    path = DATA / name
    model = read_sbml(path)
    ours = iosim.simulate(model, 10.0, extinction=False, rtol=1e-10, atol=1e-12)
    assert ours.ok
    rr = roadrunner.RoadRunner(str(path))
    rr.integrator.relative_tolerance = 1e-10
    rr.integrator.absolute_tolerance = 1e-12
    theirs = rr.simulate(0, 10.0, ours.t.size, ["time", *model.state_names])[:, 1:]
    # All these deposits use unit-size compartments, so RoadRunner's species values equal
    # iosim's amounts. Independent integrators at rtol 1e-10: agree to 1e-6 relative.
    scale = np.maximum(np.abs(ours.y), 1e-3 * np.abs(ours.y).max(axis=0) + 1e-12)
    assert np.max(np.abs(theirs - ours.y) / scale) < 1e-6


def test_kuznetsov_deposit_has_the_papers_parameters():
    # BIOMD0000000762 against Kuznetsov et al. 1994 (p. 303): s = 1.3e4, d = 0.0412.
    model = read_sbml(DATA / "BIOMD0000000762.xml")
    values = {p.name: p.value for p in model.parameters}
    assert 1.3e4 in values.values() and 0.0412 in values.values()


def test_deposit_with_events_needs_import_sbml():
    # read_sbml returns a bare Model, which cannot carry events: it refuses rather than drop them.
    with pytest.raises(UnsupportedSBMLError, match="import_sbml"):
        read_sbml(DATA / "BIOMD0000001019.xml")


def test_cartmath_deposit_events_become_a_regimen_matching_roadrunner():
    # BIOMD0000001019 (Barros et al. 2021, CARTmath): CAR-T infusion set at day 45 and a
    # tumour re-challenge set at day 250, both `time >= c` events.
    roadrunner = pytest.importorskip("roadrunner")
    imp = import_sbml(DATA / "BIOMD0000001019.xml")
    assert [(type(d).__name__, d.state, d.time) for d in imp.regimen] == [
        ("SetState", "Ct", 45.0),
        ("SetState", "T", 250.0),
    ]
    ours = iosim.simulate(imp.model, 300.0, regimen=imp.regimen, extinction=False, rtol=1e-10, atol=1e-12)
    rr = roadrunner.RoadRunner(str(DATA / "BIOMD0000001019.xml"))
    rr.integrator.relative_tolerance = 1e-10
    rr.integrator.absolute_tolerance = 1e-12
    theirs = rr.simulate(0, 300.0, ours.t.size, ["time", *imp.model.state_names])[:, 1:]
    keep = ~np.isin(ours.t, [45.0, 250.0])  # at the event instant one side may report the value before
    scale = np.maximum(np.abs(ours.y[keep]), 1e-3 * np.abs(ours.y).max(axis=0) + 1e-12)
    assert np.max(np.abs(theirs[keep] - ours.y[keep]) / scale) < 1e-5
