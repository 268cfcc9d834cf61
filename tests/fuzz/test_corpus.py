"""Replay of the fuzz corpus: every input that once broke the contract, one file each.

The folder names the input kind (``corpus/<kind>/<file>``); ``corpus/README.md`` says what
each file did before its fix. Each must now meet the contract of ``_contract``: it works, or
it raises a typed one-line error (the CLI: exits 0, 1 or 2 with a one-line error), within
the time limit, writing nothing outside the output folder.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import iosim
from iosim.dosing import parse_dose
from iosim.exchange import regimen_from_table
from iosim.models import load_model_file
from iosim.sbml import antimony_to_sbml, import_sbml
from iosim.scenario import load_scenario
from iosim.therapy.regimens import parse_regimen
from iosim.therapy.units import Patient
from iosim.trials import load_trial_spec
from iosim.trials.population import load_population

from ._contract import FileGuard, check_cli, outcome

CORPUS = Path(__file__).parent / "corpus"
FILES = sorted(p for p in CORPUS.glob("*/*") if p.is_file())
#: Known failures in files outside this suite's reach, with where they must be fixed. A fix
#: turns the strict xfail into a failure: then move the entry out of this table.
OPEN: dict[str, str] = {}


def _text(path: Path) -> str:
    """The file as text, undecodable bytes kept as lone surrogates (as ``errors="surrogateescape"``
    reads them): library callers may pass such text."""
    return path.read_bytes().decode("utf-8", "surrogateescape")


def replay_trial(path: Path) -> None:
    spec, _ = outcome(load_trial_spec, path)
    if spec is not None:
        weeks, _ = outcome(spec.assessment_weeks)
        assert weeks is None or all(math.isfinite(w) for w in weeks)


def replay_population(path: Path) -> None:
    pop, _ = outcome(load_population, path)
    if pop is not None:
        people, _ = outcome(pop.sample, 1, np.arange(4))
        if people is not None:
            assert np.isfinite(people.select_dtypes("number").to_numpy(float)).all()


def replay_scenario(path: Path) -> None:
    outcome(load_scenario, path)


def replay_regimen(path: Path) -> None:
    spec, _ = outcome(parse_regimen, path.read_text().strip())
    if spec is not None:
        outcome(spec.absolute_doses, Patient(70.0, 170.0))


def replay_dose(path: Path) -> None:
    outcome(parse_dose, path.read_text().strip())


def replay_sbml(path: Path) -> None:
    outcome(load_model_file, str(path))
    outcome(import_sbml, _text(path))


def replay_antimony(path: Path) -> None:
    outcome(load_model_file, str(path))
    outcome(antimony_to_sbml, _text(path))


def replay_eventtable(path: Path) -> None:
    """``{"columns": [...], "rows": [[...]]}``; a column given as a list is a multi-level name."""
    data = json.loads(path.read_text())
    columns = [tuple(c) if isinstance(c, list) else c for c in data["columns"]]
    df = pd.DataFrame(data["rows"], columns=pd.MultiIndex.from_tuples(columns) if isinstance(columns[0], tuple)
                      else columns)  # fmt: skip
    outcome(regimen_from_table, df, iosim.get_model("kuznetsov1994"))


def replay_cli(path: Path, work: Path) -> None:
    argv = [a.replace("{corpus}", str(CORPUS)) for a in json.loads(path.read_text())]
    guard = FileGuard(work)
    check_cli(argv)
    guard.check()


REPLAY = {
    "trial": replay_trial,
    "population": replay_population,
    "scenario": replay_scenario,
    "regimen": replay_regimen,
    "dose": replay_dose,
    "sbml": replay_sbml,
    "antimony": replay_antimony,
    "eventtable": replay_eventtable,
}


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(CORPUS)) for p in FILES])
def test_corpus_input_meets_the_contract(path, workdir):
    name = str(path.relative_to(CORPUS))
    kind = path.parent.name
    try:
        replay_cli(path, workdir) if kind == "cli" else REPLAY[kind](path)
    except AssertionError:
        if name in OPEN:
            pytest.xfail(OPEN[name])
        raise
    assert name not in OPEN, f"{name} meets the contract now: remove it from OPEN"


def test_every_corpus_file_is_described():
    readme = (CORPUS / "README.md").read_text()
    undocumented = [str(p.relative_to(CORPUS)) for p in FILES if f"`{p.relative_to(CORPUS)}`" not in readme]
    assert not undocumented, f"describe these corpus files in corpus/README.md: {undocumented}"
