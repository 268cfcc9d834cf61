"""The cancer library: at least 20 types, every measurement sourced, parameters from one mapping."""

import math

import pytest

from iosim.cancers import CANCERS, cancer_ids, get_cancer, mapping
from iosim.cancers.measured import MEASURED
from iosim.errors import ModelError
from iosim.validation import calibration_status

#: The types issue 15 asks for (NSCLC squamous and non-squamous share one type).
NAMED = ("melanoma", "nsclc", "sclc", "rcc", "urothelial", "hnscc", "crc_msi_high", "crc_mss", "gastric", "hcc",
         "merkel", "cscc", "mesothelioma", "ovarian", "endometrial", "tnbc", "breast_her2_positive", "pancreatic",
         "prostate", "glioblastoma", "chl", "dlbcl", "follicular_lymphoma", "b_all")  # fmt: skip


def _fields(c):
    return [c.doubling_days, c.tumour_cells, c.neoantigen_load, c.presentation, c.infiltration, c.pdl1,
            c.residue_seen, *c.targets.values()]  # fmt: skip


def test_at_least_twenty_types_including_every_named_one():
    assert len(CANCERS) >= 20
    assert set(NAMED) <= set(cancer_ids())


@pytest.mark.parametrize("cancer", cancer_ids())
def test_every_measurement_carries_a_source(cancer):
    for v in _fields(get_cancer(cancer)):
        assert len(v.source.strip()) > 5, (cancer, v)
        assert math.isfinite(v.value) and v.unit.strip()


def test_measured_types_are_built_through_the_mapping_and_uncalibrated():
    for c in MEASURED:
        assert c.immunogenicity == pytest.approx(mapping.immunogenicity(c.presentation.value, c.neoantigen_load.value))
        assert c.infiltration.value in {v.value for v in mapping.INFILTRATION.values()}, c.id
        assert "iosim.cancers.mapping" in c.infiltration.source and "iosim.cancers.mapping" in c.pdl1.source
        # no registry trial calibrated these populations: iosim cancers and the landscape mark them
        assert calibration_status(c.id) == "uncalibrated", c.id


def test_reference_types_keep_the_values_their_populations_were_calibrated_on():
    # examples/populations/melanoma.yaml shifts melanoma's immunogenicity centre (13 mut/Mb x full
    # presentation / 10); a changed centre would silently move every calibrated melanoma row.
    assert get_cancer("melanoma").immunogenicity == pytest.approx(1.3)
    assert get_cancer("nsclc").immunogenicity == pytest.approx(0.9 * 9.0 / 10)
    assert get_cancer("melanoma").infiltration.value == mapping.INFILTRATION["inflamed"].value


def test_more_mutations_mean_more_immunogenicity():
    tmbs = [0.5, 1, 2, 5, 10, 20, 50]
    for presentation in (0.3, 0.8, 1.0):
        values = [mapping.immunogenicity(presentation, t) for t in tmbs]
        assert all(a < b for a, b in zip(values, values[1:]))
    # and less antigen presentation, less immunogenicity at the same TMB
    assert mapping.immunogenicity(0.3, 10) < mapping.immunogenicity(0.9, 10)
    # across the library: MSI-high colorectal is far more immunogenic than MSS colorectal
    assert get_cancer("crc_msi_high").immunogenicity > 5 * get_cancer("crc_mss").immunogenicity


def test_phenotypes_and_pdl1_order_as_the_biology_does():
    order = [mapping.INFILTRATION[p].value for p in ("desert", "excluded", "intermediate", "inflamed")]
    assert order == sorted(order) and len(set(order)) == 4
    shares = [0.0, 0.2, 0.5, 0.97]
    values = [mapping.pdl1_base(s, "test").value for s in shares]
    assert values == sorted(values) and values[0] == 0.0
    assert mapping.growth_rate(30) > mapping.growth_rate(120)


@pytest.mark.parametrize(
    "call, fragment",
    [
        (lambda: mapping.infiltration("lukewarm", "x"), "immune phenotype 'lukewarm'"),
        (lambda: mapping.pdl1_base(1.5, "x"), "PD-L1-positive share"),
        (lambda: mapping.immunogenicity(1.2, 10), "presentation in [0, 1]"),
        (lambda: mapping.growth_rate(0), "doubling time"),
    ],
)
def test_bad_measurements_are_refused(call, fragment):
    with pytest.raises(ModelError, match=fragment.replace("[", r"\[").replace("]", r"\]")):
        call()
