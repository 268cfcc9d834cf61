"""Option values converted without pydantic (iosim.cli._plain_values) read exactly as typer reads them:
the same value and type for plain input, the same error message for bad input, and no pydantic
import for the plain values the cohort command takes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from iosim.cli._plain_values import PlainValuesCommand, PlainValuesGroup

SRC = str(Path(__file__).resolve().parents[1] / "src")


def _app(plain: bool) -> typer.Typer:
    app = typer.Typer(cls=PlainValuesGroup if plain else None, add_completion=False)
    seen: list = []

    @app.command(cls=PlainValuesCommand if plain else None)
    def run(
        name: str = typer.Argument(...),
        x: float = typer.Option(1.0, "--x"),
        n: int = typer.Option(1, "--n"),
        word: str = typer.Option("auto", "--word"),
        path: Path = typer.Option(None, "--path"),
        items: list[str] = typer.Option(None, "--item"),
        flag: bool = typer.Option(False, "--flag"),
        other: str = typer.Option(None, "--other"),
        existing: Path = typer.Option(None, "--existing", exists=True, dir_okay=False),
    ) -> None:
        seen.append({k: (type(v).__name__, repr(v)) for k, v in locals().items() if k != "seen"})

    @app.command()
    def unused() -> None:  # two commands: a group, as iosim is
        pass

    app.seen = seen  # type: ignore[attr-defined]
    return app


def _read(plain: bool, args: list[str]):
    app = _app(plain)
    r = CliRunner().invoke(app, ["run", *args])
    return r.exit_code, " ".join(r.output.split()), app.seen  # type: ignore[attr-defined]


NUMBERS = ["365", "3e-05", "-1.5", ".5", "5.", "+2", "1E5", "007", "1e400", "1_0", "inf", "-inf", "nan", "abc", "",
           " 5", "5 ", "0x10", "1.0", "1.5", "١٢", "99999999999999999999", "1e-99", "--"]  # fmt: skip


@pytest.mark.parametrize("value", NUMBERS)
@pytest.mark.parametrize("option", ["--x", "--n"])
def test_numbers_read_as_typer_reads_them(option, value):
    assert _read(True, ["a", option, value]) == _read(False, ["a", option, value])


@pytest.mark.parametrize(
    "args",
    [[], ["b", "--word", ""], ["b", "--word", " ü "], ["b", "--path", "x.csv"], ["b", "--path", ""],
     ["b", "--path", "-"], ["b", "--item", "A:1@0", "--item", "B=2@3"], ["b", "--flag"], ["b", "--other", "o"],
     ["--help"], ["b", "--help"], ["b", "--path", "/"], ["b", "--existing", "./nowhere//x.csv"],
     ["b", "--existing", "/tmp/"], ["b", "--existing", __file__]],
)  # fmt: skip
def test_words_paths_lists_flags_and_help_read_as_typer_reads_them(args):
    plain, typer_own = _read(True, args), _read(False, args)
    assert plain == typer_own
    if args[:1] == ["b"] and "--help" not in args and args[-1] != "./nowhere//x.csv" and args[-1] != "/tmp/":
        assert plain[0] == 0 and plain[2], plain  # it ran
    else:
        assert plain[0] in (0, 2) and not plain[2]  # help, or the path refused (quoted as written)


@pytest.mark.parametrize("option", ["--path", "--existing"])
def test_a_path_with_a_nul_character_is_refused_as_typer_refuses_it(option):
    # os.stat raises ValueError (not OSError) on it: found by tests/fuzz/test_fuzz_cli.py
    plain, typer_own = _read(True, ["b", option, "out/a\x00b.csv"]), _read(False, ["b", option, "out/a\x00b.csv"])
    assert plain == typer_own
    assert plain[0] == 2 and "null" in plain[1] and not plain[2]


def test_the_cohort_command_reads_its_options_without_pydantic(tmp_path):
    code = (
        "import json, sys\nfrom iosim.cli.main import run\n"
        "try:\n    run(['cohort', 'nosuchmodel', '--params', 'p.csv', '--days', '365', '--dose', 'A:40@0',"
        " '--final-only', '--out', 'o.parquet', '--rtol', '3e-05', '--atol', '3e-05', '--threads', '1'])\n"
        "except SystemExit:\n    pass\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] == 'pydantic')))"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=120,
                       env={"PATH": "", "PYTHONPATH": SRC, "IOSIM_CACHE_DIR": str(tmp_path)})  # fmt: skip
    assert r.stderr.startswith("iosim: error:")  # it parsed every option, then refused the model
    assert json.loads(r.stdout.strip().splitlines()[-1]) == []
