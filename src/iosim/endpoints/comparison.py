"""Each arm against the trial's control arm: Cox hazard ratios and Kaplan-Meier landmark rates.

The columns :func:`iosim.endpoints.summarize` appends to ``summary.csv``:

* ``hr_os, hr_os_ci_low, hr_os_ci_high, hr_pfs, hr_pfs_ci_low, hr_pfs_ci_high``: Cox proportional
  hazards ratio of the arm against the control arm with its Wald 95% CI
  (:func:`iosim.endpoints.survival.hazard_ratio`, lifelines' ``CoxPHFitter``). NaN for the control
  itself, for every arm of a trial without a control, and where the two arms together have no event or
  one of them has none (the estimate is then 0 or infinite with an unbounded CI, not a number to quote).
* ``os_rate_12m, os_rate_24m, os_rate_36m, pfs_rate_12m``: Kaplan-Meier survival at 12, 24, 36
  months; NaN when the arm's follow-up ends before the landmark (its longest duration is shorter and
  the curve has not reached 0).

Outcomes carry no patient weights (a selected virtual population keeps patients rather than
weighting them, :mod:`iosim.vpop.selection`), so every patient counts once. Failed integrations
(``status`` other than "ok") are left out, as in the rest of the summary.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from iosim.endpoints import survival
from iosim.errors import InputError

if TYPE_CHECKING:
    from lifelines import KaplanMeierFitter

HR_COLUMNS = ["hr_os", "hr_os_ci_low", "hr_os_ci_high", "hr_pfs", "hr_pfs_ci_low", "hr_pfs_ci_high"]
#: (endpoint, months) of each landmark rate, in the order of :data:`LANDMARK_COLUMNS`.
LANDMARKS = (("os", 12), ("os", 24), ("os", 36), ("pfs", 12))
LANDMARK_COLUMNS = [f"{ep}_rate_{m}m" for ep, m in LANDMARKS]


def landmark_rate(durations, events, months: float) -> float:
    """Kaplan-Meier survival at ``months``; NaN if nobody was followed that long and the curve is not 0."""
    d = np.asarray(durations, dtype=float)
    seen = ~np.isnan(d)
    if not seen.any():
        return float("nan")
    kmf = survival.kaplan_meier(d[seen], np.asarray(events, dtype=bool)[seen])
    return float(_survival_at(kmf, [months])[0])


def landmarks_from_fit(kmf: KaplanMeierFitter, endpoint: str) -> dict[str, float]:
    """The landmark columns of ``endpoint`` ("os" or "pfs") read off the arm's fitted Kaplan-Meier."""
    cols = [c for c, (ep, _) in zip(LANDMARK_COLUMNS, LANDMARKS) if ep == endpoint]
    months = [m for ep, m in LANDMARKS if ep == endpoint]
    return dict(zip(cols, _survival_at(kmf, months).tolist()))


def _survival_at(kmf: KaplanMeierFitter, months) -> np.ndarray:
    """Survival at each of ``months`` (NaN beyond the longest duration, unless the curve is already 0)."""
    t = np.asarray(months, dtype=float)
    last = float(np.max(kmf.durations))
    s = kmf.survival_function_at_times(np.minimum(t, last)).to_numpy(dtype=float)
    return np.where((t > last) & (s > 0), np.nan, s)


def hazard_ratios_vs_control(outcomes: pd.DataFrame, control: str | None, *, alpha: float = 0.05) -> pd.DataFrame:
    """One row per arm (order of first appearance), columns :data:`HR_COLUMNS`, against ``control``.

    ``control`` None (no control arm) gives NaN everywhere; a name that is not an arm is refused."""
    ok = _ok(outcomes)
    arms = [str(a) for a in pd.unique(outcomes["arm"].astype(str))]
    out = pd.DataFrame(np.nan, index=arms, columns=HR_COLUMNS)
    if control is None:
        return out
    if str(control) not in arms:
        raise InputError(f"control arm {control!r} is not an arm of the trial: arms are {', '.join(arms)}")
    ok = ok.reset_index(drop=True)
    labels = ok["arm"].astype(str).to_numpy()
    for arm in arms:
        if arm == str(control):
            continue
        pair = ok[np.isin(labels, [arm, str(control)])]
        in_arm = pair["arm"].astype(str).to_numpy() == arm
        for ep in ("os", "pfs"):
            event = pair[f"{ep}_event"].to_numpy(dtype=bool)
            if not (event[in_arm].any() and event[~in_arm].any()):
                continue
            hr = survival.hazard_ratio(
                pair, duration=f"{ep}_months", event=f"{ep}_event", arm=arm, reference=str(control), alpha=alpha
            )
            out.loc[arm, [f"hr_{ep}", f"hr_{ep}_ci_low", f"hr_{ep}_ci_high"]] = [hr["hr"], hr["lower"], hr["upper"]]
    return out


def _ok(outcomes: pd.DataFrame) -> pd.DataFrame:
    return outcomes[outcomes["status"] == "ok"] if "status" in outcomes.columns else outcomes
