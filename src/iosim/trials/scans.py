"""From one chunk's simulated patients to what the scans show: lesion diameters, RECIST inputs and the
viable tumour of each lesion (PET).

Glue between the cohort result and :mod:`iosim.trials.lesions`; the runner calls
:func:`lesion_scans` once per chunk.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from iosim.trials import lesions as L

_COLUMNS = {
    "arm": "object", "patient": "int64", "day": "float64", "lesion": "int64", "target": "bool",
    "diameter_mm": "float64", "true_diameter_mm": "float64",
}  # fmt: skip


@dataclass(frozen=True)
class Scans:
    anatomy: L.Anatomy
    #: (n, n_lesions, n_assessments) true and measured diameters (measured: NaN for non-target).
    true_mm: np.ndarray
    measured_mm: np.ndarray
    #: (n, n_assessments) measured sum of target diameters; column 0 is the baseline.
    sld: np.ndarray
    #: (n, n_assessments) progression outside the target sum: a new lesion or non-target progression.
    progression_other: np.ndarray
    #: (n, n_assessments) a further new lesion (confirms an iRECIST iUPD).
    new_lesion_growth: np.ndarray
    #: Day the first new lesion appeared (inf: none during follow-up).
    new_lesion_day: np.ndarray
    #: Scans a patient still has after progression (treated beyond progression, or a confirmation scan).
    scans_after_progression: np.ndarray
    #: (n, n_lesions, n_assessments) diameter of each lesion's viable tumour alone (what PET sees).
    viable_mm: np.ndarray | None = None

    def first_target(self) -> np.ndarray:
        """(n, n_assessments) measured diameter of each patient's first target lesion."""
        first = np.argmax(self.anatomy.target, axis=1)
        return self.measured_mm[np.arange(first.size), first, :]

    def rows(self, arm: str, patients: np.ndarray, days: np.ndarray, done: np.ndarray) -> pd.DataFrame:
        """Long table: one row per lesion and assessment done (``done``: (n, n_assessments) bool; ``days``:
        (n_assessments,) shared or (n, n_assessments) per patient).

        Target lesions are numbered 1..k in each patient; lesion 0 is the non-target disease (its
        diameter is the equivalent sphere; it is assessed, not measured, so ``diameter_mm`` is NaN)."""
        n, k, m = self.true_mm.shape
        present = self.anatomy.weight > 0
        number = np.where(self.anatomy.target, np.cumsum(self.anatomy.target, axis=1), 0)
        keep = present[:, :, None] & done[:, None, :]
        pi, li, ti = np.nonzero(keep)
        return pd.DataFrame({
            "arm": arm,
            "patient": np.asarray(patients, dtype=np.int64)[pi],
            "day": np.broadcast_to(np.asarray(days, dtype=float), (n, m))[pi, ti],
            "lesion": number[pi, li].astype(np.int64),
            "target": self.anatomy.target[pi, li],
            "diameter_mm": self.measured_mm[pi, li, ti],
            "true_diameter_mm": np.round(self.true_mm[pi, li, ti], 3),
        })  # fmt: skip

    @staticmethod
    def rows_empty() -> pd.DataFrame:
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in _COLUMNS.items()})


def lesion_scans(spec, population, people: pd.DataFrame, patients: np.ndarray, res, days, col, base=None) -> Scans:
    """Lesions of every patient of a chunk at the assessment columns ``col`` of the output ``days``.

    ``col`` is (n_assessments,) shared by every patient or (n_patients, n_assessments) per patient (visit
    windows); ``base`` (bool over ``days``, default all) marks the grid new lesions are integrated on."""
    model = res.model
    y = res.y
    viable = y[:, :, model.state_index("Tp")] + y[:, :, model.state_index("Tn")]
    seen = res.parameters[:, model.parameter_index("residue_seen")][:, None]
    dead = np.maximum(y[:, :, model.state_index("W")], 0.0) + np.maximum(y[:, :, model.state_index("F")], 0.0)
    residue = seen * dead
    lesion_model = population.lesions
    anatomy_ids = people["anatomy_id"].to_numpy() if "anatomy_id" in people else np.asarray(patients)
    anatomy_seed = population.anatomy_seed if population.anatomy_seed is not None else spec.seed
    growth = people["growth_rate"].to_numpy() if "growth_rate" in people else res.parameters[
        :, model.parameter_index("growth_rate")]  # fmt: skip
    anatomy = L.draw_anatomy(lesion_model, anatomy_seed, anatomy_ids, viable[:, 0] + residue[:, 0])
    days = np.asarray(days, dtype=float)
    col = np.broadcast_to(np.asarray(col), (len(patients), np.shape(col)[-1]))
    scan_days = days[col]
    at = np.take_along_axis
    true_mm = L.true_diameters(anatomy, scan_days, at(viable, col, axis=1), at(residue, col, axis=1), growth)
    viable_mm = L.true_diameters(anatomy, scan_days, at(viable, col, axis=1), np.zeros(col.shape), growth)
    measured = L.measure(true_mm, lesion_model, spec.seed, patients)
    measured[:, L.NONTARGET, :] = np.nan
    sld = np.where(anatomy.target[:, :, None], measured, 0.0).sum(axis=1)
    base = np.ones(days.size, dtype=bool) if base is None else np.asarray(base, dtype=bool)
    new_days = L.new_lesion_days(lesion_model, spec.seed, patients, days[base], viable[:, base])
    new_lesion = scan_days >= new_days[:, :1]
    further = scan_days >= new_days[:, 1:2]
    nontarget = L.nontarget_progression(true_mm)
    other = new_lesion | nontarget
    other[:, 0] = False
    further[:, 0] = False
    after = L.scans_after_progression(lesion_model, anatomy_seed, anatomy_ids)
    return Scans(anatomy, true_mm, measured, sld, other, further, new_days[:, 0], after, viable_mm)
