"""Data exchange with pharmacometrics tools: NONMEM / nlmixr2 event tables.

from iosim.exchange import regimen_from_table, regimen_to_table, trial_to_table
"""

from iosim.exchange.eventtable import (
    EventTableError,
    regimen_from_table,
    regimen_to_table,
    trial_to_table,
)

__all__ = ["EventTableError", "regimen_from_table", "regimen_to_table", "trial_to_table"]
