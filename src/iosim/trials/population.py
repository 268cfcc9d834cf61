"""Virtual populations: patients of one cancer type who differ as real patients do.

Method (see docs/trials.md):

1. Each cancer type fixes the centre of each biological parameter (``iosim.cancers``);
   a population spreads them across patients — log-normal for positive quantities,
   logit-normal for fractions — and draws covariates (weight, height, baseline burden).
2. Plausibility: a patient whose draws fall outside the observed range for the cancer
   type (tumour doubling time, measurable baseline disease) is redrawn from the next
   stream of random numbers, up to ``MAX_ATTEMPTS`` times; each patient's draws depend
   only on (seed, patient number), so the population does not depend on chunking.
3. Calibration (``iosim calibrate``) shifts the centres (``shifts``: multiplicative on
   the log or logit scale) to match observed arm endpoints; the shifted population is
   saved as YAML and reused by later trials.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import yaml
from scipy.special import ndtri

from iosim.errors import InputError
from iosim.files import load_yaml
from iosim.trials.lesions import LesionModel
from iosim.trials.rng import normals, uniforms

MAX_ATTEMPTS = 20
_POOL_STREAM = 60_000
Kind = Literal["lognormal", "logitnormal", "normal", "bernoulli"]
KINDS = ("lognormal", "logitnormal", "normal", "bernoulli")


@dataclass(frozen=True)
class Variation:
    """How one quantity varies between patients: ``spread`` is the SD on the log, logit or natural scale.

    For kind ``bernoulli`` the value is 1 in a share ``spread`` of patients and 0 in the others
    (e.g. tumours that lost antigen presentation)."""

    name: str
    kind: Kind
    spread: float
    source: str


@dataclass(frozen=True)
class Correlation:
    """Correlation ``rho`` between the standard-normal draws behind two varied parameters (a Gaussian
    copula): 1 gives every patient the same quantile of both, 0 independent draws."""

    first: str
    second: str
    rho: float
    source: str


#: Between-patient variation of the core model's cancer-type parameters.
PARAMETER_VARIATION = (
    Variation("growth_rate", "lognormal", 0.6,
              "assumed: doubling times of metastases span ~0.5x-2x the median within a cancer type "
              "(Ollila 1998 J Surg Oncol 69:206; Detterbeck & Gibson 2008 J Thorac Oncol 3:781)"),
    Variation("immunogenicity", "lognormal", 0.8,
              "assumed: tumour mutational burden spans about an order of magnitude within a tumour type "
              "(interquartile ranges in Chalmers et al. 2017 Genome Med 9:34)"),
    Variation("infiltration", "logitnormal", 1.0,
              "assumed: inflamed, excluded and desert phenotypes coexist within each tumour type "
              "(Chen & Mellman 2017 Nature 541:321)"),
    Variation("pdl1_base", "logitnormal", 1.2,
              "assumed: PD-L1 tumour proportion score spans 0-100% within a tumour type (Garon 2015 NEJM 372:2018)"),
)  # fmt: skip

#: Extra variation for populations treated with a tumour-targeting antibody (added to such population
#: files, e.g. examples/populations/follicular_lymphoma.yaml): centres are the model or calibrated values.
ANTIBODY_VARIATION = (
    Variation("mab_adcc", "lognormal", 0.8,
              "assumed: NK ADCC differs several-fold between FCGR3A 158V/F genotypes (Koene et al. 1997 Blood "
              "90:1109); V/V patients respond more often to rituximab (Cartron et al. 2002 Blood 99:754)"),
    Variation("mab_cdc", "lognormal", 0.8,
              "assumed: complement lysis varies with CD20 density and the complement regulators CD55/CD59 "
              "(Golay et al. 2000 Blood 95:3900)"),
)  # fmt: skip

#: Each patient's share of each checkpoint drug's maximal effect (model parameters ``ctla4_sensitivity``,
#: ``pd1_rescue``), partly correlated, and the share of patients whose tumour lost antigen presentation
#: or IFN-gamma signalling. Used by the melanoma population (examples/populations/melanoma.yaml), whose
#: centres are calibrated to the CheckMate 067 monotherapy arms.
CHECKPOINT_VARIATION = (
    Variation("ctla4_sensitivity", "logitnormal", 2.0,
              "assumed: the Fc-receptor-dependent part of ipilimumab's effect differs several-fold between "
              "patients (FCGR3A V158F, Arce Vargas et al. 2018 Cancer Cell 33:649; Romano et al. 2015 PNAS "
              "112:6140)"),
    Variation("pd1_rescue", "logitnormal", 2.0,
              "assumed: adaptive resistance through other inhibitory receptors varies between patients "
              "(Koyama et al. 2016 Nat Commun 7:10501)"),
    Variation("antigen_presentation_loss", "bernoulli", 0.10,
              "assumed share 10%: complete B2M loss occurs only in non-responders, B2M LOH in ~30% of "
              "non-responders vs ~10% of responders (Sade-Feldman et al. 2017 Nat Commun 8:1136); JAK1/2 "
              "loss (Zaretsky et al. 2016 NEJM 375:819); IFN-gamma pathway copy loss common in ipilimumab "
              "non-responders (Gao et al. 2016 Cell 167:397)"),
)  # fmt: skip
CHECKPOINT_CORRELATION = Correlation(
    "ctla4_sensitivity", "pd1_rescue", 0.3,
    "assumed: 0.3, the size of the default correlation between the responses to two drugs in "
    "independent-drug-action analyses (Palmer & Sorger 2017 Cell 171:1678; palmerlabunc/clinical-additivity); "
    "here it joins the two sensitivities, and shared axes (PD-L1, infiltration, burden) correlate the "
    "responses further",
)  # fmt: skip

#: Covariates: (centre, variation). Burden's centre comes from the cancer type.
WEIGHT = (
    79.0,
    Variation(
        "weight_kg",
        "lognormal",
        0.22,
        "median 79 kg, 34-168 kg in the nivolumab popPK data set (Bajaj 2017 CPT PSP 6:58)",
    ),
)
HEIGHT = (
    170.0,
    Variation("height_cm", "normal", 9.5, "assumed: adult height mean 170 cm, SD 9.5 cm (mixed-sex adult populations)"),
)
BURDEN = Variation("tumour_cells", "lognormal", 0.8,
                   "assumed: baseline sums of diameters in metastatic trials span ~30-200 mm around a median "
                   "near 70 mm (e.g. CheckMate 067 baseline tumour burden)")  # fmt: skip

#: A target lesion must measure >= 10 mm to be measurable (RECIST 1.1, Eisenhauer 2009, section 3.1).
MIN_LESION_MM = 10.0


@dataclass(frozen=True)
class Population:
    cancer: str
    variations: tuple[Variation, ...] = PARAMETER_VARIATION
    #: Multiplicative shifts of the centres (set by calibration), e.g. {"immunogenicity": 1.4}.
    shifts: dict[str, float] = field(default_factory=dict)
    #: Model parameters set for every patient (set by calibration), e.g. {"ctla4_priming_gain": 3.1}.
    overrides: dict[str, float] = field(default_factory=dict)
    #: Plausible tumour doubling times, as multiples of the cancer type's median.
    doubling_range: tuple[float, float] = (0.25, 4.0)
    calibrated_to: tuple[str, ...] = ()
    #: A Parquet file of selected virtual patients (:mod:`iosim.trials.vpop`); trials draw patients
    #: from it instead of from the parametric spreads. Relative paths are relative to the population file.
    pool: str | None = None
    #: How trial patients map to pool rows: "resample" (seeded draw with replacement) or "identity"
    #: (patient i is row i; used while selecting).
    pool_order: Literal["resample", "identity"] = "resample"
    #: Seed of the lesions (anatomy) of pool patients, so they keep their lesions in every trial.
    anatomy_seed: int | None = None
    lesions: LesionModel = field(default_factory=LesionModel)
    #: How the pool was selected (counts, goodness of fit per target); informational.
    selection: dict[str, object] = field(default_factory=dict)
    #: Correlated pairs of varied parameters (e.g. the two checkpoint sensitivities).
    correlations: tuple[Correlation, ...] = ()

    def __post_init__(self) -> None:
        _check_correlations(self.correlations, self.variations)

    def with_shifts(self, **shifts: float) -> Population:
        return replace(self, shifts={**self.shifts, **shifts})

    def sample(self, seed: int, patients: np.ndarray) -> pd.DataFrame:
        """One row per patient: covariates, parameter values and the attempt that was kept."""
        if self.pool is not None:
            return self._from_pool(seed, patients)
        return self._parametric(seed, patients)

    def _from_pool(self, seed: int, patients: np.ndarray) -> pd.DataFrame:
        pool = read_pool(self.pool)
        patients = np.asarray(patients, dtype=np.int64)
        if self.pool_order == "identity":
            if patients.size and (patients.min() < 0 or patients.max() >= len(pool)):
                raise InputError(f"population pool {self.pool} has {len(pool)} patients; patient ids exceed it")
            rows = patients
        else:
            rows = np.minimum((uniforms(seed, patients, _POOL_STREAM) * len(pool)).astype(np.int64), len(pool) - 1)
        picked = pool.iloc[rows].reset_index(drop=True)
        df = picked.drop(columns=["source_patient"]).copy()
        df.insert(0, "patient", patients)
        df["draw_attempt"] = 0
        df["anatomy_id"] = picked["source_patient"].to_numpy(dtype=np.int64)
        return df

    def _parametric(self, seed: int, patients: np.ndarray) -> pd.DataFrame:
        from iosim.cancers import get_cancer

        ct = get_cancer(self.cancer)
        centres = {**_model_defaults(), **ct.model_parameters(), **self.overrides}
        for name in self.shifts:
            if name not in centres and name != "tumour_cells":
                raise InputError(f"population shift for unknown parameter {name!r}")
        for v in self.variations:
            if v.name not in centres:
                raise InputError(f"population variation of unknown parameter {v.name!r}")
        burden = ct.tumour_cells.value * self.shifts.get("tumour_cells", 1.0)
        patients = np.asarray(patients, dtype=np.int64)
        n = patients.size
        chosen = np.full(n, -1)
        out: dict[str, np.ndarray] = {}
        min_cells = _min_measurable_cells()
        g0 = ct.growth_rate
        for attempt in range(MAX_ATTEMPTS):
            todo = chosen < 0
            if not todo.any():
                break
            ids = patients[todo]
            base = attempt * 64
            draw: dict[str, np.ndarray] = {}
            z = {v.name: normals(seed, ids, base + j) for j, v in enumerate(self.variations)}
            for c in self.correlations:
                z[c.second] = c.rho * z[c.first] + math.sqrt(max(1.0 - c.rho**2, 0.0)) * z[c.second]
            for v in self.variations:
                centre = centres[v.name] * self.shifts.get(v.name, 1.0)
                draw[v.name] = _transform(v, centre, z[v.name])
            draw["weight_kg"] = _transform(WEIGHT[1], WEIGHT[0], normals(seed, ids, base + 40))
            draw["height_cm"] = _transform(HEIGHT[1], HEIGHT[0], normals(seed, ids, base + 41))
            draw["tumour_cells"] = _transform(BURDEN, burden, normals(seed, ids, base + 42))
            # a population that does not vary the growth rate gives every patient the (shifted) centre
            growth = draw.get("growth_rate", centres["growth_rate"] * self.shifts.get("growth_rate", 1.0))
            dt_ratio = g0 / growth
            ok = (
                (dt_ratio >= self.doubling_range[0]) & (dt_ratio <= self.doubling_range[1])
                & (draw["tumour_cells"] >= min_cells) & (draw["tumour_cells"] < 3e11)
                & (draw["weight_kg"] > 30) & (draw["height_cm"] > 130)
            )  # fmt: skip
            if attempt == MAX_ATTEMPTS - 1:
                ok[:] = True  # keep the last draw rather than lose the patient; rare by construction
            idx = np.flatnonzero(todo)[ok]
            for k, arr in draw.items():
                out.setdefault(k, np.full(n, np.nan))[idx] = arr[ok]
            chosen[idx] = attempt
        df = pd.DataFrame({"patient": patients, **out, "draw_attempt": chosen})
        return df

    def to_dict(self) -> dict:
        return {
            "cancer": self.cancer,
            "shifts": {k: float(v) for k, v in self.shifts.items()},
            "overrides": {k: float(v) for k, v in self.overrides.items()},
            "doubling_range": list(self.doubling_range),
            "calibrated_to": list(self.calibrated_to),
            **({"pool": self.pool, "anatomy_seed": self.anatomy_seed} if self.pool else {}),
            **({"selection": self.selection} if self.selection else {}),
            "variations": [
                {"name": v.name, "kind": v.kind, "spread": v.spread, "source": v.source} for v in self.variations
            ],
            **(
                {"correlations": [
                    {"between": [c.first, c.second], "rho": c.rho, "source": c.source} for c in self.correlations
                ]}
                if self.correlations else {}
            ),
        }  # fmt: skip

    def save(self, path: str | Path) -> None:
        Path(path).write_text(yaml.safe_dump(self.to_dict(), sort_keys=False), encoding="utf-8")


#: Largest population file accepted (a saved population is about 2 kB).
MAX_POPULATION_BYTES = 1_000_000
_KEYS = ("cancer", "shifts", "overrides", "doubling_range", "calibrated_to", "variations", "pool", "anatomy_seed",
         "selection", "correlations")  # fmt: skip
#: Widest spread accepted, on the log, logit or natural scale (``exp(10 * z)`` already spans
#: twenty orders of magnitude between z = -2 and z = 2).
MAX_SPREAD = 10.0


def load_population(path: str | Path) -> Population:
    """Read a population saved by :meth:`Population.save` (or written by hand in that form).

    Every value is checked here, so that a malformed file fails when it is read, with the
    field named, rather than as NaN patients later."""
    path = Path(path)
    data = load_yaml(path, "population file", MAX_POPULATION_BYTES)
    return _population_from(data, repr(str(path)[:200]), path.parent)


def _population_from(data: object, shown: str, base: Path | None = None) -> Population:
    def fail(what: str) -> InputError:
        return InputError(f"population file {shown}: {what}")

    if not isinstance(data, dict):
        raise fail(f"expected a mapping with {', '.join(_KEYS)}")
    unknown = sorted(str(k) for k in data if k not in _KEYS)
    if unknown:
        raise fail(f"unknown field {unknown[0]!r}; use {', '.join(_KEYS)}")
    cancer = data.get("cancer")
    if not isinstance(cancer, str):
        raise fail("'cancer' must be a cancer id (see `iosim cancers`)")

    def number(field: str, value: object, lo: float, hi: float) -> float:
        # YAML 1.1 reads 1e-3 (no dot) as text: accept numbers written that way too.
        try:
            x = float(value) if isinstance(value, (int, float, str)) and not isinstance(value, bool) else math.nan
        except ValueError:
            x = math.nan
        if not lo <= x <= hi:
            raise fail(f"{field} must be a number in [{lo:g}, {hi:g}], got {value!r}"[:300])
        return x

    def mapping(field: str, lo: float, hi: float) -> dict[str, float]:
        values = data.get(field) or {}
        if not isinstance(values, dict):
            raise fail(f"'{field}' must be a mapping of parameter names to numbers")
        return {str(k): number(f"{field} {str(k)!r}", v, lo, hi) for k, v in values.items()}

    # Shifts multiply a centre: positive; 1e-6..1e6 spans any calibration (which moves centres
    # by factors of a few) with room, and keeps shifted centres finite.
    shifts = mapping("shifts", 1e-6, 1e6)
    # Overrides are model parameter values: none comes near 1e30, and sampled values stay finite.
    overrides = mapping("overrides", -1e30, 1e30)
    rng = data.get("doubling_range", [0.25, 4.0])
    if not (isinstance(rng, (list, tuple)) and len(rng) == 2):
        raise fail("'doubling_range' must be [low, high], multiples of the median doubling time")
    lo, hi = (number("doubling_range", v, 1e-6, 1e6) for v in rng)
    if not lo < hi:
        raise fail(f"'doubling_range' needs low < high, got [{lo:g}, {hi:g}]")
    calibrated = data.get("calibrated_to") or []
    if isinstance(calibrated, str):
        calibrated = [calibrated]
    if not (isinstance(calibrated, list) and all(isinstance(c, str) for c in calibrated)):
        raise fail("'calibrated_to' must be a list of text lines")
    raw = data.get("variations") or []
    if not isinstance(raw, list):
        raise fail("'variations' must be a list of {name, kind, spread, source}")
    variations = []
    for k, v in enumerate(raw):
        if not (isinstance(v, dict) and set(v) == {"name", "kind", "spread", "source"}):
            raise fail(f"variations[{k}] must have exactly the fields name, kind, spread, source")
        if not (isinstance(v["name"], str) and v["kind"] in KINDS):
            raise fail(f"variations[{k}]: name is a parameter name and kind is one of {', '.join(KINDS)}")
        # a bernoulli variation's spread is the share of patients with value 1
        top = 1.0 if v["kind"] == "bernoulli" else MAX_SPREAD
        spread = number(f"variations[{k}].spread", v["spread"], 0.0, top)
        variations.append(Variation(v["name"], v["kind"], spread, str(v["source"])))
    pool = data.get("pool")
    anatomy_seed = data.get("anatomy_seed")
    if pool is not None:
        if not isinstance(pool, str) or not pool.endswith(".parquet"):
            raise fail("'pool' must be the name of a .parquet file of virtual patients (iosim vpop select)")
        if base is not None and not Path(pool).is_absolute():
            pool = str(base / pool)
        if not (isinstance(anatomy_seed, int) and not isinstance(anatomy_seed, bool) and 0 <= anatomy_seed < 2**63):
            raise fail("a population with a 'pool' needs 'anatomy_seed', the whole-number seed it was selected with")
    elif anatomy_seed is not None:
        raise fail("'anatomy_seed' belongs to a population with a 'pool'; remove it")
    selection = data.get("selection") or {}
    if not isinstance(selection, dict):
        raise fail("'selection' must be a mapping (written by iosim vpop select)")
    raw = data.get("correlations") or []
    if not isinstance(raw, list):
        raise fail("'correlations' must be a list of {between: [NAME, NAME], rho, source}")
    correlations = []
    for k, c in enumerate(raw):
        if not (isinstance(c, dict) and set(c) == {"between", "rho", "source"}):
            raise fail(f"correlations[{k}] must have exactly the fields between, rho, source")
        pair = c["between"]
        if not (isinstance(pair, list) and len(pair) == 2 and all(isinstance(x, str) for x in pair)):
            raise fail(
                f"correlations[{k}].between must name two varied parameters, e.g. [ctla4_sensitivity, pd1_rescue]"
            )
        rho = number(f"correlations[{k}].rho", c["rho"], -1.0, 1.0)
        correlations.append(Correlation(pair[0], pair[1], rho, str(c["source"])))
    try:
        _check_correlations(tuple(correlations), tuple(variations) or PARAMETER_VARIATION)
    except InputError as e:
        raise fail(str(e)) from None
    return Population(
        cancer=cancer,
        variations=tuple(variations) or PARAMETER_VARIATION,
        shifts=shifts,
        overrides=overrides,
        doubling_range=(lo, hi),
        calibrated_to=tuple(calibrated),
        pool=pool,
        anatomy_seed=anatomy_seed,
        selection=selection,
        correlations=tuple(correlations),
    )


def _check_correlations(correlations: tuple[Correlation, ...], variations: tuple[Variation, ...]) -> None:
    """Each correlation joins two different parameters the population varies, each in one pair at most."""
    varied = {v.name for v in variations}
    seen: set[str] = set()
    for c in correlations:
        if c.first == c.second:
            raise InputError(f"correlation of {c.first} with itself; name two different parameters")
        for name in (c.first, c.second):
            if name not in varied:
                raise InputError(f"correlation between {c.first} and {c.second}: {name} is not varied; "
                                 "add it to the population's variations")  # fmt: skip
            if name in seen:
                raise InputError(f"{name} is in two correlations; correlate each parameter with one other at most")
            seen.add(name)
        if not -1.0 <= c.rho <= 1.0:
            raise InputError(f"correlation rho={c.rho} between {c.first} and {c.second} must lie in [-1, 1]")


@functools.lru_cache(maxsize=4)
def read_pool(path: str) -> pd.DataFrame:
    """The virtual patients of a pool file (read once per process)."""
    try:
        df = pd.read_parquet(path)
    except (OSError, ValueError) as e:
        raise InputError(f"cannot read population pool {path}: {str(e).splitlines()[0][:200]}") from None
    if "source_patient" not in df or len(df) == 0:
        raise InputError(f"population pool {path}: expected a non-empty table with a 'source_patient' column")
    return df


@functools.lru_cache(maxsize=1)
def _model_defaults() -> dict[str, float]:
    """Default values of the core model's parameters: the centre of a varied parameter that the cancer
    type does not set (e.g. ``mab_adcc`` in a population file), unless the population overrides it."""
    from iosim.models import get_model

    return {p.name: p.value for p in get_model("core").parameters}


def _transform(v: Variation, centre: float, z: np.ndarray) -> np.ndarray:
    if v.kind == "bernoulli":
        return (z < ndtri(min(max(v.spread, 0.0), 1.0))).astype(float)
    if v.kind == "lognormal":
        return centre * np.exp(v.spread * z)
    if v.kind == "logitnormal":
        c = min(max(centre, 1e-6), 1 - 1e-6)
        logit = math.log(c / (1 - c)) + v.spread * z
        return 1.0 / (1.0 + np.exp(-logit))
    return centre + v.spread * z


def _min_measurable_cells() -> float:
    """Burden at which each target lesion measures ``MIN_LESION_MM`` (the core model's diameter mapping)."""
    from iosim.models._core_parts import CELLS_PER_CM3, TARGET_LESIONS

    volume_cm3 = math.pi / 6.0 * (MIN_LESION_MM / 10.0) ** 3
    return volume_cm3 * CELLS_PER_CM3 * TARGET_LESIONS
