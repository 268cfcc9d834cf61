"""Calibration fits only registry entries with role calibrated; spec observed blocks repeat the registry."""

import subprocess
import sys
from pathlib import Path

import pytest

from iosim.library import trial_path
from iosim.trials import TrialSpecError, load_trial_spec, parse_trial_spec
from iosim.trials.calibrate import registry_targets
from iosim.validation import RegistryError

CHECKMATE = load_trial_spec(trial_path("checkmate067.yaml"))


def test_targets_take_their_values_from_the_registry():
    t = registry_targets(CHECKMATE, ["checkmate067/nivolumab/orr,checkmate067/nivolumab/median_pfs_months"])
    assert [(x.arm, x.values) for x in t] == [("nivolumab", {"orr": 0.437, "median_pfs_months": 6.9})]
    assert registry_targets(CHECKMATE, ["arm=ipilimumab,orr"])[0].values == {"orr": 0.19}
    assert registry_targets(CHECKMATE, ["arm=ipilimumab,orr=0.19"])[0].values == {"orr": 0.19}


@pytest.mark.parametrize(
    "target, fragment",
    [
        ("checkmate067/nivolumab+ipilimumab/orr", "role predicted"),
        ("arm=nivolumab,orr=0.5", "differs from the calibration registry"),
        ("arm=nivolumab,dcr", "is not an entry of the calibration registry"),
        ("zuma1/axicabtagene_ciloleucel/orr", "belongs to trial zuma1"),
        ("no/such/entry", "is not an entry of the calibration registry"),
    ],
)
def test_anything_else_is_refused(target, fragment):
    with pytest.raises(RegistryError, match=fragment):
        registry_targets(CHECKMATE, [target])


def test_cli_refuses_a_target_outside_the_registry_in_one_line(tmp_path):
    spec = Path(__file__).resolve().parents[2] / "examples" / "checkmate067.yaml"
    r = subprocess.run([sys.executable, "-m", "iosim", "calibrate", str(spec), "--target", "arm=nivolumab,orr=0.6",
                        "--out", str(tmp_path / "p.yaml")], capture_output=True, text=True, timeout=120)  # fmt: skip
    assert r.returncode == 2 and r.stderr.count("\n") == 1
    assert "calibration registry (iosim/validation/registry.yaml)" in r.stderr
    assert not (tmp_path / "p.yaml").exists()


def _spec(name: str, observed: dict) -> dict:
    return {"name": name, "cancer": "melanoma", "seed": 1, "patients_per_arm": 10, "follow_up_months": 12,
            "arms": [{"name": "nivolumab", "therapies": [{"drug": "nivolumab"}], "observed": observed}]}  # fmt: skip


def test_deprecated_observed_blocks_must_repeat_the_registry():
    same = {"source": "Larkin 2015", "orr": 0.437, "role": "calibrated"}
    assert parse_trial_spec(_spec("checkmate067", same)).arms[0].observed.orr == 0.437
    with pytest.raises(TrialSpecError, match="does not match the calibration registry"):
        parse_trial_spec(_spec("checkmate067", {**same, "orr": 0.5}))
    # a trial of one's own, not in the registry, may still carry observed results for its report
    assert parse_trial_spec(_spec("my_trial", {**same, "orr": 0.5})).arms[0].observed.orr == 0.5
