"""From tumour cell counts to the sum of target-lesion diameters that RECIST measures.

The mapping (chosen, documented in docs/endpoints.md):

* the tumour's cells are split among ``k`` target lesions by fixed fractions (equal by default);
* each lesion is a sphere holding ``cells_per_mm3`` cells: volume V = cells / density and
  diameter d = (6 V / pi) ** (1/3);
* a lesion below ``gone_below_mm`` has disappeared (0 mm: counts toward CR);
* a lesion that exists but is below ``too_small_mm`` is recorded as ``too_small_mm`` (RECIST 1.1,
  section 4.3.2: a target lesion "too small to measure" gets a default of 5 mm);
* the sum of the k diameters is the SLD.

Density: 1e9 cells per cm^3 (1e6 per mm^3), the classic rule of thumb; Del Monte U. Cell Cycle
2009;8:505-506 argues 1e8 per cm^3 is closer for real tumours (stroma, necrosis), so it is a parameter.
"""

from __future__ import annotations

import numpy as np

from iosim.errors import InputError

CELLS_PER_MM3 = 1e6  # 1e9 cells per cm^3 (rule of thumb; see the module docstring)
GONE_BELOW_MM = 1.0  # chosen: below ~1 mm (about 500 cells at 1e6/mm^3) no imaging sees a lesion
TOO_SMALL_MM = 5.0  # RECIST 1.1 section 4.3.2: default value for a lesion too small to measure


def lesion_diameters_mm(cells, fractions=(1.0,), *, cells_per_mm3: float = CELLS_PER_MM3) -> np.ndarray:
    """Diameters (mm) of spherical lesions holding ``cells * fraction`` cells each.

    ``cells`` has any shape S; ``fractions`` is ``(k,)`` or ``(n_patients, k)`` (then S starts with
    ``n_patients``) and sums to 1 along its last axis. Returns shape ``S + (k,)``.
    """
    c = np.clip(np.asarray(cells, dtype=float), 0.0, None)
    f = np.asarray(fractions, dtype=float)
    if not (cells_per_mm3 > 0 and np.isfinite(cells_per_mm3)):
        raise InputError(f"cells_per_mm3 must be a positive number, got {cells_per_mm3}")
    if f.ndim not in (1, 2) or (f < 0).any() or not np.allclose(f.sum(axis=-1), 1.0):
        raise InputError("fractions must be >= 0 and sum to 1 over the lesions (shape (k,) or (n_patients, k))")
    if f.ndim == 2:
        if c.shape[:1] != f.shape[:1]:
            raise InputError(f"per-patient fractions {f.shape} need cells with {f.shape[0]} patients first")
        f = f.reshape(f.shape[:1] + (1,) * (c.ndim - 1) + f.shape[1:])
    volume = c[..., None] * f / cells_per_mm3
    return np.cbrt(6.0 * volume / np.pi)


def sld_from_cells(
    cells,
    fractions=(1.0,),
    *,
    cells_per_mm3: float = CELLS_PER_MM3,
    gone_below_mm: float = GONE_BELOW_MM,
    too_small_mm: float = TOO_SMALL_MM,
) -> np.ndarray:
    """Sum of target-lesion diameters (mm) for tumour cell counts of any shape (same shape back)."""
    if not (gone_below_mm >= 0 and too_small_mm >= 0):
        raise InputError("gone_below_mm and too_small_mm must be >= 0 (0 switches the rule off)")
    d = lesion_diameters_mm(cells, fractions, cells_per_mm3=cells_per_mm3)
    d = np.where(d < gone_below_mm, 0.0, np.where(d < too_small_mm, too_small_mm, d))
    return d.sum(axis=-1)
