"""Write one Markdown page per library model: ``python -m iosim.models._docs docs/models`` (``make docs``).

Beside the library it documents (:mod:`iosim.model` describes one model and knows no library)."""

from __future__ import annotations

import sys
from pathlib import Path

from iosim.model.describe import to_markdown
from iosim.models import get_model, model_ids


def write_model_pages(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for model_id in model_ids():
        path = folder / f"{model_id}.md"
        path.write_text(to_markdown(get_model(model_id)), encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    for p in write_model_pages(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/models")):
        print(p)
