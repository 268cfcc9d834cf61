"""Virtual populations selected against clinical data (plausible patients -> virtual patients).

See docs/virtual-populations.md for the method and the OAK comparison.
"""

from iosim.vpop.build import build_population, simulate_plausible
from iosim.vpop.observables import first_lesion_series, ks_distance, lesion_metrics, summarise
from iosim.vpop.plausible import SOLID_RANGES, Range, plausible_patients
from iosim.vpop.selection import Selection, select

__all__ = [
    "SOLID_RANGES", "Range", "Selection", "build_population", "first_lesion_series", "ks_distance",
    "lesion_metrics", "plausible_patients", "select", "simulate_plausible", "summarise",
]
