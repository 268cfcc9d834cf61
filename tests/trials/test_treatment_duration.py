"""A maximum treatment duration is a dose count in the regimen (docs/trials.md: pembrolizumab, 35 cycles)."""

from iosim.dosing import Bolus, Infusion
from iosim.trials.arms import plan_arm
from iosim.trials.spec import DAYS_PER_MONTH, TherapySpec


def _dose_days(regimen: str, months: float) -> list[float]:
    plan = plan_arm("melanoma", [TherapySpec(drug="pembrolizumab", regimen=regimen)], months * DAYS_PER_MONTH)
    return sorted({e.time for e in plan.regimen if isinstance(e, (Bolus, Infusion))})


def test_x35_stops_pembrolizumab_after_two_years_of_a_five_year_follow_up():
    capped = _dose_days("200mg-q3w-x35", 60)
    assert len(capped) == 35 and capped[-1] == 34 * 21  # day 714: two years, then no more doses
    uncapped = _dose_days("200mg-q3w", 60)
    assert len(uncapped) > 80  # without the cap, dosing runs to the end of follow-up
