"""SBML exchange: read SBML and Antimony into iosim models, write models as SBML.

    from iosim.sbml import read_sbml, write_sbml, read_antimony
    model = read_sbml("BIOMD0000000762.xml")
    text = write_sbml(model, "out.xml", regimen=iosim.bolus("T", 1e6, at=10))

How SBML constructs map onto iosim's model is described in :mod:`iosim.sbml.reader` and
:mod:`iosim.sbml.writer`; :mod:`iosim.sbml.suite` runs the SBML Test Suite.
"""

from iosim.sbml.antimony import antimony_to_sbml, read_antimony
from iosim.sbml.errors import SBMLError, UnsupportedSBMLError
from iosim.sbml.reader import import_sbml, read_sbml
from iosim.sbml.translate import SBMLImport
from iosim.sbml.writer import write_sbml

__all__ = [
    "SBMLError",
    "SBMLImport",
    "UnsupportedSBMLError",
    "antimony_to_sbml",
    "import_sbml",
    "read_antimony",
    "read_sbml",
    "write_sbml",
]
