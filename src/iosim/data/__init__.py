"""Real tumour data shipped with iosim, each set in its own folder with its licence and source.

    import iosim.data
    iosim.data.datasets()                   # what ships, with licence and citation
    table = iosim.data.load("laleh2022")    # the file as published (pandas DataFrame)
    atezo = iosim.data.oak("atezolizumab")  # OAK trial: patient, day, diameter_mm

The data are not covered by iosim's MIT licence: each folder holds its own (CC BY 4.0 for
laleh2022, GPL-3 for benzekry2014). Cite the paper named in :attr:`Dataset.citation`.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import files
from typing import TYPE_CHECKING

from iosim.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["OAK_ARMS", "TOO_SMALL_TO_MEASURE_MM", "Dataset", "datasets", "load", "oak", "source_text"]


@dataclass(frozen=True)
class Dataset:
    """One shipped data set: what it is, where it comes from, under which licence."""

    name: str
    title: str
    citation: str
    licence: str
    rows: int  # data rows in the file; tests/test_data.py checks it against the file
    description: str
    folder: str  # folder under iosim/data
    file: str
    source_file: str  # provenance, licence and column notes beside the data


_DATASETS = (
    Dataset(
        name="laleh2022",
        title="Target-lesion diameters, five atezolizumab/docetaxel trials (incl. OAK), NSCLC and urothelial",
        citation="Ghaffari Laleh N et al. 2022, PLoS Comput Biol 18:e1009822, supplementary file S6 "
        "(https://doi.org/10.1371/journal.pcbi.1009822)",
        licence="CC BY 4.0",
        rows=8560,
        description="1,463 patients, one target lesion each, longest diameter (mm) by day from the start of "
        "treatment; Study_4 is OAK (Arm_1 docetaxel, Arm_2 atezolizumab).",
        folder="laleh2022",
        file="laleh2022_S6_target_lesion_long.csv.gz",
        source_file="SOURCE.md",
    ),
    Dataset(
        name="benzekry2014",
        title="Untreated Lewis lung carcinoma growth in mice (subcutaneous)",
        citation="Benzekry S et al. 2014, PLoS Comput Biol 10:e1003800; data from Vaghi C et al. 2020, "
        "PLoS Comput Biol 16:e1007178 (github.com/cristinavaghi/plumky)",
        licence="GPL-3.0",
        rows=188,
        description="20 mice, caliper volumes (mm3) on days 4-24 after injection of 1e6 cells.",
        folder="tumour_growth",
        file="LLC_sc_volume_mm3.csv",
        source_file="SOURCE.txt",
    ),
)

OAK_ARMS = {"atezolizumab": "Study_4_Arm_2", "docetaxel": "Study_4_Arm_1"}
"""OAK's study arms in laleh2022 (the mapping of Genentech/jmpost; see laleh2022/SOURCE.md)."""

TOO_SMALL_TO_MEASURE_MM = 5.0
"""Diameter recorded for 'TOO SMALL TO MEASURE': RECIST 1.1 default of 5 mm for a target lesion
believed present but too small to measure (Eisenhauer et al. 2009, Eur J Cancer 45:228)."""


def datasets() -> list[Dataset]:
    """Every shipped data set, in a fixed order."""
    return list(_DATASETS)


def _get(name: str) -> Dataset:
    for ds in _DATASETS:
        if ds.name == name:
            return ds
    valid = ", ".join(ds.name for ds in _DATASETS)
    raise InputError(f"unknown data set {name!r}: choose from {valid}")


def load(name: str) -> pd.DataFrame:
    """The data set's file as published, one row per measurement (see its :func:`source_text`).

    Raises
    ------
    InputError
        ``name`` is not a shipped data set; the message lists the valid names.
    """
    import pandas as pd

    ds = _get(name)
    path = files("iosim.data").joinpath(ds.folder, ds.file)
    with path.open("rb") as fh:
        # Anonymised patient ids are 19-digit hashes: text, so no id is rounded.
        return pd.read_csv(fh, compression="gzip" if ds.file.endswith(".gz") else None, dtype={"patient_id": str})


def source_text(name: str) -> str:
    """Origin, citation, licence and column notes of a data set (its SOURCE file)."""
    ds = _get(name)
    return files("iosim.data").joinpath(ds.folder, ds.source_file).read_text(encoding="utf-8")


def oak(arm: str) -> pd.DataFrame:
    """Target-lesion diameters of one arm of the OAK trial (atezolizumab vs docetaxel, NSCLC).

    Parameters
    ----------
    arm : "atezolizumab" or "docetaxel"

    Returns
    -------
    DataFrame with columns ``patient`` (str), ``day`` (float, days from the start of treatment)
    and ``diameter_mm`` (float), sorted by patient and day. 'TOO SMALL TO MEASURE' becomes
    :data:`TOO_SMALL_TO_MEASURE_MM` (5 mm, RECIST 1.1); 'NOT EVALUABLE' rows are dropped.
    A diameter of 0 mm (lesion gone) is kept.
    """
    import pandas as pd

    if arm not in OAK_ARMS:
        raise InputError(f"unknown OAK arm {arm!r}: choose from {', '.join(OAK_ARMS)}")
    raw = load("laleh2022")
    raw = raw[raw["study_arm"] == OAK_ARMS[arm]]
    too_small = raw["ld_mm_raw"].astype(str).str.strip().str.upper() == "TOO SMALL TO MEASURE"
    diameter = raw["ld_mm"].where(~too_small, TOO_SMALL_TO_MEASURE_MM)
    out = pd.DataFrame(
        {"patient": raw["patient_id"].astype(str), "day": raw["day"].astype(float), "diameter_mm": diameter}
    )
    out = out.dropna(subset=["day", "diameter_mm"])
    return out.sort_values(["patient", "day"], kind="stable").reset_index(drop=True)
