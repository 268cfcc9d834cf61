"""Lymphoma response (Lugano 2014, IWG 2007) on hand-made SPD series, against the published rules."""

import numpy as np
import pytest

from iosim.endpoints import iwg, lugano, lymphoma, recist
from iosim.errors import InputError

T = [4.0, 12.0, 24.0]  # weeks of the post-baseline assessments
BOTH = pytest.mark.parametrize("criteria", [lugano, iwg], ids=["lugano2014", "iwg2007"])


def active(n_cols):
    """PET still positive at every assessment (no complete metabolic response)."""
    return np.zeros((1, n_cols), dtype=bool)


@BOTH
def test_spd_down_55_percent_is_pr_where_recist_sees_stable_disease(criteria):
    # A 40 x 40 mm node shrinks to 30 x 24 mm: longest diameter -25% (RECIST: SD, PR needs -30%),
    # product of the perpendicular diameters 1600 -> 720 mm^2, -55% (Cheson 2007/2014: PR at -50%).
    assert recist.names(recist.assess([[40.0, 30.0]])).tolist() == [["SD"]]
    scored = criteria.score([[1600.0, 720.0]], [4.0], metabolic_cr=active(2))
    assert scored.best.tolist() == ["PR"]


@BOTH
def test_exactly_half_the_baseline_spd_is_pr_and_a_little_more_is_not(criteria):
    assert criteria.score([[1000.0, 500.0]], [4.0], metabolic_cr=active(2)).best.tolist() == ["PR"]
    assert criteria.score([[1000.0, 520.0]], [4.0], metabolic_cr=active(2)).best.tolist() == ["SD"]


@BOTH
def test_fifty_percent_growth_from_the_nadir_is_progression(criteria):
    # Nadir 800 mm^2 at week 12; +50% from it (1200) is PD although still 40% below baseline.
    scored = criteria.score([[2000.0, 800.0, 1200.0]], T[:2], metabolic_cr=active(3))
    assert recist.names(scored.codes).tolist() == [["PR", "PD"]]
    assert scored.progression_event.tolist() == [True] and scored.progression_weeks.tolist() == [12.0]
    # +49% from the nadir is not progression (and 1192 is above half the baseline: SD)
    scored = criteria.score([[2000.0, 800.0, 1192.0]], T[:2], metabolic_cr=active(3))
    assert recist.names(scored.codes).tolist() == [["PR", "SD"]] and not scored.progression_event[0]


@BOTH
def test_complete_metabolic_response_is_cr_with_a_residual_mass(criteria):
    cmr = np.array([[False, True, True]])
    scored = criteria.score([[2000.0, 900.0, 900.0]], T[:2], metabolic_cr=cmr)
    assert scored.best.tolist() == ["CR"]  # PET-negative: a residual mass of any size is allowed


@BOTH
def test_a_growing_residual_mass_without_uptake_is_not_progression(criteria):
    cmr = np.array([[False, True, True]])
    scored = criteria.score([[2000.0, 400.0, 700.0]], T[:2], metabolic_cr=cmr)  # +75% from nadir, PET-negative
    assert recist.names(scored.codes).tolist() == [["CR", "CR"]] and not scored.progression_event[0]


@BOTH
def test_a_new_lesion_is_progression(criteria):
    new = np.array([[False, False, True]])
    scored = criteria.score([[2000.0, 800.0, 700.0]], T[:2], metabolic_cr=active(3), new_lesion=new)
    assert recist.names(scored.codes).tolist() == [["PR", "PD"]]


@BOTH
def test_response_needs_no_confirmation_scan(criteria):
    # One PR assessment, then progression: best response PR (neither guideline asks for confirmation;
    # RECIST 1.1 with confirmation would call it SD at best).
    scored = criteria.score([[2000.0, 900.0, 1500.0]], T[:2], metabolic_cr=active(3))
    assert scored.best.tolist() == ["PR"]
    assert scored.dor_weeks.tolist() == [8.0] and scored.dor_event.tolist() == [True]


def test_without_pet_cr_needs_every_target_lesion_gone():
    scored = lugano.score([[2000.0, 300.0, 0.0]], T[:2])
    assert recist.names(scored.codes).tolist() == [["PR", "CR"]]


def test_spd_of_spherical_lesions_sums_squared_diameters_of_targets_only():
    diameters = np.array([[[30.0, 15.0], [40.0, 20.0], [50.0, 50.0]]])  # (patient, lesion, assessment)
    target = np.array([[True, True, False]])  # the third lesion is non-target disease
    assert lymphoma.spd_mm2(diameters, target).tolist() == [[900.0 + 1600.0, 225.0 + 400.0]]


def test_criteria_thresholds_are_the_published_ones():
    # Cheson 2007 table 2 and Cheson 2014 table 3: PR -50% of SPD, PD +50% from nadir, up to 6 targets.
    for module in (iwg, lugano):
        assert (module.PR_DECREASE, module.PD_INCREASE, module.MAX_TARGETS) == (0.5, 0.5, 6)


def test_bad_shapes_are_refused():
    with pytest.raises(InputError, match="metabolic_cr"):
        lugano.score([[100.0, 50.0]], [4.0], metabolic_cr=[[True]])
    with pytest.raises(InputError, match="spd"):
        lugano.score([[100.0]], [])
