"""Trial specifications and populations shipped inside the package.

``iosim validate`` and the per-cancer populations must work from an installed wheel, where the
repository's ``examples/`` folder does not exist. ``EXAMPLES`` (``iosim/library/examples/``) holds
byte-identical copies of the example trials that the calibration registry names
(``examples/<trial>.yaml``) and of every population (``examples/populations/*.yaml``); the same
relative paths work in both places, so a trial's ``population: populations/melanoma.yaml`` resolves
in either. ``tests/validation/test_library.py`` fails when a copy differs from ``examples/``: edit
``examples/``, then copy the file here (``cp examples/X src/iosim/library/examples/X``).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

#: The shipped copy of the repository's ``examples/`` trial specs and populations: package data,
#: found with importlib.resources (an installed wheel has no ``examples/`` folder beside it).
EXAMPLES = Path(str(resources.files("iosim.library").joinpath("examples")))
POPULATIONS = EXAMPLES / "populations"


def trial_path(spec: str) -> Path:
    """The shipped trial spec at ``spec``, a path relative to ``examples/`` (``checkmate067.yaml``)."""
    return EXAMPLES / spec


def population_path(cancer: str) -> Path | None:
    """The shipped population of a catalogue cancer id (``populations/<cancer>.yaml``), if there is one."""
    from iosim.cancers import cancer_ids

    if cancer not in cancer_ids():  # only catalogue ids reach the file system
        return None
    path = POPULATIONS / f"{cancer}.yaml"
    return path if path.is_file() else None
