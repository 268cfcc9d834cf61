"""The flagship figure and read-out are for people: the tumour as a clinician reads it first,
then immune cells and drugs in labelled panels with units, plain names, no empty panel, and
nothing below one cell."""

import subprocess
import sys

import matplotlib
import numpy as np
import pandas as pd
import pytest

matplotlib.use("Agg")

from iosim.plots import best_response, plot_core  # noqa: E402
from iosim.scenario import build_scenario  # noqa: E402


def iosim(*args):
    return subprocess.run([sys.executable, "-m", "iosim", *args], capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def treated():
    sc = build_scenario(cancer="melanoma", therapies=["nivolumab", "ipilimumab:3mg/kg-q3w-x4"])
    return sc.simulate(200)


def _titles(fig):
    return [ax.get_title(loc="left") for ax in fig.axes]


def test_panels_tumour_size_first_then_cells_then_drugs(treated):
    import matplotlib.pyplot as plt

    fig = plot_core(treated, title="melanoma: nivolumab + ipilimumab")
    titles = _titles(fig)
    assert titles[0].startswith("Tumour size — best response: ")
    assert titles[1:] == ["Tumour cells", "Immune cells", "Antibody serum levels"]  # no cytokine given: no panel
    units = [ax.get_ylabel() for ax in fig.axes]
    assert units == ["mm", "cells", "cells", "mg/L"]
    labels = {line.get_label() for ax in fig.axes for line in ax.get_lines()}
    assert {"anti-PD-1", "anti-CTLA-4", "effector CD8 T cells", "regulatory T cells"} <= labels
    state_ids = {"Tp", "Tn", "E", "X", "N", "R", "D", "pd1_c", "ctla4_c", "anti_pd1_mg_per_L"}
    assert not labels & state_ids  # plain names, not the model's ids
    plt.close(fig)


def test_every_panel_has_data_and_log_axes_stop_at_one_cell(treated):
    import matplotlib.pyplot as plt

    fig = plot_core(treated)
    for ax in fig.axes:
        assert ax.get_lines(), f"empty panel {ax.get_title(loc='left')!r}"
        if ax.get_yscale() == "log":
            assert ax.get_ylim()[0] == pytest.approx(1.0)
            for line in ax.get_lines():
                y = np.asarray(line.get_ydata(), float)
                assert np.all(np.isnan(y) | (y >= 1.0)), line.get_label()  # nothing drawn below one cell
    plt.close(fig)


def test_untreated_patient_has_no_drug_panel():
    import matplotlib.pyplot as plt

    r = build_scenario(cancer="pancreatic").simulate(120)
    fig = r.plot()  # SimulationResult.plot of model `core` gives the flagship figure
    assert "Antibody serum levels" not in _titles(fig) and "Cytokine serum levels" not in _titles(fig)
    plt.close(fig)


def test_best_response_reads_the_scans_as_recist(treated):
    br = best_response(treated)
    assert list(br.scan_days) == [0.0, 56.0, 112.0, 168.0]
    # A deep shrinkage under nivolumab + ipilimumab in melanoma: at least a partial response (-30%).
    assert br.category in {"PR", "CR"} and br.best_pct_change <= -30
    assert br.describe().startswith(br.category)


def test_simulate_core_prints_best_response_and_accepts_a_plus_combination(tmp_path):
    a, b, png = tmp_path / "a.csv", tmp_path / "b.csv", tmp_path / "p.png"
    r = iosim("simulate", "core", "--cancer", "melanoma", "--therapy", "nivolumab+ipilimumab:3mg/kg-q3w-x4",
              "--days", "120", "--out", str(a), "--plot", str(png))  # fmt: skip
    assert r.returncode == 0, r.stderr
    line = [x for x in r.stderr.splitlines() if x.startswith("best response")]
    assert len(line) == 1 and "RECIST" in line[0] and ("PR" in line[0] or "CR" in line[0])
    assert png.stat().st_size > 20000
    r = iosim("simulate", "core", "--cancer", "melanoma", "--therapy", "nivolumab", "--therapy",
              "ipilimumab:3mg/kg-q3w-x4", "--days", "120", "--out", str(b))  # fmt: skip
    assert r.returncode == 0, r.stderr
    pd.testing.assert_frame_equal(pd.read_csv(a), pd.read_csv(b))  # the same patient, written either way


def test_untreated_best_response_says_no_therapy_was_given():
    r = iosim("simulate", "core", "--cancer", "pancreatic", "--days", "120", "--every", "7")
    assert r.returncode == 0, r.stderr
    assert "no therapy given" in r.stderr


def test_empty_part_of_a_combination_is_refused():
    r = iosim("simulate", "core", "--cancer", "melanoma", "--therapy", "nivolumab+", "--days", "30")
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "empty therapy" in r.stderr


def test_cells_with_and_without_the_target_are_shown_only_for_a_targeted_drug(treated):
    import matplotlib.pyplot as plt

    def tumour_labels(fig):
        ax = next(a for a in fig.axes if a.get_title(loc="left") == "Tumour cells")
        return [line.get_label() for line in ax.get_lines()]

    fig = plot_core(treated)  # checkpoint inhibitors: immune cells kill both kinds alike
    assert tumour_labels(fig) == ["viable tumour cells"]
    plt.close(fig)
    car_t = build_scenario(cancer="b_all", therapies=["tisagenlecleucel"]).simulate(120)
    fig = plot_core(car_t)
    assert "tumour cells without the target" in tumour_labels(fig)
    assert "CAR-T cells" in {line.get_label() for ax in fig.axes for line in ax.get_lines()}
    plt.close(fig)


def test_other_models_plot_with_plain_names_from_one_cell_and_no_empty_panel():
    import matplotlib.pyplot as plt

    import iosim

    r = iosim.simulate(iosim.get_model("kuznetsov1994"), 120, initial={"T": 5e7}, regimen=iosim.bolus("E", 1e7, at=30))
    fig = r.plot()
    (ax,) = fig.axes  # both states in cells: one panel
    labels = [line.get_label() for line in ax.get_lines()]
    assert labels[0].startswith("E: effector cells") and labels[1] == "T: tumour cells"
    assert ax.get_yscale() == "log" and ax.get_ylim()[0] == pytest.approx(1.0)
    tumour = np.asarray(ax.get_lines()[1].get_ydata(), float)
    assert np.isnan(tumour[-1])  # the tumour was eliminated: nothing drawn below one cell
    plt.close(fig)
