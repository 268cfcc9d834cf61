"""Which response criteria a trial reads, and what each one measures.

=================  ==========================================  =====================================
criteria           measure (first argument of patient_outcomes)  objective response (ORR)
=================  ==========================================  =====================================
recist1.1          sum of target-lesion diameters (mm)          CR + PR (:mod:`.recist`)
irecist            sum of target-lesion diameters (mm)          iCR + iPR, reported as CR + PR
lugano2014         SPD: sum of products of diameters (mm^2)     CR + PR (:mod:`.lugano`)
iwg2007            SPD: sum of products of diameters (mm^2)     CR + PR (:mod:`.iwg`)
b_all_remission    marrow blast fraction (0-1)                  CR + CRi (:mod:`.b_all`)
=================  ==========================================  =====================================

``recist`` is accepted as an alias of ``recist1.1``. A cancer type names its default
(:attr:`iosim.cancers.CancerType.response_criteria`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from iosim.errors import InputError

NAMES = ("recist1.1", "irecist", "lugano2014", "iwg2007", "b_all_remission")
ALIASES = {"recist": "recist1.1"}
LESION = ("recist1.1", "irecist")
LYMPHOMA = ("lugano2014", "iwg2007")
MARROW = ("b_all_remission",)
#: Best responses that count as objective response: CR + PR for solid tumours and lymphoma, CR + CRi
#: for B-ALL (no criterion produces both PR and CRi, so one set serves all).
RESPONDERS = ("CR", "PR", "CRi")
#: Best responses that count as disease control (DCR).
CONTROLLED = ("CR", "PR", "CRi", "SD")


_DESCRIPTIONS = {
    "recist1.1": "RECIST 1.1 (Eisenhauer 2009): ORR = CR + PR on the sum of target-lesion diameters",
    "irecist": "iRECIST (Seymour 2017): ORR = iCR + iPR on the sum of target-lesion diameters",
    "lugano2014": "Lugano 2014 (Cheson 2014): ORR = CR (complete metabolic) + PR (SPD -50%)",
    "iwg2007": "IWG 2007 (Cheson 2007): ORR = CR (PET-negative) + PR (SPD -50%)",
    "b_all_remission": "B-ALL remission (marrow blasts < 5% within 3 months, held 28 days): ORR = CR + CRi",
}


def describe(criteria: str) -> str:
    """One line naming the criteria, their source and what ORR counts."""
    return _DESCRIPTIONS[canonical(criteria)]


class CriteriaError(InputError):
    """Unknown response criteria, or criteria that do not fit the cancer type."""


def canonical(name: str) -> str:
    """The canonical name (``recist`` -> ``recist1.1``); unknown names raise :class:`CriteriaError`."""
    key = ALIASES.get(str(name).strip().lower(), str(name).strip().lower())
    if key not in NAMES:
        raise CriteriaError(f"unknown response criteria {name!r}: use one of {', '.join(NAMES)}")
    return key


def check_fits(criteria: str, default: str) -> None:
    """Refuse criteria that read something the cancer type does not have.

    Marrow criteria need a leukaemia, lymphoma criteria a lymphoma; a leukaemia has no lesions to
    measure. RECIST and iRECIST stay available for lymphoma (as trials did before Lugano)."""
    crit = canonical(criteria)
    if crit in MARROW and default not in MARROW:
        raise CriteriaError(f"{crit} reads marrow blasts, which this cancer does not have; use {default}")
    if crit in LYMPHOMA and default not in LYMPHOMA:
        raise CriteriaError(f"{crit} is for lymphoma; use {default} for this cancer")
    if default in MARROW and crit not in MARROW:
        raise CriteriaError(f"a leukaemia has no lesions to measure: use {default}")


@dataclass(frozen=True)
class Scored:
    """What every criterion returns, for ``(n_patients, n_assessments)`` time points.

    ``codes``: int8 time-point codes; ``labels``: their names (``labels[codes]``); ``best``: the best
    overall response per patient as text (CR, PR, SD, PD, NE; CR, CRi, NR, NE for B-ALL);
    ``progression_weeks``/``progression_event``: progression (relapse) per patient; ``dor_weeks``/
    ``dor_event``: duration of response (NaN for non-responders); ``extra``: further per-patient columns
    of the outcomes table (B-ALL: ``mrd_negative``).
    """

    codes: np.ndarray
    labels: np.ndarray
    best: np.ndarray
    progression_weeks: np.ndarray
    progression_event: np.ndarray
    dor_weeks: np.ndarray
    dor_event: np.ndarray
    extra: dict[str, np.ndarray] = field(default_factory=dict)
