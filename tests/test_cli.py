"""The command line: output tables, one-line errors with exit code 2, fast help."""

import json
import subprocess
import sys
import time

import pandas as pd
import pytest


def iosim(*args, check=False):
    return subprocess.run([sys.executable, "-m", "iosim", *args], capture_output=True, text=True, timeout=120)


def test_models_lists_every_library_model():
    from iosim.models import model_ids

    r = iosim("models")
    assert r.returncode == 0
    for model_id in model_ids():
        assert model_id in r.stdout


def test_show_prints_equations_and_sources():
    r = iosim("show", "kuznetsov1994")
    assert r.returncode == 0
    assert "dT/dt" in r.stdout and "BIOMD0000000762" in r.stdout


def test_simulate_writes_time_then_states(tmp_path):
    out = tmp_path / "k.csv"
    plot = tmp_path / "k.png"
    r = iosim(
        "simulate",
        "kuznetsov1994",
        "--days",
        "30",
        "--init",
        "T=1e6",
        "--dose",
        "E:1e6@5,every=7,count=3",
        "--out",
        str(out),
        "--plot",
        str(plot),
    )
    assert r.returncode == 0, r.stderr
    df = pd.read_csv(out)
    assert list(df.columns[:3]) == ["time", "E", "T"]
    assert len(df) == 31 and df["time"].iloc[-1] == 30
    # Post-dose value at the dose time: E jumps by 1e6 on day 5.
    assert df["E"].iloc[5] - df["E"].iloc[4] > 9e5
    assert plot.stat().st_size > 1000


def test_simulate_parquet(tmp_path):
    out = tmp_path / "k.parquet"
    assert iosim("simulate", "kuznetsov1994", "--days", "5", "--out", str(out)).returncode == 0
    assert pd.read_parquet(out).shape == (6, 4)


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["simulate", "nomodel", "--days", "5"], "unknown model"),
        (["simulate", "kuznetsov1994", "--days", "5", "--set", "zz=1"], "unknown parameter 'zz'"),
        (["simulate", "kuznetsov1994", "--days", "5", "--set", "a=-1"], "outside its bounds"),
        (["simulate", "kuznetsov1994", "--days", "5", "--set", "a=nan"], "finite"),
        (["simulate", "kuznetsov1994", "--days", "5", "--init", "Q=1"], "unknown state 'Q'"),
        (["simulate", "kuznetsov1994", "--days", "5", "--init", "T=-5"], "negative"),
        (["simulate", "kuznetsov1994", "--days", "5", "--dose", "T:1e3"], "malformed"),
        (["simulate", "kuznetsov1994", "--days", "-5"], "end time"),
        (["simulate", "kuznetsov1994", "--days", "5", "--out", "/nonexistent/dir/x.csv"], "does not exist"),
        (["simulate", "kuznetsov1994", "--days", "5", "--out", "x.txt"], "csv"),
        (["simulate", "kuznetsov1994", "--days", "5", "--method", "Euler"], "solver method"),
    ],
)
def test_bad_input_gets_one_line_and_exit_code_2(args, fragment):
    r = iosim(*args)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in r.stderr
    assert fragment in lines[0]


def test_equilibria_command():
    r = iosim("equilibria", "kuznetsov1994")
    assert r.returncode == 0
    assert r.stdout.count("saddle") == 2 and "stable focus" in r.stdout and "stable node" in r.stdout


def test_help_is_fast():
    start = time.perf_counter()
    r = subprocess.run(
        [sys.executable, "-c", "import sys; sys.argv=['iosim','--help']; from iosim.cli.main import run; run()"],
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - start
    assert r.returncode == 0 and "simulate" in r.stdout
    assert elapsed < 1.5  # generous for loaded CI machines; typically ~0.2 s


def _loaded_commands(*argv):
    """What ``iosim ARGV`` prints and which command modules it loaded (help and usage errors exit)."""
    code = (
        "import json, sys\nfrom iosim.cli.main import run\n"
        f"try:\n    run({list(argv)!r})\nexcept SystemExit:\n    pass\n"
        "print(json.dumps(sorted(m.split('.')[2] for m in sys.modules if m.startswith('iosim.cli.'))))"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    *out, loaded = r.stdout.strip().splitlines()
    return "\n".join(out), r.stderr, set(json.loads(loaded))


def test_a_command_loads_only_its_own_module_and_reads_as_before():
    # Start-up (docs/performance.md): `iosim cohort` does not import the other command modules, and
    # with one command registered typer must still read `cohort` as the command, not as the model.
    help_text, _, loaded = _loaded_commands("cohort", "--help")
    assert "Usage: iosim cohort [OPTIONS]" in help_text and "--params" in help_text
    assert loaded == {"app", "main", "cohort", "_plain_values"}
    _, err, loaded = _loaded_commands("cohort", "--bogus")
    assert err.startswith("iosim: error: No such option: --bogus") and "iosim cohort --help" in err
    assert "trial" not in loaded
    help_text, _, loaded = _loaded_commands("vpop", "--help")  # a group of commands, alone
    assert "Usage: iosim vpop [OPTIONS] COMMAND" in help_text and loaded == {"app", "main", "vpop", "_plain_values"}


@pytest.mark.parametrize("argv", [["--help"], ["cohrt"], ["show", "--help"], ["equilibria", "--help"]])
def test_help_a_typo_and_commands_in_other_modules_load_every_command(argv):
    out, err, loaded = _loaded_commands(*argv)
    assert {"cohort", "trial", "simulate", "vpop", "models"} <= loaded
    if argv == ["cohrt"]:
        assert "Did you mean 'cohort'?" in err
    else:
        assert "Usage: iosim" in out
