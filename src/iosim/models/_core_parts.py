"""Building blocks of the flagship model ``core``: drug pharmacokinetics and the lesion mapping.

Not a model (the module name starts with ``_``); :mod:`iosim.models.core` uses it.
"""

from __future__ import annotations

import math

from iosim.expr import Sym
from iosim.expr.nodes import Operand
from iosim.model import ModelBuilder

#: Tumour cell density, cells per cm^3 (the usual "1 cm^3 ~ 1e9 cells" rule; Del Monte 2009,
#: Cell Cycle 8:505, "Does the cell number 10^9 still really fit one gram of tumor tissue?").
CELLS_PER_CM3 = 1e9
#: Number of target lesions the tumour burden is split across (RECIST 1.1 allows up to 5, at
#: most 2 per organ; Eisenhauer 2009, Eur J Cancer 45:228). iosim uses 3 equal spherical lesions.
TARGET_LESIONS = 3
#: A lesion below this diameter is not seen on CT (RECIST CR: disappearance of target lesions).
DETECTION_DIAMETER_MM = 2.0


def diameter_sum_mm(cells: float) -> float:
    """Sum of target-lesion diameters (mm) for ``cells`` tumour cells split into equal spheres."""
    if cells <= 0:
        return 0.0
    volume_cm3 = cells / CELLS_PER_CM3 / TARGET_LESIONS
    return TARGET_LESIONS * 10.0 * (6.0 * volume_cm3 / math.pi) ** (1.0 / 3.0)


def two_compartment(
    b: ModelBuilder,
    prefix: str,
    label: str,
    *,
    cl: float,
    vc: float,
    q: float,
    vp: float,
    source: str,
    target_clearance: Operand = 0.0,
) -> tuple[Sym, Sym]:
    """Declare a two-compartment antibody (concentrations in mg/L, doses enter the central
    compartment as mg/Vc). ``target_clearance`` (L/day, may depend on states) adds target-mediated
    elimination from the central compartment. Returns the central and peripheral symbols."""
    c = b.state(f"{prefix}_c", "mg/L", f"{label}: central (serum) concentration", kind="concentration")
    p = b.state(f"{prefix}_p", "mg/L", f"{label}: peripheral concentration", kind="concentration")
    CL = b.parameter(f"{prefix}_CL", cl, "L/day", f"{label}: linear clearance", source=source)
    VC = b.parameter(f"{prefix}_Vc", vc, "L", f"{label}: central volume", source=source)
    Q = b.parameter(f"{prefix}_Q", q, "L/day", f"{label}: intercompartmental clearance", source=source)
    VP = b.parameter(f"{prefix}_Vp", vp, "L", f"{label}: peripheral volume", source=source)
    b.equation(c, -(CL + target_clearance) / VC * c - Q / VC * (c - p))
    b.equation(p, Q / VP * (c - p))
    return c, p


def one_compartment(b: ModelBuilder, name: str, unit: str, label: str, *, half_life_days: float, source: str) -> Sym:
    """A first-order eliminated drug; the rate constant is declared as a half-life."""
    c = b.state(name, unit, label, kind="concentration")
    th = b.parameter(f"{name}_half_life", half_life_days, "day", f"{label}: elimination half-life", source=source)
    b.equation(c, -math.log(2.0) / th * c)
    return c
