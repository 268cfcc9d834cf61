"""Equilibrium classification, parameter scans and basins of attraction."""

import numpy as np
import pytest

import iosim
from iosim.analysis import basins, classify, plot_basins, plot_scan, scan_parameter


@pytest.mark.parametrize(
    "eigs, kind",
    [
        ([-1, -2], "stable node"),
        ([-1 + 2j, -1 - 2j], "stable focus"),
        ([1, -2], "saddle"),
        ([1, 2], "unstable node"),
        ([1 + 1j, 1 - 1j], "unstable focus"),
        ([1j, -1j], "centre"),
        ([0, -1], "non-hyperbolic"),
    ],
)
def test_classify(eigs, kind):
    assert classify(np.array(eigs)) == kind


def test_scan_shows_the_fold_where_escape_appears(tmp_path):
    # Kuznetsov 1994: weaker tumour-driven recruitment p removes the dormant state and its
    # saddle together (a saddle-node fold); only the escape node remains.
    model = iosim.get_model("kuznetsov1994")
    df = scan_parameter(model, "p", [0.1245, 0.05])
    stable_at = df[df["stable"]].groupby("p")["T"].apply(list)
    assert len(stable_at[0.1245]) == 2  # dormant focus + escape node
    assert len(stable_at[0.05]) == 1 and stable_at[0.05][0] > 4e8  # only escape remains
    plot_scan(df, "p", "T", path=tmp_path / "scan.png")
    assert (tmp_path / "scan.png").stat().st_size > 1000


def test_basins_separate_dormancy_from_escape(tmp_path):
    model = iosim.get_model("kuznetsov1994")
    b = basins(model, ("T", 1e6, 1e9, 4), ("E", 1e5, 1e7, 3), outcome="T", t_end=2000)
    assert b.final.shape == (3, 4)
    # Rows: E(0) = 1e5, 1e6, 1e7; columns: T(0) = 1e6 ... 1e9. The three outcomes of
    # immunoediting: elimination (many effectors, small tumour), dormancy, escape.
    assert b.final[2, 0] == 0.0
    assert b.final[1, 1] == pytest.approx(8.19e6, rel=0.02)
    assert b.final[0, 3] == pytest.approx(4.47e8, rel=0.02)
    plot_basins(b, path=tmp_path / "basins.png")
    assert (tmp_path / "basins.png").stat().st_size > 1000
