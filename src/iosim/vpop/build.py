"""Build a virtual population against patient-level data: plausible -> simulate -> select -> save.

    from iosim.vpop import build_population
    build_population(spec, "atezolizumab", iosim.data.oak("atezolizumab"), plausible=200_000,
                     seed=7, out="nsclc_atezolizumab.yaml")

writes ``nsclc_atezolizumab.yaml`` (a population file trials read) and ``nsclc_atezolizumab.parquet``
(the selected virtual patients' parameters), with the selection's goodness of fit recorded in the
YAML's ``selection`` mapping.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from iosim.errors import InputError
from iosim.files import write_atomically
from iosim.trials.population import Population, Variation
from iosim.trials.rng import uniforms
from iosim.trials.runner import run_trial
from iosim.trials.spec import TrialSpec
from iosim.trials.store import ResultStore
from iosim.vpop.observables import first_lesion_series, lesion_metrics
from iosim.vpop.plausible import SOLID_RANGES, Range, plausible_patients
from iosim.vpop.selection import Selection, select

_SUBSET_STREAM = 90_000
_NOISE_SEED_STEP = 1_000_003  # trial seeds of the noise replicates: seed, seed + step, ...


def _shifted(progress: Callable[[int, int], None], k: int, n: int) -> Callable[[int, int], None]:
    """Progress of replicate ``k`` of ``n`` as part of the whole."""
    return lambda done, total: progress(k * total + done, n * total)


def the_arm(spec: TrialSpec, arm: str):
    """The arm of ``spec`` named ``arm`` (a one-line error naming the choices otherwise)."""
    for a in spec.arms:
        if a.name == arm:
            return a
    raise InputError(f"trial {spec.name} has no arm {arm!r}; choose from {', '.join(a.name for a in spec.arms)}")


def simulate_plausible(
    spec: TrialSpec, arm: str, pool: pd.DataFrame, *, seed: int, work: Path, workers: int = 1,
    noise_seed: int | None = None, progress: Callable[[int, int], None] | None = None,
) -> pd.DataFrame:
    """First-target-lesion metrics of every plausible patient treated as in ``arm`` of ``spec``.

    ``seed`` fixes the patients' lesions; ``noise_seed`` (default ``seed``) the trial's own draws:
    reader error, new lesions, deaths."""
    arms = [the_arm(spec, arm)]
    pool_file = work / "plausible.parquet"
    pool.to_parquet(pool_file, index=False)
    population = Population(
        spec.cancer, variations=_variations(pool), pool=str(pool_file), pool_order="identity", anatomy_seed=seed
    )
    trial_seed = seed if noise_seed is None else noise_seed
    one_arm = spec.model_copy(
        update={"arms": arms, "patients_per_arm": len(pool), "seed": trial_seed, "population": None}
    )
    folder = work / f"trial-{trial_seed}"
    run_trial(one_arm, folder, workers=workers, chunk_size=2000, progress=progress, population=population)
    with ResultStore(folder / "results.duckdb", read_only=True) as store:
        series = first_lesion_series(store, arm)
    metrics = lesion_metrics(series)
    return metrics.rename(columns={"patient": "source_patient"})


def build_population(
    spec: TrialSpec, arm: str, observed_series: pd.DataFrame, *, plausible: int, seed: int, out: str | Path,
    ranges: tuple[Range, ...] = SOLID_RANGES, workers: int = 1, max_ks: float = 0.05, calibrated_to: str = "",
    max_patients: int = 5000, plausible_cache: str | Path | None = None, replicates: int = 2,
    progress: Callable[[int, int], None] | None = None,
) -> Selection:
    """Select virtual patients of ``spec.cancer`` whose ``arm`` response matches ``observed_series``
    (``patient, day, diameter_mm``: one lesion per patient), and save the population at ``out``.

    At most ``max_patients`` selected patients are saved (a seeded random subset; trials resample
    them). ``plausible_cache``: a Parquet file of the plausible patients' simulated metrics, written on
    the first run and reused when it exists (selection again without simulating again). Each plausible
    patient is simulated ``replicates`` times with fresh trial noise (reader error, new lesions, deaths),
    so that selection does not keep patients for one lucky draw of it."""
    if not (isinstance(replicates, int) and 1 <= replicates <= 10):
        raise InputError(f"replicates must be a whole number from 1 to 10, got {replicates!r}")
    out = Path(out)
    if out.suffix not in (".yaml", ".yml"):
        raise InputError(f"--out must name a .yaml population file, got {str(out)[:200]!r}")
    pool = plausible_patients(plausible, seed, ranges)
    cache = Path(plausible_cache) if plausible_cache else None
    if cache is not None and cache.is_file():
        sim = pd.read_parquet(cache)
    else:
        runs = []
        with tempfile.TemporaryDirectory(prefix="iosim-vpop-") as tmp:
            for k in range(replicates):
                step = None if progress is None else _shifted(progress, k, replicates)
                runs.append(simulate_plausible(
                    spec, arm, pool, seed=seed, noise_seed=seed + _NOISE_SEED_STEP * k, work=Path(tmp),
                    workers=workers, progress=step,
                ).assign(replicate=k))  # fmt: skip
        sim = pd.concat(runs, ignore_index=True)
        if cache is not None:
            sim.to_parquet(cache, index=False)
    observed = lesion_metrics(observed_series)
    chosen = select(sim, observed, seed=seed, max_ks=max_ks)
    ids = chosen.kept
    if ids.size > max_patients:
        order = np.argsort(uniforms(seed, ids, _SUBSET_STREAM))
        ids = np.sort(ids[order[:max_patients]])
    kept = pool.set_index("source_patient").loc[ids].reset_index()
    pool_path = out.with_suffix(".parquet")
    out.parent.mkdir(parents=True, exist_ok=True)
    kept.to_parquet(pool_path, index=False)
    population = Population(
        spec.cancer, variations=_variations(kept), pool=pool_path.name, anatomy_seed=seed,
        calibrated_to=(calibrated_to,) if calibrated_to else (),
        selection={**{k: round(float(v), 6) for k, v in chosen.report.items()}, "saved": int(len(kept))},
    )  # fmt: skip
    write_atomically(out, _yaml(population))
    return chosen


def _variations(pool: pd.DataFrame) -> tuple[Variation, ...]:
    """The model parameters a pool carries: one value per patient, no spread of its own."""
    from iosim.models import get_model

    names = set(get_model("core").parameter_names)
    return tuple(Variation(c, "lognormal", 0.0, "per patient, from the population's pool") for c in pool.columns
                 if c in names)


def _yaml(population: Population) -> str:
    import yaml

    return yaml.safe_dump(population.to_dict(), sort_keys=False)
