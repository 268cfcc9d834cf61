"""Global sensitivity (SALib) on the cohort engine: an exact toy case and Kuznetsov 1994."""

import pytest

from iosim.analysis.sensitivity import sensitivity
from iosim.errors import InputError, UnknownNameError
from iosim.model import ModelBuilder, Reference


@pytest.fixture(scope="module")
def additive():
    """x(0) = 0 and dx/dt = a + 2b, so x(1) = a + 2b; c has no effect.

    With a, b, c independent uniform on [0, 1]: Var(a) = 1/12, Var(2b) = 4/12, so
    S_a = 1/5 = 0.2, S_b = 4/5 = 0.8, S_c = 0; the model is additive, so ST = S1."""
    b = ModelBuilder("toy_additive", "y = a + 2b", reference=Reference("exact test case (iosim)"))
    x = b.state("x", "1", "accumulated a + 2b", initial=0.0)
    pa = b.parameter("a", 0.5, "1/day", "first input", source="chosen: test case")
    pb = b.parameter("b", 0.5, "1/day", "second input", source="chosen: test case")
    b.parameter("c", 0.5, "1/day", "input without effect", source="chosen: test case")
    b.equation(x, pa + 2 * pb)
    b.output("y", x, "1", "a + 2b at day 1")
    return b.build()


def test_sobol_indices_of_an_additive_model_are_exact(additive):
    bounds = {"a": (0, 1), "b": (0, 1), "c": (0, 1)}
    t = sensitivity(additive, "y", 1.0, bounds=bounds, n=1024, seed=1).set_index("parameter")
    # Saltelli/Jansen estimators with N=1024: the bootstrap half-widths are ~0.03-0.07, so 0.05 is a fair margin
    for name, exact in (("a", 0.2), ("b", 0.8), ("c", 0.0)):
        assert t.loc[name, "S1"] == pytest.approx(exact, abs=0.05)
        assert t.loc[name, "ST"] == pytest.approx(exact, abs=0.05)
        assert t.loc[name, "S1_conf"] < 0.1
    assert t.attrs["runs"] == 1024 * 5 and t.attrs["failed"] == 0


def test_morris_ranks_the_inputs_of_the_additive_model(additive):
    bounds = {"a": (0, 1), "b": (0, 1), "c": (0, 1)}
    t = sensitivity(additive, "y", 1.0, method="morris", bounds=bounds, n=20, seed=1).set_index("parameter")
    # elementary effects of a linear model are its slopes times the range: 1, 2, 0
    assert t.loc["a", "mu_star"] == pytest.approx(1.0, rel=1e-6)
    assert t.loc["b", "mu_star"] == pytest.approx(2.0, rel=1e-6)
    assert t.loc["c", "mu_star"] == pytest.approx(0.0, abs=1e-9)


def test_kuznetsov_tumour_at_day_100_is_driven_by_growth_and_immune_recruitment():
    """Kuznetsov et al. 1994 (Bull Math Biol 56:295): whether the tumour stays dormant or escapes
    is set by the balance of tumour growth (a) and tumour-stimulated effector recruitment (p),
    the parameters of their bifurcation analysis. With every parameter within x1.5 of its value,
    those two carry the largest total Sobol indices; the half-saturation g barely matters; and
    the sum of total indices far exceeds the sum of first-order ones (a bistable, interacting model)."""
    t = sensitivity("kuznetsov1994", "T", 100, n=256, seed=0).set_index("parameter")
    top2 = set(t["ST"].nlargest(2).index)
    assert top2 == {"a", "p"}
    assert t["ST"].idxmin() == "g"
    assert t["ST"].sum() > 1.5 * t["S1"].sum()


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"output": "Z"}, UnknownNameError, "unknown state or output 'Z'"),
        ({"method": "fast"}, UnknownNameError, "unknown sensitivity method"),
        ({"parameters": ["a", "zz"]}, UnknownNameError, "unknown parameter 'zz'"),
        ({"parameters": ["a"]}, InputError, "at least two"),
        ({"bounds": {"a": (1, 0), "p": (0, 1)}, "parameters": ["a", "p"]}, InputError, "low < high"),
        ({"bounds": {"a": (0, 1)}, "parameters": ["a", "p"]}, InputError, "no range for p"),
        ({"at_day": -1}, InputError, "at_day"),
    ],
)
def test_bad_input(kwargs, error, message):
    args = {"output": "T", "at_day": 10.0} | kwargs
    with pytest.raises(error, match=message):
        sensitivity("kuznetsov1994", args.pop("output"), args.pop("at_day"), n=8, **args)


def test_sensitivity_command_writes_table_and_plot(tmp_path):
    import pandas as pd
    from typer.testing import CliRunner

    from iosim.cli.app import app
    from iosim.cli.main import _load_commands

    _load_commands()
    args = ["sensitivity", "kuznetsov1994", "--output", "tumour_cells", "--at-day", "50", "--method", "morris",
            "--n", "10", "--out", str(tmp_path / "s.csv"), "--plot", str(tmp_path / "s.png")]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    table = pd.read_csv(tmp_path / "s.csv")
    assert list(table.columns) == ["parameter", "mu_star", "mu_star_conf", "sigma"] and len(table) == 8
    assert (tmp_path / "s.png").stat().st_size > 5_000
