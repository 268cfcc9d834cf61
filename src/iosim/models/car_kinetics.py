"""CAR-T cellular kinetics: what a simulated course shows, beside what the pivotal products' analyses report.

Trials report CAR-T levels in blood (cells/uL by flow cytometry, or transgene copies/ug DNA by qPCR); the
flagship model follows every CAR-T cell in the body (output ``cart_cells``). The two are related through the
blood volume and the share of the body's lymphocytes that circulate:

    cells in the body = cells/uL x blood volume (uL) / blood share

Published ranges (each with its source) are in :data:`PUBLISHED`; ``tests/flagship/test_car_kinetics.py``
checks the median patient and the ZUMA-1 and ELIANA populations against them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Adult blood volume, ~70 mL/kg (Nadler, Hidalgo & Bloch 1962 Surgery 51:224); 79 kg is the median weight of
#: iosim's virtual patients (iosim.trials.population.WEIGHT).
BLOOD_VOLUME_UL = 0.070 * 79.0 * 1e6
#: Share of the body's lymphocytes in the blood at any time, ~2% (Westermann & Pabst 1992 Clin Investig
#: 70:539); assumed to hold for CAR-T cells, which home to lymph nodes, marrow and tumour like T cells.
BLOOD_SHARE = 0.02


def body_cells(cells_per_ul: float) -> float:
    """CAR-T cells in the whole body for a blood level in cells/uL."""
    return cells_per_ul * BLOOD_VOLUME_UL / BLOOD_SHARE


@dataclass(frozen=True)
class Kinetics:
    """One course: peak (cells), day of the peak after infusion, AUC over days 0-28 (cell-days), and the level
    on day 90 and day 365 after infusion relative to the peak."""

    cmax: float
    tmax_days: float
    auc_0_28: float
    day90_over_peak: float
    day365_cells: float


def kinetics(days: np.ndarray, cart_cells: np.ndarray, infusion_day: float) -> Kinetics:
    """Cmax, Tmax (days after infusion), AUC0-28 and contraction of one ``cart_cells`` course."""
    t = np.asarray(days, dtype=float) - infusion_day
    c = np.maximum(np.asarray(cart_cells, dtype=float), 0.0)
    after = t >= 0
    t, c = t[after], c[after]
    i = int(np.argmax(c))
    first = t <= 28.0
    auc = float(np.sum(np.diff(t[first]) * (c[first][1:] + c[first][:-1]) / 2.0))
    at = lambda day: float(np.interp(day, t, c))  # noqa: E731
    return Kinetics(float(c[i]), float(t[i]), auc, at(90.0) / c[i] if c[i] > 0 else np.nan, at(365.0))


@dataclass(frozen=True)
class Range:
    low: float
    high: float
    unit: str
    source: str


#: Published cellular kinetics: median peak and time to peak, for the median patient and a population.
PUBLISHED: dict[str, Range] = {
    "axicabtagene_ciloleucel/tmax_days": Range(
        7.0, 14.0, "days after infusion",
        "Yescarta PI s12.3: peak levels within the first 7-14 days after infusion; ZUMA-1 phase 1, peak within "
        "2 weeks (Locke 2017 Mol Ther 25:285)",
    ),
    "axicabtagene_ciloleucel/median_cmax_cells": Range(
        body_cells(38.0 / 3.0), body_cells(38.0 * 3.0), "cells in the body",
        "ZUMA-1 median peak ~38 CAR-T cells/uL of blood (Neelapu 2017 NEJM 377:2531, fig. 3A), converted with "
        "BLOOD_VOLUME_UL and BLOOD_SHARE (~1e10 cells); a 3-fold window either side for the conversion",
    ),
    "axicabtagene_ciloleucel/cmax_cells": Range(
        body_cells(0.8), body_cells(1514.0), "cells in the body",
        "ZUMA-1 peak blood levels spanned ~0.8-1,514 cells/uL (Neelapu 2017 NEJM 377:2531)",
    ),
    "axicabtagene_ciloleucel/day90_over_peak": Range(
        0.0, 0.1, "fraction of the peak",
        "Yescarta PI s12.3: after the peak, levels declined to near baseline by 3 months",
    ),
    "tisagenlecleucel/tmax_days": Range(
        7.0, 14.0, "days after infusion",
        "Kymriah PI s12.3 and Mueller 2017 Blood 130:2317: median Tmax ~10 days in B-ALL; JULIET DLBCL ~9 days "
        "(Awasthi 2020 Blood Adv 4:560)",
    ),
}  # fmt: skip
