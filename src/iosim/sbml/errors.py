"""Errors raised while reading or writing SBML.

ModelError (ValueError)
└── SBMLError                 the file cannot be read (malformed XML, invalid SBML, too big)
    └── UnsupportedSBMLError  a valid construct iosim cannot represent (events, delays, ...)
"""

from __future__ import annotations

from iosim.errors import ModelError


class SBMLError(ModelError):
    """An SBML document could not be read or translated.

    The message is one line: libSBML and libAntimony write theirs over several lines, and
    their whitespace is collapsed here."""

    def __init__(self, message: str = "", *args: object):
        super().__init__(" ".join(str(message).split()), *args)


class UnsupportedSBMLError(SBMLError):
    """The document uses an SBML construct iosim does not support; ``construct`` names it."""

    def __init__(self, construct: str, detail: str = ""):
        self.construct = construct
        hint = f" ({detail})" if detail else ""
        super().__init__(f"unsupported SBML construct: {construct}{hint}")
