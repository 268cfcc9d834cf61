"""The package's copies of the example trials and populations are the repository's examples/."""

from pathlib import Path

from iosim.library import EXAMPLES, population_path
from iosim.validation import load_registry

REPO_EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_shipped_copies_are_identical_to_examples():
    shipped = sorted(p.relative_to(EXAMPLES) for p in EXAMPLES.rglob("*.yaml"))
    assert shipped
    for rel in shipped:
        assert (REPO_EXAMPLES / rel).read_bytes() == (EXAMPLES / rel).read_bytes(), (
            f"examples/{rel} differs from src/iosim/library/examples/{rel}: copy the edited one onto the other"
        )


def test_every_population_and_registry_trial_is_shipped():
    for p in (REPO_EXAMPLES / "populations").glob("*.yaml"):
        assert (EXAMPLES / "populations" / p.name).is_file(), f"copy examples/populations/{p.name} into the package"
    for e in load_registry():
        assert (EXAMPLES / e.spec).is_file(), f"copy examples/{e.spec} into src/iosim/library/examples/"


def test_population_path_only_for_catalogue_ids():
    assert population_path("melanoma") == EXAMPLES / "populations" / "melanoma.yaml"
    assert population_path("nsclc") is None
    assert population_path("../populations/melanoma") is None
