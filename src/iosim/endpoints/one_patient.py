"""RECIST 1.1 read on one simulated patient's scans, without confirmation: the single-patient readout
of the response matrix (:mod:`iosim.matrix`), the flagship figure (:mod:`iosim.plots`) and the web app.

Eisenhauer EA et al., Eur J Cancer 2009;45:228 (RECIST 1.1): CR = lesions gone, PR = at least 30%
below baseline, PD = at least 20% (and 5 mm) above the nadir, SD otherwise. SD counts only once it has
lasted :data:`MIN_SD_DAYS` (RECIST leaves the minimum to the protocol, "in general not less than 6-8
weeks"; iosim uses 12 weeks, so that a tumour still growing slowly at the first scan and progressing at
the second is PD). Virtual trials use the vectorised, confirmed reading of :mod:`iosim.endpoints.recist`.
"""

from __future__ import annotations

import numpy as np

from iosim.errors import InputError
from iosim.models._core_parts import DETECTION_DIAMETER_MM, TARGET_LESIONS

#: Scan interval (assumed: every 8 weeks, as in most immunotherapy trials).
SCAN_EVERY_DAYS = 56.0
#: Shortest SD that counts as the best response (assumed: 12 weeks, see above).
MIN_SD_DAYS = 84.0


def recist(diameters: np.ndarray, times: np.ndarray | None = None) -> tuple[float, str]:
    """Best % change from baseline and best overall response for scans ``diameters[0..]`` (0 = baseline)
    taken at ``times`` (default: every :data:`SCAN_EVERY_DAYS`)."""
    diameters = np.asarray(diameters, float)
    times = SCAN_EVERY_DAYS * np.arange(diameters.size) if times is None else np.asarray(times, float)
    base = float(diameters[0])
    if base <= 0:
        raise InputError(f"baseline sum of diameters must be positive, got {base:g}: the tumour is not measurable")
    changes = (diameters[1:] - base) / base * 100.0
    best_change = float(np.min(changes)) if changes.size else 0.0
    order = {"CR": 0, "PR": 1, "SD": 2, "PD": 3}
    best: str | None = None
    nadir, progressed = base, False
    for t, d in zip(times[1:], diameters[1:]):
        if d < TARGET_LESIONS * DETECTION_DIAMETER_MM:
            status = "CR"
        elif d >= 1.2 * nadir and d - nadir >= 5.0:
            status = "PD"
        elif d <= 0.7 * base:
            status = "PR"
        else:
            status = "SD"
        if status == "PD":
            progressed = True
            break
        if status == "SD" and t < MIN_SD_DAYS:
            nadir = min(nadir, float(d))
            continue
        if best is None or order[status] < order[best]:
            best = status
        nadir = min(nadir, float(d))
    if best is None:  # nothing qualified before progression (or before the end)
        best = "PD" if progressed else "SD"
    return best_change, best
