"""SBML (Level 2 Version 1 to Level 3 Version 2) to an iosim :class:`~iosim.Model`.

How SBML maps onto iosim
------------------------
- **Species** that change (by reactions or a rate rule) are states holding the species'
  *amount*. SBML reaction rates are amounts per time, so a reaction adds
  ``stoichiometry * rate * conversion factor`` to the amount, whatever the compartment
  does. Where SBML math names a species with ``hasOnlySubstanceUnits=false`` it means the
  concentration, so the importer substitutes ``amount / compartment`` there, and adds an
  output ``<id>_conc``. A rate rule on a concentration becomes
  ``d(amount)/dt = rate * V + amount / V * dV/dt``.
- **Compartments, parameters, stoichiometries** with a rate rule are states; with an
  assignment rule they are intermediates; otherwise parameters (value after initial
  assignments).
- **Assignment-ruled species** are intermediates holding the SBML value (concentration or
  amount) and also outputs of the same name.
- **Constant species** are parameters holding the SBML value.
- **Reactions** are iosim reactions (their rate is the kinetic law, local parameters
  renamed ``<reaction>_<id>`` and declared as parameters). Constant stoichiometries are the
  reaction's changes; variable stoichiometries and conversion factors go into the states'
  explicit equations as ``stoichiometry * conversion_factor * <reaction>``.
- **Initial values** come from initial assignments and assignment rules evaluated together
  at the start, in dependency order.
- Imported states have ``kind="other"``, no extinction threshold and may go negative.

Events, algebraic rules, fast reactions, delays, ``rateOf`` and SBML packages raise
:class:`~iosim.sbml.errors.UnsupportedSBMLError`.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import libsbml

from iosim.files import is_file
from iosim.model import Model
from iosim.sbml.errors import SBMLError, UnsupportedSBMLError
from iosim.sbml.translate import SBMLImport, Translator

#: Largest document accepted, in bytes.
MAX_BYTES = 20 * 1024 * 1024
#: Most MathML elements in one ``<math>``, checked on the text before libSBML parses it. libSBML
#: nests an n-ary operator's arguments one level per argument and frees that tree recursively:
#: a rate rule summing 200,000 terms overflowed the C stack when the document was freed (a
#: segfault; 100,000 did not, on an 8 MB stack). Formulas nested deeper than
#: ``iosim.sbml.math.MAX_DEPTH`` (200) are refused after parsing anyway.
MAX_MATH_ELEMENTS = 20_000
_MATH = re.compile(r"<(/?)(?:[A-Za-z_][\w.-]*:)?math\b")


def read_sbml(source: str | os.PathLike) -> Model:
    """Read an SBML file (a path) or document (text starting with ``<``) into a Model.

    A document with events raises :class:`UnsupportedSBMLError`; when its events only fire
    at fixed times, ``import_sbml(source)`` returns them as a regimen beside the model."""
    imp = import_sbml(source)
    if len(imp.regimen):
        raise UnsupportedSBMLError(
            "events", "they fire at fixed times: use iosim.sbml.import_sbml(...).model and .regimen"
        )
    return imp.model


def load_document(source: str | os.PathLike) -> libsbml.SBMLDocument:
    """Parse with libSBML, enforcing the size limit; errors become :class:`SBMLError`."""
    text: str
    if isinstance(source, os.PathLike) or not str(source).lstrip("\ufeff \t\r\n").startswith("<"):
        path = Path(source)
        if not is_file(path):
            raise SBMLError(f"no SBML file at {str(path)[:200]}")
        if path.stat().st_size > MAX_BYTES:
            raise SBMLError(f"{path} is larger than {MAX_BYTES // 2**20} MB")
        text = path.read_text(encoding="utf-8", errors="replace")
    else:
        # Lone surrogates (text decoded with errors="surrogateescape") cannot reach libSBML as UTF-8.
        data = str(source).encode("utf-8", errors="replace")
        if len(data) > MAX_BYTES:
            raise SBMLError(f"SBML text is larger than {MAX_BYTES // 2**20} MB")
        text = data.decode("utf-8")
    _check_math_sizes(text)
    doc = libsbml.readSBMLFromString(text.lstrip("\ufeff"))  # a byte-order mark is not XML
    problems = [
        doc.getError(i).getMessage().strip()
        for i in range(doc.getNumErrors())
        if doc.getError(i).getSeverity() >= libsbml.LIBSBML_SEV_ERROR
    ]
    if problems or doc.getModel() is None:
        detail = "; ".join(problems[:3]) or "the document has no <model>"
        raise SBMLError(f"cannot read SBML: {detail}")
    return doc


def _check_math_sizes(text: str) -> None:
    """Refuse a ``<math>`` with more than :data:`MAX_MATH_ELEMENTS` elements before libSBML builds it."""
    start = None
    for tag in _MATH.finditer(text):
        if not tag.group(1):
            start = tag.end() if start is None else start  # the outermost <math> counts
        elif start is not None:
            _count_elements(text, start, tag.start())
            start = None
    if start is not None:  # never closed: libSBML reports that, after this bound
        _count_elements(text, start, len(text))


def _count_elements(text: str, start: int, end: int) -> None:
    elements = text.count("<", start, end) - text.count("</", start, end)
    if elements > MAX_MATH_ELEMENTS:
        line = text.count("\n", 0, start) + 1
        raise SBMLError(
            f"the formula at line {line} has {elements:,} MathML elements, more than {MAX_MATH_ELEMENTS:,}; "
            "split it with assignment rules"
        )


def import_sbml(source: str | os.PathLike, *, model_id: str | None = None) -> SBMLImport:
    """Like :func:`read_sbml`, also returning how SBML symbols map onto the model and the
    fixed-time events as a :class:`~iosim.Regimen`."""
    doc = load_document(source)
    try:
        return Translator(doc, model_id).run()
    except RecursionError:  # formulas within the depth limits that still nest too deeply once combined
        raise SBMLError("the model's formulas nest too deeply once rules and kinetic laws are combined") from None
