"""Fuzzing the command line, run in-process: generated argument lists for every command.

Arguments mix valid values, malformed ones (text for numbers, NaN, infinities, negative
counts, unknown names, missing files, unwritable or oddly named outputs) and junk tokens.
The contract (``_contract.check_cli``): exit code 0, 2 (a user error) or 1 (a numerical
failure), a one-line error on stderr, never a traceback, and nothing written outside the
output folder ``out/``. Values stay small (days, points, replicates) so each call is quick.
Left out: finite but extreme parameter values (``--set a=1e300`` on kuznetsov1994), on which
LSODA takes tiny steps for many minutes without failing; the reference engine has no budget
of steps or time yet.
"""

from __future__ import annotations

import shutil

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ._contract import REPO, FileGuard, check_cli, run_cli


def _mostly(valid: list[str], invalid: list[str]) -> st.SearchStrategy[str]:
    """Valid values about four times as often as invalid ones: one bad option ends a run, and
    the paths that write outputs are only reached when every option is good. (Valid values at
    both ends: hypothesis favours the first and last elements.)"""
    return st.sampled_from([*valid * 2, *invalid, *valid * 2])


DAYS = _mostly(["5", "2.5"], ["0", "-1", "nan", "inf", "1e9", "abc", ""])
NUMBER = _mostly(["1", "0.5"], ["0", "-1", "nan", "inf", "-inf", "1e999", "abc", "", "1e-9"])
TOLERANCE = _mostly(["1e-6", "1e-8"], ["0", "-1", "nan", "inf", "abc", "1"])
ASSIGN = _mostly(["a=1", "b=0.002", "E=1e5", "T=2e6", "a=1,b=0.003"],
                 ["a=nan", "zz=1", "=1", "a", "a=1e999", "T=-5", "", "a=-1", "T=1e300",
                  "weight_kg=70,height_cm=170", "weight_kg=abc"])  # fmt: skip
DOSE = _mostly(["E:1e6@1", "E:1e6@1,every=2,count=3", "E=5@2", "E:1@0,over=2", "T:1e5@3"],
               ["T:1@0,count=inf", "Q:1@0", "E:1@0,count=1e9,every=1", "E:1@0,every=1,count=2,over=5", "bad", "",
                "E:nan@1", "E:1@-1", "E:1@0,count=nan", "T:1e300@1"])  # fmt: skip
MODEL = _mostly(["kuznetsov1994", "kirschner_panetta1998", "in/model.xml", "in/model.ant"],
                ["nope", "", "in/bad.xml", "in/missing.xml", "x" * 300 + ".xml", "-"])  # fmt: skip
TABLE_OUT = _mostly(["out/t.csv", "out/t.parquet"], ["out/t.txt", "nodir/t.csv", "out", "out/" + "x" * 300 + ".csv",
                                                    "out/a\x00b.csv", "/nonexistent/t.csv"])  # fmt: skip
PLOT_OUT = st.sampled_from(["out/p.png", "out/p.txt", "nodir/p.png"])
JUNK = st.sampled_from(["--bogus", "extra", "--", "-x", "--days", "--set=a=1", "\x00", "--help"])

#: Per command: the arguments it starts with (a strategy of a token or a tuple of tokens: a
#: positional argument, or options that must be there) and option flags with their values
#: (None: a boolean flag). "flagship" is ``simulate core``.
COMMANDS = {
    "simulate": (
        st.tuples(MODEL, st.just("--days"), DAYS),
        {"--set": ASSIGN, "--init": ASSIGN, "--dose": DOSE, "--every": NUMBER, "--rtol": TOLERANCE,
         "--atol": TOLERANCE, "--method": _mostly(["LSODA", "BDF", "RK45"], ["Euler", ""]), "--no-extinction": None,
         "--out": TABLE_OUT, "--plot": PLOT_OUT},
    ),
    "flagship": (
        st.tuples(st.just("core"), st.just("--days"), DAYS),
        {"--cancer": _mostly(["melanoma", "rcc"], ["nope", ""]),
         "--therapy": _mostly(["nivolumab", "nivolumab:3mg/kg-q2w", "ipilimumab:3mg/kg-q3w-x4"],
                              ["nope", "nivolumab:abc", "nivolumab:3mg/kg-q0.00001h", "pembrolizumab"]),
         "--patient": ASSIGN, "--tumour-cells": _mostly(["1e10"], ["nan", "-1", "1e13", "abc"]),
         "--scenario": _mostly(["in/sc.yaml"], ["in/bad.yaml", "nope.yaml", "."]), "--set": ASSIGN},
    ),
    "show": (MODEL, {}),
    "equilibria": (MODEL, {"--set": ASSIGN}),
    "scan": (
        MODEL,
        {"--param": _mostly(["a"], ["zz", ""]), "--state": _mostly(["T"], ["zz"]), "--set": ASSIGN,
         "--values": _mostly(["0.1:1:3"], ["1:0:5", "nan:1:3", "0.1:1:1e9", "0.1:1", "abc", "1e-300:1e300:3",
                                           "0.1:1:3:4"]),
         "--out": TABLE_OUT},
    ),
    "export": (
        MODEL,
        {"--format": _mostly(["sbml"], ["xml", ""]), "--dose": DOSE,
         "--out": _mostly(["out/m.xml"], ["nodir/m.xml", "out", "out/m\x00.xml"])},
    ),
    "drugs": (_mostly(["nivolumab", "aldesleukin"], ["nope", ""]), {}),
    "cancers": (_mostly(["melanoma"], ["nope", ""]), {}),
    "events": (
        st.sampled_from(["in/garbage", "in/empty", "nope", "in/bad.yaml"]),
        {"--out": st.sampled_from(["out/e.csv", "out/e.txt", "nodir/e.csv"]), "--no-doses": None},
    ),
    # Always an invalid --patients: the spec is read and checked, no trial runs.
    "trial": (
        st.tuples(st.sampled_from(["in/spec.yaml", "in/bad.yaml", "nope.yaml", "in", "x" * 300]),
                  st.just("--patients"), st.sampled_from(["0", "-1", "abc"])),
        {"--out": st.sampled_from(["out/trial", "nodir/x"]), "--workers": NUMBER, "--chunk-size": NUMBER},
    ),
    "results": (
        st.sampled_from(["in/garbage", "in/empty", "nope"]),
        {"--sql": st.sampled_from(["SELECT 1", "DROP TABLE patients", "bad sql", ""])},
    ),
    # One cell of the matrix at most (the whole matrix is a minute of simulations).
    "matrix": (
        st.tuples(st.just("--cancers"), _mostly(["melanoma"], ["nope", ",,", "rcc,nope"]),
                  st.just("--therapies"), _mostly(["nivolumab"], ["nope", "none", "nivolumab+nope"])),
        {"--days": _mostly(["60"], ["nan", "0", "30", "1e12", "-5", "abc"]),
         "--patients": _mostly(["20"], ["0", "abc"])},
    ),
}  # fmt: skip
#: Commands that compute more (an optimiser, stochastic replicates, a sensitivity design):
#: fewer examples, small sizes.
HEAVY = {
    "fit": (
        st.tuples(_mostly(["logistic"], ["gompertz", "kuznetsov1994", "nope", "growth_"]),
                  st.just("--data"), _mostly(["in/d_ok.csv"], ["in/d_nan.csv", "in/d_ids.csv", "in/d_bytes.csv",
                                                               "in/d_empty.csv", "in/d_cols.csv", "in/missing.csv"]),
                  st.just("--observe"), _mostly(["V"], ["T", "zz"]),
                  st.just("--estimate"), _mostly(["a", "a,K"], ["zz", "", ",,"]), st.just("--starts"), st.just("1")),
        {"--error": _mostly(["proportional", "additive"], ["foo"]), "--seed": _mostly(["0"], ["-1", "abc"]),
         "--out": st.sampled_from(["out/f.csv", "out/f.txt"])},
    ),
    "stochastic": (
        st.tuples(_mostly(["kuznetsov1994"], ["nope"]), st.just("--replicates"), _mostly(["1", "2"], ["0", "-1",
                  "1000000000", "abc"]), st.just("--days"), _mostly(["0.01"], ["nan", "-1", "1e9"])),
        {"--method": _mostly(["tau", "hybrid"], ["x"]), "--seed": _mostly(["1"], ["-1", "abc"]), "--every": NUMBER,
         "--summary": None, "--out": TABLE_OUT},
    ),
    "sensitivity": (
        st.tuples(_mostly(["kuznetsov1994"], ["nope"]), st.just("--output"), _mostly(["T"], ["zz"]),
                  st.just("--at-day"), _mostly(["1"], ["nan", "-1", "0"]), st.just("--n"),
                  _mostly(["4"], ["0", "1000000000", "abc"])),
        {"--method": _mostly(["sobol", "morris"], ["x"]), "--params": _mostly(["a", "a,b"], ["zz", ""]),
         "--spread": NUMBER, "--seed": _mostly(["0"], ["-1"])},
    ),
}  # fmt: skip


#: Commands whose starting arguments are always given (a full matrix runs for a minute, a trial
#: with a valid --patients runs a trial, the others stop at once without them).
REQUIRED = {"matrix", "trial", "simulate", "flagship", "fit", "stochastic", "sensitivity"}
#: How often each command is drawn, relative to 1: simulate has the most options.
WEIGHT = {"simulate": 4, "flagship": 2, "scan": 2, "export": 2}


@st.composite
def argv_for(draw, commands: dict) -> list[str]:
    name = draw(st.sampled_from([c for c in sorted(commands) for _ in range(WEIGHT.get(c, 1))]))
    positional, options = commands[name]
    argv = ["simulate" if name == "flagship" else name]
    if isinstance(positional, st.SearchStrategy) and (name in REQUIRED or draw(st.integers(0, 9))):
        value = draw(positional)
        argv += list(value) if isinstance(value, tuple) else [value]
    for flag in draw(st.lists(st.sampled_from(sorted(options)), max_size=4, unique=True)) if options else []:
        argv += [flag] if options[flag] is None else [flag, draw(options[flag])]
    if not draw(st.integers(0, 11)):
        argv.insert(draw(st.integers(1, len(argv))), draw(JUNK))
    return argv


@pytest.fixture(scope="module")
def cli_inputs(workdir):
    """Input files the generated arguments name, in ``in/``."""
    inp = workdir / "in"
    shutil.copy(REPO / "tests/data/biomodels/BIOMD0000000762.xml", inp / "model.xml")
    (inp / "model.ant").write_text("model m\n  T' = r*T\n  T = 1; r = 0.1\nend\n")
    (inp / "bad.xml").write_bytes(b"<sbml><model>\xff\x00")
    (inp / "bad.yaml").write_bytes(b"name: [\n\xff")
    shutil.copy(REPO / "examples/impact.yaml", inp / "spec.yaml")
    (inp / "sc.yaml").write_text("cancer: melanoma\ntherapies: [nivolumab]\n")
    (inp / "garbage").mkdir()
    (inp / "garbage" / "results.duckdb").write_text("not a database")
    (inp / "empty").mkdir()
    (inp / "d_ok.csv").write_text("time,value\n0,100\n5,180\n10,320\n20,700\n30,900\n")
    (inp / "d_nan.csv").write_text("time,value\n0,1\n1,nan\n2,inf\n")
    (inp / "d_bytes.csv").write_bytes(b"\xff\xfe\x00time")
    (inp / "d_empty.csv").write_text("")
    (inp / "d_cols.csv").write_text("a,b\n1,2\n")
    (inp / "d_ids.csv").write_text("id,time,value\n1,0,100\n1,5,150\n1,10,300\n2,0,80\nx,5,[1]\n")
    return workdir


@settings(max_examples=150)
@given(argv=argv_for(COMMANDS))
def test_cli_arguments_exit_cleanly(cli_inputs, argv):
    guard = FileGuard(cli_inputs)
    check_cli(argv)
    guard.check()


@pytest.fixture(scope="module")
def compiled_kernels(cli_inputs):
    """Compile (or load from the disk cache) the kernels the computing commands use, outside
    the time limit: a first compilation takes 5-20 s on a fresh machine."""
    for argv in (["sensitivity", "kuznetsov1994", "--output", "T", "--at-day", "1", "--n", "4"],
                 *(["stochastic", "kuznetsov1994", "--replicates", "1", "--days", "0.01", "--seed", "1", "--method", m]
                   for m in ("ssa", "tau", "hybrid"))):  # fmt: skip
        assert run_cli(argv, seconds=600)[0] == 0
    return cli_inputs


@settings(max_examples=25)
@given(argv=argv_for(HEAVY))
def test_cli_arguments_of_computing_commands_exit_cleanly(compiled_kernels, argv):
    guard = FileGuard(compiled_kernels)
    check_cli(argv)
    guard.check()
