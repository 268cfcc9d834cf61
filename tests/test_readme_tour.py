"""The README tour runs as written: every input file it names ships, and `iosim fit` reads the
bundled tumour-growth data's own column names (or says which to map)."""

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
#: Options whose value is a file the command reads (not one it writes).
INPUT_OPTIONS = {"--data", "--params", "--population", "--scenario"}


def _tour_commands() -> list[list[str]]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = []
    for block in re.findall(r"```console\n(.*?)```", text, flags=re.S):
        joined = block.replace("\\\n", " ")
        for line in joined.splitlines():
            if line.startswith("$ iosim"):
                for part in line[2:].split(" ; "):
                    commands.append(shlex.split(part.split("  #")[0]))
    return commands


def _inputs(argv: list[str]) -> list[str]:
    from iosim.vpop.compare import OBSERVED  # data sets shipped in the package, named rather than a file

    named = {"default", *OBSERVED}
    found = [value for opt, value in zip(argv, argv[1:]) if opt in INPUT_OPTIONS and value not in named]
    found += [a for a in argv[1:] if a.startswith("examples/")]
    if argv[1] in {"show", "simulate"} and argv[2].endswith((".xml", ".ant", ".sbml")):
        found.append(argv[2])
    return found


def test_the_tour_has_commands():
    commands = _tour_commands()
    assert len(commands) > 20
    assert any(c[1] == "fit" for c in commands) and any(c[1] == "cohort" for c in commands)


@pytest.mark.parametrize("argv", _tour_commands(), ids=lambda a: " ".join(a[1:3]))
def test_every_input_the_tour_names_ships(argv):
    for path in _inputs(argv):
        assert (ROOT / path).is_file(), f"README runs `{' '.join(argv)}` but {path} is not in the repository"
        assert path.startswith(("examples/", "tests/data/")), f"{path}: put the tour's inputs in examples/"


def test_patients_csv_fits_its_model():
    from iosim.models import get_model

    df = pd.read_csv(ROOT / "examples" / "patients.csv")
    model = get_model("kuznetsov1994")
    assert set(df.columns) - {"patient"} <= set(model.parameter_names) | set(model.state_names)


def _fit(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "iosim", "fit", "gompertz", *args], capture_output=True, text=True,
                          timeout=300, cwd=cwd)  # fmt: skip


def test_fit_reads_the_bundled_mouse_data_columns(tmp_path):
    # One mouse of the bundled data, columns as published (animal_id, day, volume_mm3).
    bundled = ROOT / "src" / "iosim" / "data" / "tumour_growth" / "LLC_sc_volume_mm3.csv"
    one = pd.read_csv(bundled).query("animal_id == 2")
    one.to_csv(tmp_path / "mouse.csv", index=False)
    r = _fit("--data", str(tmp_path / "mouse.csv"), "--observe", "V", "--estimate", "alpha,beta", "--starts", "1",
             "--out", str(tmp_path / "fit.csv"))  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "reading time from 'day', value from 'volume_mm3'" in r.stderr
    fit = pd.read_csv(tmp_path / "fit.csv")
    # Gompertz growth of a Lewis lung carcinoma: positive rates of the order of the bundled starts (0.8, 0.1 /day).
    alpha = float(fit.loc[fit["parameter"] == "alpha", "estimate"].iloc[0])
    assert 0.1 < alpha < 5


def test_fit_names_the_columns_to_map(tmp_path):
    (tmp_path / "d.csv").write_text("mouse,when,size\n1,0,10\n1,2,20\n1,4,35\n1,6,50\n")
    r = _fit("--data", str(tmp_path / "d.csv"), "--observe", "V", "--estimate", "alpha")
    assert r.returncode == 2 and r.stderr.count("\n") == 1
    assert "mouse, when, size" in r.stderr and "--time-column" in r.stderr
    r = _fit("--data", str(tmp_path / "d.csv"), "--observe", "V", "--estimate", "alpha", "--time-column", "when",
             "--value-column", "sise")  # fmt: skip
    assert r.returncode == 2 and "--value-column 'sise'" in r.stderr
