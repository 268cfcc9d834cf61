"""The model pages in docs/models are generated from the declarations and kept current."""

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
