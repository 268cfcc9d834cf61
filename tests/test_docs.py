"""The model pages in docs/models are generated from the declarations and kept current."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from iosim.model.describe import to_markdown
from iosim.models import get_model, model_ids

DOCS = Path(__file__).resolve().parents[1] / "docs" / "models"


@pytest.mark.parametrize("model_id", model_ids())
def test_model_page_matches_declaration(model_id):
    page = DOCS / f"{model_id}.md"
    assert page.is_file(), f"missing {page}: run `make docs`"
    assert page.read_text(encoding="utf-8") == to_markdown(get_model(model_id)), (
        f"{page} is out of date with the model declaration: run `make docs`"
    )


@pytest.mark.parametrize("model_id", model_ids())
def test_every_parameter_has_unit_and_source(model_id):
    for p in get_model(model_id).parameters:
        assert p.unit.strip(), f"{model_id}.{p.name} has no unit"
        assert len(p.source.strip()) > 5, f"{model_id}.{p.name} has no real source"


def test_make_docs_writes_the_pages_the_tests_compare(tmp_path):
    # The command `make docs` runs (Makefile): one page per library model, as the checks above expect.
    root = Path(__file__).resolve().parents[1]
    command = re.search(r"^docs:.*\n\t\$\(BIN\)/python (.+) docs/models$", (root / "Makefile").read_text(), re.M)
    assert command, "the Makefile's docs target is not `$(BIN)/python -m MODULE docs/models`"
    subprocess.run([sys.executable, *command.group(1).split(), str(tmp_path)], check=True, capture_output=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"{m}.md" for m in model_ids())
    for model_id in model_ids():
        assert (tmp_path / f"{model_id}.md").read_text(encoding="utf-8") == to_markdown(get_model(model_id))
