"""On/off options are flags: they take no value, and the help does not suggest one."""

import subprocess
import sys

import pytest


def _commands():
    import typer.main

    from iosim.cli.app import app
    from iosim.cli.main import _load_commands

    _load_commands()
    return dict(typer.main.get_command(app).commands)


def test_every_boolean_option_is_a_flag():
    booleans = []
    for name, command in _commands().items():
        for param in command.params:
            if getattr(param, "type_descriptor", None) is not None and param.type_descriptor.annotation is bool:
                booleans.append(f"{name} {param.opts[0]}")
                assert param.is_flag, f"`iosim {name} {param.opts[0]}` takes a value; make it a flag"
    assert "trial --resume" in booleans and "cohort --resume" in booleans  # the check saw them


@pytest.mark.parametrize("command", ["trial", "cohort", "simulate", "stochastic"])
def test_help_shows_no_value_for_a_flag(command):
    r = subprocess.run([sys.executable, "-m", "iosim", command, "--help"], capture_output=True, text=True,
                       timeout=60, env={"COLUMNS": "160", **__import__("os").environ})  # fmt: skip
    assert r.returncode == 0
    assert "<bool>" not in r.stdout
    assert "<int>" in r.stdout or "<float>" in r.stdout or "<path>" in r.stdout  # other options keep their type


def test_a_value_after_a_flag_is_refused(tmp_path):
    r = subprocess.run([sys.executable, "-m", "iosim", "trial", "examples/checkmate067.yaml", "--resume", "true",
                        "--out", str(tmp_path / "t")], capture_output=True, text=True, timeout=60)  # fmt: skip
    assert r.returncode == 2 and "unexpected extra argument" in r.stderr and r.stderr.count("\n") == 1
    assert not (tmp_path / "t").exists()
