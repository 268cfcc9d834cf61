"""Virtual populations: reproducible per patient, plausible, and shifted by calibration."""

import numpy as np

from iosim.cancers import get_cancer
from iosim.trials.population import Population, _min_measurable_cells, load_population


def test_a_patient_is_the_same_whatever_the_batch():
    pop = Population("melanoma")
    all_at_once = pop.sample(5, np.arange(100))
    pieces = [pop.sample(5, np.arange(lo, lo + 25)) for lo in range(0, 100, 25)]
    import pandas as pd

    assert all_at_once.equals(pd.concat(pieces, ignore_index=True))
    assert not all_at_once.equals(pop.sample(6, np.arange(100)))


def test_patients_are_plausible_and_spread_around_the_cancer_type():
    ct = get_cancer("nsclc")
    df = Population("nsclc").sample(1, np.arange(4000))
    doubling = np.log(2) / df["growth_rate"]
    assert doubling.between(0.25 * ct.doubling_days.value, 4 * ct.doubling_days.value).all()
    assert (df["tumour_cells"] >= _min_measurable_cells()).all()
    # Log-normal spread around the centre: the median stays near the cancer type's value.
    assert np.median(df["growth_rate"]) == np.float64(np.median(df["growth_rate"]))
    assert abs(np.log(np.median(df["growth_rate"]) / ct.growth_rate)) < 0.1
    assert df["infiltration"].between(0, 1).all() and df["pdl1_base"].between(0, 1).all()
    assert 70 < df["weight_kg"].median() < 90


def test_shifts_move_the_centre_and_round_trip(tmp_path):
    base = Population("melanoma").sample(3, np.arange(2000))
    shifted_pop = Population("melanoma").with_shifts(immunogenicity=2.0)
    shifted = shifted_pop.sample(3, np.arange(2000))
    ratio = np.median(shifted["immunogenicity"]) / np.median(base["immunogenicity"])
    assert 1.8 < ratio < 2.2
    path = tmp_path / "pop.yaml"
    shifted_pop.save(path)
    assert load_population(path).sample(3, np.arange(50)).equals(shifted.iloc[:50])
