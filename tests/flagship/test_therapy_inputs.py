"""Dose units, regimen strings, scenarios and their errors."""

import math

import pytest

from iosim.dosing import Bolus, SetState
from iosim.errors import DosingError, InputError, UnknownNameError
from iosim.scenario import build_scenario, load_scenario
from iosim.therapy.regimens import parse_regimen
from iosim.therapy.units import Patient, bsa_mosteller, to_absolute


def test_unit_conversions():
    p = Patient(weight_kg=80, height_cm=180)
    assert bsa_mosteller(80, 180) == pytest.approx(2.0)  # sqrt(180*80/3600) = 2
    assert to_absolute(3, "mg/kg", p) == (240.0, "mg")
    assert to_absolute(375, "mg/m2", p) == (pytest.approx(750.0), "mg")
    assert to_absolute(600000, "IU/kg", p) == (48e6, "IU")
    assert to_absolute(2e6, "cells/kg", p) == (1.6e8, "cells")
    assert to_absolute(9, "MIU", p) == (9e6, "IU")
    assert to_absolute(200, "mg", p) == (200.0, "mg")


def test_mg_per_m2_without_height_names_the_fix():
    with pytest.raises(InputError, match="height_cm"):
        to_absolute(375, "mg/m2", Patient(weight_kg=70))
    with pytest.raises(InputError, match="height_cm"):
        build_scenario(cancer="dlbcl", therapies=["rituximab"], patient={"weight_kg": 70})


def test_bad_patient_and_unit():
    with pytest.raises(InputError, match="weight_kg"):
        Patient(weight_kg=-3)
    with pytest.raises(InputError, match="unknown patient covariate"):
        Patient.from_mapping({"weight": 70})
    with pytest.raises(DosingError, match="unknown dose unit"):
        to_absolute(3, "mg/lb", Patient())


def test_regimen_strings():
    p = Patient(weight_kg=70, height_cm=175)
    assert [t for t, *_ in parse_regimen("3mg/kg-q3w-x4").absolute_doses(p)] == [0, 21, 42, 63]
    q2w = parse_regimen("3mg/kg-q2w").absolute_doses(p, horizon=365)
    assert len(q2w) == 27 and q2w[-1][0] == 364
    il2 = [t for t, *_ in parse_regimen("600000IU/kg-q8h-x14-2cycles").absolute_doses(p)]
    assert len(il2) == 28 and il2[13] == pytest.approx(13 / 3) and il2[14] == 14.0
    assert [t for t, *_ in parse_regimen("2e6cells/kg-once").absolute_doses(p)] == [0.0]
    load = parse_regimen("4mg/kg-once,2mg/kg-qw").absolute_doses(p, horizon=21)
    assert [(t, a) for t, a, _ in load] == [(0.0, 280.0), (7.0, 140.0), (14.0, 140.0), (21.0, 140.0)]
    combo = [t for t, *_ in parse_regimen("1mg/kg-q3w-x4,480mg-q4w@84d").absolute_doses(p, horizon=120)]
    assert combo == [0, 21, 42, 63, 84, 112]
    assert [t for t, *_ in parse_regimen("9MIU-tiw").absolute_doses(p, horizon=7)] == pytest.approx(
        [0, 7 / 3, 14 / 3, 7]
    )


@pytest.mark.parametrize(
    "text, match",
    [
        ("3 mg/kg every 2 weeks", "malformed"),
        ("3mg/kg-q2w@-3d", "malformed"),
        ("-3mg/kg-q2w", "malformed"),
        ("3furlongs-q2w", "unknown dose unit"),
        ("600000IU/kg-q8h-x14-2cycles-cycle3d", "overlap"),
        ("1mg/kg-q3w-x4,3mg/kg-q2w@30d", "overlaps"),
        ("600000IU/kg-q8h-2cycles", "dose count"),
        ("3mg/kg-q2w,2e6cells-once", "mixes"),
        ("", "empty"),
    ],
)
def test_bad_regimens_get_one_line_errors(text, match):
    with pytest.raises(DosingError, match=match) as e:
        parse_regimen(text).dose_times()
    assert "\n" not in str(e.value)


def test_unknown_names():
    with pytest.raises(UnknownNameError, match="did you mean nivolumab"):
        build_scenario(cancer="melanoma", therapies=["nivolumb"])
    with pytest.raises(UnknownNameError, match="cancer type"):
        build_scenario(cancer="glioma")
    with pytest.raises(DosingError, match="no labelled regimen 'whenever'; use one of default, flat_q2w"):
        build_scenario(cancer="melanoma", therapies=["nivolumab:whenever"])
    with pytest.raises(DosingError, match="malformed"):
        build_scenario(cancer="melanoma", therapies=["nivolumab:3mg/kg-every2w"])
    with pytest.raises(DosingError, match="dosed in mg"):
        build_scenario(cancer="melanoma", therapies=["nivolumab:2e6cells-once"])


def test_scenario_converts_doses_into_model_units():
    sc = build_scenario(cancer="melanoma", therapies=["nivolumab"], patient={"weight_kg": 80, "height_cm": 180})
    doses = [e for e in sc.regimen if isinstance(e, Bolus)]
    assert doses[0].state == "pd1_c" and doses[0].amount == pytest.approx(240.0 / 3.63)  # 3 mg/kg / Vc
    assert [d.time for d in doses[:3]] == [0.0, 14.0, 28.0]
    assert sc.params["immunogenicity"] == pytest.approx(1.3)
    assert sc.initial["Tp"] + sc.initial["Tn"] == pytest.approx(3e10)


def test_a_therapy_without_its_target_is_not_an_error_and_is_noted():
    sc = build_scenario(cancer="melanoma", therapies=["trastuzumab"])
    assert sc.initial["Tp"] == 0.0
    assert any("does not express HER2" in n for n in sc.notes)


def test_combination_keeps_each_schedule_and_cell_therapy_lymphodepletes():
    sc = build_scenario(cancer="melanoma", therapies=["nivolumab:with_ipilimumab", "ipilimumab"])
    by_state = {}
    for e in sc.regimen:
        by_state.setdefault(e.state, []).append(e.time)
    assert by_state["ctla4_c"] == [0.0, 21.0, 42.0, 63.0]
    assert by_state["pd1_c"][:6] == [0.0, 21.0, 42.0, 63.0, 84.0, 112.0]
    til = build_scenario(cancer="melanoma", therapies=["lifileucel"])
    sets = [e for e in til.regimen if isinstance(e, SetState)]
    assert {e.state for e in sets} == {"N", "R"} and all(e.time == 0.0 for e in sets)
    il2 = [e.time for e in til.regimen if isinstance(e, Bolus) and e.state == "il2x"]
    assert len(il2) == 6 and il2[0] == pytest.approx(7.5)
    with pytest.raises(InputError, match="same mechanism"):
        build_scenario(cancer="melanoma", therapies=["nivolumab", "pembrolizumab"])
    with pytest.raises(InputError, match="one therapy target"):
        build_scenario(cancer="dlbcl", therapies=["rituximab", "tisagenlecleucel"])


def test_load_scenario_yaml(tmp_path):
    f = tmp_path / "s.yaml"
    f.write_text(
        "cancer: melanoma\npatient: {weight_kg: 80, height_cm: 180}\ntumour_cells: 2e10\n"
        "therapies:\n  - nivolumab:1mg/kg-q3w-x4,480mg-q4w@84d\n  - drug: ipilimumab\n    regimen: 3mg/kg-q3w-x4\n"
    )
    sc = load_scenario(f)
    assert sc.initial["Tp"] + sc.initial["Tn"] == pytest.approx(2e10)
    assert math.isclose(sum(e.amount for e in sc.regimen if e.state == "ctla4_c"), 4 * 240 / 4.2)
    bad = tmp_path / "b.yaml"
    bad.write_text("cancer: melanoma\ntherapy: [nivolumab]\n")
    with pytest.raises(InputError, match="unknown key 'therapy'"):
        load_scenario(bad)
