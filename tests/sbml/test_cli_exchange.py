"""`iosim export` and `iosim sbml-suite` from the command line."""

from pathlib import Path

from iosim.cli.main import run

DATA = Path(__file__).resolve().parents[1] / "data" / "sbml-test-suite"


def iosim(*args: str) -> int:
    """Run the CLI in this process; return its exit code."""
    try:
        run(list(args))
    except SystemExit as e:
        return int(e.code or 0)
    return 0


def test_export_writes_sbml_with_dose_events(tmp_path, capsys):
    out = tmp_path / "k.xml"
    code = iosim("export", "kuznetsov1994", "--format", "sbml", "--out", str(out), "--dose", "T:1e6@10,every=7,count=3")
    assert code == 0
    text = out.read_text()
    assert text.count("<event ") == 3 and "<species " in text


def test_export_of_a_model_file_keeps_its_doses(tmp_path):
    # A model file goes through the shared loader: its doses (SBML events) come out again, with --dose's.
    first, again = tmp_path / "k.xml", tmp_path / "k2.xml"
    assert iosim("export", "kuznetsov1994", "--out", str(first), "--dose", "T:1e6@10,every=7,count=3") == 0
    assert iosim("export", str(first), "--out", str(again), "--dose", "T:5e5@40") == 0
    assert again.read_text().count("<event ") == 4


def test_export_rejects_unknown_format(capsys):
    assert iosim("export", "kuznetsov1994", "--format", "cellml") == 2
    assert "unknown export format" in capsys.readouterr().err


def test_sbml_suite_prints_table(capsys):
    assert iosim("sbml-suite", str(DATA), "--cases", "1-3") == 0
    out = capsys.readouterr().out
    assert "3/3 cases pass" in out and "Reaction" in out
