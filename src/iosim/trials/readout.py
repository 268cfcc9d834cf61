"""What a trial's response criteria read from one chunk of simulated patients.

* RECIST 1.1 and iRECIST: the measured sum of target-lesion diameters (:mod:`iosim.trials.scans`).
* Lugano 2014 and IWG 2007: the SPD of the same measured target lesions (spheres: each lesion's two
  perpendicular diameters are its diameter) and, where the cancer type is read by PET-CT (model
  parameter ``residue_seen`` = 0, as DLBCL in ZUMA-1), PET: a complete metabolic response when the
  viable tumour of every lesion, target or not, is below :data:`iosim.endpoints.lugano.PET_NEGATIVE_MM`.
  A lymphoma read by CT alone (``residue_seen`` = 1: follicular lymphoma, variably FDG-avid, and
  McLaughlin 1998 predates PET) is in CR when every target lesion has gone.
  iosim's new lesions have a date but no size of their own (:mod:`iosim.trials.lesions`); on PET a new
  lesion, like non-target progression, counts only while the disease is metabolically active (a new
  focus seeded before CAR-T cells cleared the disease is cleared with it).
* B-ALL remission: the marrow blast fraction, leukaemic cells / (leukaemic + normal marrow cells),
  and count recovery (CR rather than CRi), which the model does not simulate: each patient recovers
  counts or not with the ELIANA proportion (:data:`COUNT_RECOVERY`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from iosim.endpoints import lugano, lymphoma
from iosim.endpoints.criteria import LYMPHOMA, MARROW
from iosim.trials.rng import uniforms

#: Normal nucleated marrow cells (assumed: the catalogue's B-ALL burden, 3e11 blasts, is about 30% of
#: a 1e12-cell marrow, so 7e11 normal cells; the median patient starts at 30% blasts).
NORMAL_MARROW_CELLS = 7e11
#: Share of B-ALL remissions with count recovery (CR rather than CRi): ELIANA, 45 CR of 61 remissions
#: (60% CR and 21% CRi of 75 infused; Maude 2018 NEJM 378:439). Not a model output: drawn per patient.
COUNT_RECOVERY = 45 / 61
_RECOVERY_STREAM = 100_000  # disjoint from every other stream (population, death, lesions, vpop: < 100,000)


@dataclass(frozen=True)
class Readout:
    """``measure`` (n, m): what the criteria read, baseline in column 0; ``sld_mm`` (n, m) the sum of
    target diameters (NaN for marrow disease); ``new_lesion`` (n, m): progression outside the measured
    lesions (None for marrow disease); ``metabolic_cr`` (n, m) or None; ``count_recovery`` (n,) or None."""

    measure: np.ndarray
    sld_mm: np.ndarray
    new_lesion: np.ndarray | None = None
    metabolic_cr: np.ndarray | None = None
    count_recovery: np.ndarray | None = None


def blast_fraction(leukaemic_cells) -> np.ndarray:
    """Marrow blast fraction (0-1) for leukaemic cell counts of any shape."""
    t = np.maximum(np.asarray(leukaemic_cells, dtype=float), 0.0)
    return t / (t + NORMAL_MARROW_CELLS)


def read(
    criteria: str, scans, viable_cells: np.ndarray, failed: np.ndarray, seed: int, patients, pet: np.ndarray
) -> Readout:
    """The readout for ``criteria`` (canonical name) from a chunk's ``scans`` and viable cells (n, m)
    at the assessments; ``failed`` patients read NaN; ``pet`` (n,) bool: read by PET-CT."""
    if criteria in MARROW:
        blasts = np.where(failed[:, None], np.nan, blast_fraction(viable_cells))
        recovered = uniforms(seed, np.asarray(patients, dtype=np.int64), _RECOVERY_STREAM) < COUNT_RECOVERY
        return Readout(blasts, np.full(blasts.shape, np.nan), count_recovery=recovered)
    sld = np.where(failed[:, None], np.nan, scans.sld)
    if criteria not in LYMPHOMA:
        return Readout(sld, sld, scans.progression_other)
    spd = np.where(failed[:, None], np.nan, lymphoma.spd_mm2(scans.measured_mm, scans.anatomy.target))
    present = scans.anatomy.weight > 0
    pet_positive = present[:, :, None] & (scans.viable_mm >= lugano.PET_NEGATIVE_MM)
    gone = (np.where(scans.anatomy.target[:, :, None], scans.measured_mm, 0.0) <= 0).all(axis=1)
    cmr = np.where(np.asarray(pet, dtype=bool)[:, None], ~pet_positive.any(axis=1), gone)
    return Readout(spd, sld, scans.progression_other & ~cmr, metabolic_cr=cmr)
