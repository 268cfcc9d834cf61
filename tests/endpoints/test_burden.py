"""Cell counts to the sum of target-lesion diameters."""

import math

import numpy as np
import pytest

from iosim.endpoints import burden, recist
from iosim.errors import InputError


def test_one_billion_cells_is_a_12_mm_sphere():
    # 1e9 cells at 1e6 / mm^3 = 1000 mm^3 = 1 cm^3; a sphere of 1 cm^3 has a diameter of 12.41 mm
    assert burden.sld_from_cells(1e9) == pytest.approx((6000 / math.pi) ** (1 / 3), rel=1e-12)
    assert burden.sld_from_cells(1e9) == pytest.approx(12.407, abs=1e-3)


def test_split_into_lesions():
    two = burden.sld_from_cells(1e10, (0.5, 0.5))
    assert two == pytest.approx(2 * burden.sld_from_cells(5e9))
    assert two > burden.sld_from_cells(1e10)  # the same volume in more lesions has a larger sum
    per_patient = burden.sld_from_cells(np.array([[1e10, 2e10], [1e10, 2e10]]), np.array([[1.0, 0.0], [0.5, 0.5]]))
    assert per_patient.shape == (2, 2)
    assert per_patient[0, 0] == pytest.approx(burden.sld_from_cells(1e10))


def test_small_and_gone_lesions_follow_recist_conventions():
    # 1e5 cells: 0.1 mm^3, 0.58 mm across: gone. 1e7 cells: 2.7 mm: too small to measure, recorded 5 mm
    assert burden.sld_from_cells([0.0, 1e5, 1e7]).tolist() == [0.0, 0.0, 5.0]
    # a responding tumour reaches CR only when every lesion has gone
    sld = burden.sld_from_cells(np.array([[1e10, 1e7, 1e5]]))
    assert recist.assess(sld).tolist() == [[recist.PR, recist.CR]]


def test_monotone_in_cells():
    cells = np.logspace(0, 12, 400)
    sld = burden.sld_from_cells(cells, (0.6, 0.3, 0.1))
    assert np.all(np.diff(sld) >= 0)


def test_bad_fractions():
    with pytest.raises(InputError, match="sum to 1"):
        burden.sld_from_cells(1e9, (0.5, 0.4))
    with pytest.raises(InputError, match="cells_per_mm3"):
        burden.sld_from_cells(1e9, cells_per_mm3=0)
