"""``iosim validate``: run every registry trial once (all its arms) and compare with the registry.

    from iosim.validation import validate
    table = validate(patients=1000, out="docs")   # validation.csv, validation.md, predicted_vs_observed.png

Each trial's spec is the shipped copy (``iosim.library``), run with ``patients`` virtual
patients per arm into a temporary folder; every registry entry of the trial becomes one row.
Nothing is tuned here: a calibrated row outside its observed CI is reported as it falls.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from iosim.errors import InputError
from iosim.validation.combinations import add_ida
from iosim.validation.compare import COLUMNS, compare
from iosim.validation.registry import Registry, load_registry

MAX_PATIENTS = 1_000_000
#: validation.csv: the comparison, then independent drug action for combination arms
#: (:mod:`iosim.validation.combinations`; empty for other rows).
CSV_COLUMNS = [*COLUMNS, "ida", "ida_observed"]


@dataclass(frozen=True)
class Validation:
    """The comparison table (``CSV_COLUMNS`` plus ``source``), seconds per trial, and the files written."""

    table: pd.DataFrame
    seconds: dict[str, float]
    patients: int
    files: tuple[Path, ...] = ()

    @property
    def misses(self) -> pd.DataFrame:
        """Calibrated rows outside their observed 95% CI."""
        t = self.table
        return t[(t["role"] == "calibrated") & t["within"].eq(False).fillna(False).astype(bool)]


def check_patients(patients: object) -> int:
    if isinstance(patients, bool) or not isinstance(patients, int) or not 1 <= patients <= MAX_PATIENTS:
        raise InputError(f"--patients must be a whole number from 1 to {MAX_PATIENTS:,}, got {patients!r}"[:200])
    return patients


def validate(
    *,
    patients: int = 1000,
    out: str | Path | None = None,
    registry: Registry | None = None,
    trials: list[str] | None = None,
    workers: int = 1,
    progress: Callable[[str, int, int], None] | None = None,
) -> Validation:
    """Run the registry's trials (or only ``trials``) with ``patients`` per arm; write the files to ``out``.

    ``progress(trial, done_chunks, total_chunks)`` is called as each trial advances."""
    from iosim.library import EXAMPLES
    from iosim.trials import load_trial_spec, run_trial
    from iosim.trials.store import ResultStore

    check_patients(patients)
    registry = registry or load_registry()
    names = registry.trials() if trials is None else trials
    unknown = [t for t in names if not registry.for_trial(t)]
    if unknown:
        raise InputError(f"trial {unknown[0]!r} has no registry entry; registry trials: {', '.join(registry.trials())}")
    out = Path(out) if out is not None else None
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
    frames, seconds = [], {}
    work = Path(tempfile.mkdtemp(prefix="iosim-validate-"))
    try:
        for name in names:
            spec = load_trial_spec(registry.spec_path(name)).with_patients(patients)
            report = (lambda done, total, name=name: progress(name, done, total)) if progress else None
            start = time.perf_counter()
            run = run_trial(spec, work / spec.name, workers=workers, spec_dir=EXAMPLES, progress=report)
            with ResultStore(run.out / "results.duckdb", read_only=True) as store:
                frames.append(add_ida(compare(registry.for_trial(name), store), spec, run.summary, registry))
            seconds[name] = time.perf_counter() - start
    finally:
        shutil.rmtree(work, ignore_errors=True)
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=[*CSV_COLUMNS, "source"])
    result = Validation(table, seconds, patients)
    if out is not None:
        result = write(result, out)
    return result


def write(result: Validation, out: Path) -> Validation:
    """``validation.csv``, ``validation.md`` and ``predicted_vs_observed.png`` in folder ``out``."""
    from iosim.files import write_atomically
    from iosim.validation.plot import plot_predicted_vs_observed
    from iosim.validation.report import to_markdown

    csv = out / "validation.csv"
    write_atomically(csv, result.table[CSV_COLUMNS].to_csv(index=False))
    png = out / "predicted_vs_observed.png"
    plot_predicted_vs_observed(result.table, png)
    md = write_atomically(out / "validation.md", to_markdown(result, figure=png.name))
    return Validation(result.table, result.seconds, result.patients, (csv, md, png))
