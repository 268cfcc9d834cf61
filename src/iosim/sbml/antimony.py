"""Antimony text to an iosim Model, through the ``antimony`` package and SBML."""

from __future__ import annotations

import os
from pathlib import Path

from iosim.model import Model
from iosim.sbml.errors import SBMLError
from iosim.sbml.reader import MAX_BYTES, read_sbml


def antimony_to_sbml(source: str | os.PathLike) -> str:
    """SBML text of the main module of an Antimony file (a path) or text."""
    import antimony

    text = str(source)
    if isinstance(source, os.PathLike) or ("\n" not in text and Path(text).suffix in (".ant", ".txt", ".antimony")):
        path = Path(source)
        if not path.is_file():
            raise SBMLError(f"no Antimony file at {path}")
        if path.stat().st_size > MAX_BYTES:
            raise SBMLError(f"{path} is larger than {MAX_BYTES // 2**20} MB")
        text = path.read_text(encoding="utf-8", errors="replace")
    antimony.clearPreviousLoads()
    if antimony.loadAntimonyString(text) < 0:
        raise SBMLError(f"cannot read Antimony: {antimony.getLastError().strip()}")
    module = antimony.getMainModuleName()
    sbml = antimony.getSBMLString(module) if module else ""
    if not sbml:
        raise SBMLError("the Antimony text defines no model")
    return sbml


def read_antimony(source: str | os.PathLike) -> Model:
    """Read an Antimony model (a path ending in .ant, or the text itself) into a Model."""
    return read_sbml(antimony_to_sbml(source))
