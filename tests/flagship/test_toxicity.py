"""Toxicity indicators: irAE anchored to CheckMate 067, cytokine release ordered by mechanism."""

import pytest

from iosim.scenario import build_scenario
from iosim.therapy.toxicity import crs_category, crs_indicator, irae_indicator


def _run(cancer, therapies, days=84):
    return build_scenario(cancer=cancer, therapies=therapies).simulate(days, output_every=0.25)


def test_irae_indicator_orders_checkpoint_regimens_like_checkmate_067():
    nivo = irae_indicator(_run("melanoma", ["nivolumab"]))
    ipi = irae_indicator(_run("melanoma", ["ipilimumab"]))
    combo = irae_indicator(_run("melanoma", ["nivolumab:with_ipilimumab", "ipilimumab"]))
    # grade 3-4 treatment-related AEs in CheckMate 067: 16.3%, 27.3%, 55.0%; the indicator reaches
    # those values at full blockade, and anti-PD-1 is near-saturating at its labelled dose.
    assert nivo == pytest.approx(0.163, abs=0.01)
    assert 0.15 < ipi < 0.273  # ipilimumab occupancy is partial between doses
    assert combo > max(nivo, ipi) and combo > 0.4
    assert irae_indicator(_run("dlbcl", ["rituximab"])) == 0.0


def test_cytokine_release_indicator_flags_car_t_and_high_dose_il2():
    car = crs_indicator(_run("dlbcl", ["axicabtagene_ciloleucel"], days=30))
    il2 = crs_indicator(_run("rcc", ["aldesleukin"], days=20))
    nivo = crs_indicator(_run("melanoma", ["nivolumab"], days=30))
    assert crs_category(car) == "high" and crs_category(il2) == "moderate" and crs_category(nivo) == "low"
    # no antigen, no expansion, no cytokine release
    assert crs_indicator(_run("melanoma", ["axicabtagene_ciloleucel"], days=30)) < 0.1
