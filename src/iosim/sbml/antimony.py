"""Antimony text to an iosim Model, through the ``antimony`` package and SBML."""

from __future__ import annotations

import os
import re
from pathlib import Path

from iosim.files import is_file
from iosim.model import Model
from iosim.sbml.errors import SBMLError
from iosim.sbml.reader import MAX_BYTES, read_sbml

#: Longest line of Antimony accepted. libAntimony's time grows quadratically with the length
#: of one formula (a sum of 20,000 terms takes about 30 s), and a formula long enough to come
#: near this limit is nested too deeply to import anyway.
MAX_LINE_CHARS = 10_000
#: An Antimony ``import`` statement: at the start of a line or after a ``;``. libAntimony would read
#: any file it names (a FIFO hangs it; /etc/passwd came back in pieces in its error message).
_IMPORT = re.compile(r"(?:^|;)\s*import\b")


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
    _check_text(text)
    antimony.clearPreviousLoads()
    try:
        if antimony.loadAntimonyString(text) < 0:
            raise SBMLError(f"cannot read Antimony: {_short(antimony.getLastError())}")
        module = antimony.getMainModuleName()
        sbml = antimony.getSBMLString(module) if module else ""
    except UnicodeDecodeError:  # libAntimony's answer was not UTF-8: only non-ASCII input did that
        raise SBMLError("cannot read Antimony: libAntimony could not handle its text; use ASCII names") from None
    if not sbml:
        raise SBMLError("the Antimony text defines no model")
    return sbml


def _check_text(text: str) -> None:
    """Refuse what libAntimony cannot take safely: over-long lines, non-ASCII characters (its
    answer then fails to decode) and ``import`` statements (it would read the file they name)."""
    for number, line in enumerate(text.splitlines(), start=1):
        if len(line) > MAX_LINE_CHARS:
            raise SBMLError(
                f"line {number} of the Antimony text is longer than {MAX_LINE_CHARS:,} characters; "
                "split long formulas with intermediate assignments (x := ...)"
            )
        if not line.isascii():
            column = next(i for i, c in enumerate(line) if not c.isascii()) + 1
            raise SBMLError(
                f"line {number}, column {column} of the Antimony text is not ASCII ({line[column - 1]!r}); "
                "Antimony names are ASCII letters, digits and _: rename it"
            )
        if _IMPORT.search(line.split("//")[0]):
            raise SBMLError(
                f"line {number} of the Antimony text imports another file; iosim does not read Antimony "
                "imports: paste the imported model into this file"
            )


def _short(message: str, limit: int = 300) -> str:
    message = " ".join(message.split())
    return message if len(message) <= limit else message[: limit - 1] + "…"


def read_antimony(source: str | os.PathLike) -> Model:
    """Read an Antimony model (a path ending in .ant, or the text itself) into a Model."""
    return read_sbml(antimony_to_sbml(source))
