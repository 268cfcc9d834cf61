"""Physiological bounds on the flagship model's cell populations, each with its source.

A simulation that leaves them has left biology, whatever its response rate: the checks run on a
result (:func:`violations`) and in the tests, for the median patient of every cancer type on every
drug of the catalogue (``tests/flagship/test_bounds.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Bound:
    output: str
    high: float
    unit: str
    source: str


BOUNDS: tuple[Bound, ...] = (
    Bound("tumour_cells", 1.01e12, "cells", "the model's carrying capacity, ~1 kg of tumour (Del Monte 2009)"),
    Bound(
        "tumour_specific_t_cells", 1.01e11, "cells",
        "10-40% of the body's ~1e11-2e11 CD8 T cells, the largest antigen-specific expansions seen (acute EBV, "
        "Callan 1998 J Exp Med 187:1395); the model's clone_capacity",
    ),
    Bound(
        "total_t_cells", 4e11, "cells",
        "the body holds ~4e11 T cells (Ganusov & De Boer 2007 Trends Immunol 28:514): no therapy adds a second "
        "immune system",
    ),
    Bound("treg_cells", 3.03e10, "cells", "5-10% of ~2e11 CD4 T cells, a few-fold more on IL-2; treg_capacity"),
    Bound("nk_cells", 1.01e11, "cells", "~10% of the body's ~1e12 lymphocytes (Ganusov & De Boer 2007)"),
    Bound(
        "cart_cells", 4e11, "cells",
        "ZUMA-1's highest peak blood CAR-T level, 1,514 cells/uL (Neelapu 2017 NEJM 377:2531), over 5 L of blood "
        "that holds ~2% of the body's lymphocytes: ~4e11 cells",
    ),
)  # fmt: skip


def violations(outputs: Mapping[str, np.ndarray], bounds: tuple[Bound, ...] = BOUNDS) -> list[str]:
    """One line per bound an output exceeds at any time (outputs: name -> values over time)."""
    found = []
    for b in bounds:
        if b.output not in outputs:
            continue
        peak = float(np.nanmax(np.asarray(outputs[b.output], dtype=float)))
        if peak > b.high:
            found.append(f"{b.output} reaches {peak:.3g} {b.unit}, above {b.high:.3g} ({b.source})")
    return found
