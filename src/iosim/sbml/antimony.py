"""Antimony text to an iosim Model, through the ``antimony`` package and SBML."""

from __future__ import annotations

import os
from pathlib import Path

from iosim.files import is_file
from iosim.model import Model
from iosim.sbml.errors import SBMLError
from iosim.sbml.reader import MAX_BYTES, read_sbml

#: Longest line of Antimony accepted. libAntimony's time grows quadratically with the length
#: of one formula (a sum of 20,000 terms takes about 30 s), and a formula long enough to come
#: near this limit is nested too deeply to import anyway.
MAX_LINE_CHARS = 10_000


def antimony_to_sbml(source: str | os.PathLike) -> str:
    """SBML text of the main module of an Antimony file (a path) or text."""
    import antimony

    text = str(source)
    if isinstance(source, os.PathLike) or ("\n" not in text and Path(text).suffix in (".ant", ".txt", ".antimony")):
        path = Path(source)
        if not is_file(path):
            raise SBMLError(f"no Antimony file at {str(path)[:200]}")
        if path.stat().st_size > MAX_BYTES:
            raise SBMLError(f"{path} is larger than {MAX_BYTES // 2**20} MB")
        text = path.read_text(encoding="utf-8", errors="replace")
    # Lone surrogates (text decoded with errors="surrogateescape") cannot reach libAntimony as UTF-8.
    text = text.encode("utf-8", errors="replace").decode("utf-8")
    if len(text) > MAX_BYTES:
        raise SBMLError(f"Antimony text is larger than {MAX_BYTES // 2**20} MB")
    for number, line in enumerate(text.splitlines(), start=1):
        if len(line) > MAX_LINE_CHARS:
            raise SBMLError(
                f"line {number} of the Antimony text is longer than {MAX_LINE_CHARS:,} characters; "
                "split long formulas with intermediate assignments (x := ...)"
            )
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
