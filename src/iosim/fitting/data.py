"""Bundled tumour-growth data (GPL-3 data kept apart from the code; see its SOURCE.txt)."""

from __future__ import annotations

from importlib.resources import files

import pandas as pd

DATASETS = {"llc": "LLC_sc_volume_mm3.csv"}


def load_tumour_growth(name: str = "llc") -> pd.DataFrame:
    """Untreated tumour volumes as a long table ``id, time, value`` (days, mm³).

    ``"llc"``: Lewis lung carcinoma, subcutaneous, 20 mice, 188 caliper volumes, days 4–24
    (Benzekry et al. 2014, PLoS Comput Biol 10:e1003800; data from Vaghi et al. 2020,
    github.com/cristinavaghi/plumky, GPL-3)."""
    from iosim.errors import UnknownNameError

    if name not in DATASETS:
        raise UnknownNameError("data set", name, tuple(DATASETS))
    path = files("iosim").joinpath("data", "tumour_growth", DATASETS[name])
    with path.open() as fh:
        df = pd.read_csv(fh)
    return df.rename(columns={"animal_id": "id", "day": "time", "volume_mm3": "value"})
