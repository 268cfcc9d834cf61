"""Running cases of the SBML Test Suite (semantic, time-course) through iosim.

A case directory ``NNNNN/`` holds ``NNNNN-sbml-lXvY.xml`` files, ``NNNNN-settings.txt``
(start, duration, steps, variables, absolute and relative tolerances, which species are
reported as amounts or concentrations), ``NNNNN-results.csv`` and, in the full suite,
``NNNNN-model.m`` with the case's tags. A copy without ``model.m`` files carries the tags in
``tags.tsv`` beside the case folders. A point passes when
``|expected - simulated| <= absolute + relative * |expected|``.

The pure-ODE cases are the time courses whose tags name no events, delays, algebraic rules,
fast reactions, priorities, random event order, ``rateOf``, ``avogadro``,
``stoichiometryMath`` or SBML package (934 cases in release 3.4.0).
"""

from __future__ import annotations

import csv
import math
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from iosim.errors import IosimError
from iosim.model.declaration import Output
from iosim.sbml.errors import UnsupportedSBMLError

#: Component tags of features outside a pure ODE model.
NON_ODE_COMPONENTS = frozenset(
    {
        "EventNoDelay",
        "EventWithDelay",
        "EventPriority",
        "AlgebraicRule",
        "CSymbolDelay",
        "CSymbolRateOf",
        "CSymbolAvogadro",
        "StoichiometryMath",
    }
)
#: Test tags of features outside a pure ODE model.
NON_ODE_TESTS = frozenset(
    {"FastReaction", "MultipleFastReactions", "DelayInTrigger", "DelayInEventAssignment", "RandomEventExecution"}
)


@dataclass(frozen=True)
class CaseTags:
    components: frozenset[str]
    tests: frozenset[str]
    test_type: str = "TimeCourse"

    @property
    def all(self) -> frozenset[str]:
        return self.components | self.tests

    @property
    def pure_ode(self) -> bool:
        return (
            self.test_type == "TimeCourse"
            and not (self.components & NON_ODE_COMPONENTS or self.tests & NON_ODE_TESTS)
            and not any(":" in t for t in self.all)
        )


@dataclass(frozen=True)
class Settings:
    start: float
    duration: float
    steps: int
    variables: tuple[str, ...]
    absolute: float
    relative: float
    amount: frozenset[str]
    concentration: frozenset[str]


@dataclass(frozen=True)
class CaseResult:
    case: str
    #: "pass", "fail" (numbers differ), "unsupported" (typed import error) or "error".
    status: str
    tags: frozenset[str] = frozenset()
    message: str = ""
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return self.status == "pass"


@dataclass(frozen=True)
class SuiteReport:
    results: tuple[CaseResult, ...] = field(default_factory=tuple)

    @property
    def passed(self) -> int:
        return sum(r.passed for r in self.results)

    @property
    def failed(self) -> tuple[CaseResult, ...]:
        return tuple(r for r in self.results if not r.passed)

    def by_tag(self) -> dict[str, tuple[int, int]]:
        """Tag -> (passed, not passed), over the cases carrying that tag."""
        out: dict[str, list[int]] = {}
        for r in self.results:
            for tag in r.tags:
                row = out.setdefault(tag, [0, 0])
                row[0 if r.passed else 1] += 1
        return {k: (v[0], v[1]) for k, v in sorted(out.items())}


def _tag_list(text: str) -> frozenset[str]:
    return frozenset(x.strip() for x in text.split(",") if x.strip())


def _tags_index(root: Path) -> dict[str, CaseTags]:
    index = root / "tags.tsv"
    out: dict[str, CaseTags] = {}
    if index.is_file():
        for line in index.read_text().splitlines()[1:]:
            case, ctype, comps, tests = (line.split("\t") + ["", "", ""])[:4]
            out[case] = CaseTags(_tag_list(comps), _tag_list(tests), ctype or "TimeCourse")
    return out


def case_tags(case_dir: Path, index: dict[str, CaseTags] | None = None) -> CaseTags:
    case = case_dir.name
    model_m = case_dir / f"{case}-model.m"
    if model_m.is_file():
        text = model_m.read_text(errors="replace")

        def field_(key: str) -> str:
            m = re.search(rf"^{key}:(.*)$", text, re.M)
            return m.group(1).strip() if m else ""

        return CaseTags(_tag_list(field_("componentTags")), _tag_list(field_("testTags")), field_("testType"))
    if index is not None and case in index:
        return index[case]
    return CaseTags(frozenset(), frozenset(), "unknown")


def read_settings(path: Path) -> Settings:
    values: dict[str, str] = {}
    for line in path.read_text().splitlines():
        if ":" in line:
            key, _, value = line.partition(":")
            values[key.strip()] = value.strip()

    def names(key: str) -> tuple[str, ...]:
        return tuple(x.strip() for x in values.get(key, "").split(",") if x.strip())

    return Settings(
        start=float(values.get("start", 0) or 0),
        duration=float(values["duration"]),
        steps=int(float(values["steps"])),
        variables=names("variables"),
        absolute=float(values.get("absolute", 0) or 0),
        relative=float(values.get("relative", 0) or 0),
        amount=frozenset(names("amount")),
        concentration=frozenset(names("concentration")),
    )


def best_sbml_file(case_dir: Path) -> Path | None:
    """The case's SBML file of the highest level and version."""
    found = []
    for f in case_dir.glob(f"{case_dir.name}-sbml-l*v*.xml"):
        m = re.search(r"-sbml-l(\d+)v(\d+)\.xml$", f.name)
        if m:
            found.append(((int(m.group(1)), int(m.group(2))), f))
    return max(found)[1] if found else None


def parse_cases(spec: str | None) -> set[int] | None:
    """``"1-100,200"`` -> {1, ..., 100, 200}; None or "" -> None (all cases)."""
    if not spec:
        return None
    out: set[int] = set()
    for part in spec.split(","):
        part = part.strip()
        if not part:
            continue
        lo, _, hi = part.partition("-")
        try:
            a, b = int(lo), int(hi or lo)
        except ValueError:
            from iosim.errors import InputError

            raise InputError(f"case range {part!r} is not like 1-100 or 42") from None
        out.update(range(a, b + 1))
    return out


def case_dirs(root: str | Path, cases: Iterable[int] | None = None, *, pure_ode: bool = True) -> list[Path]:
    root = Path(root)
    if (root / "semantic").is_dir():
        root = root / "semantic"
    wanted = None if cases is None else set(cases)
    index = _tags_index(root)
    out = []
    for d in sorted(p for p in root.iterdir() if p.is_dir() and p.name.isdigit()):
        if wanted is not None and int(d.name) not in wanted:
            continue
        if pure_ode and not case_tags(d, index).pure_ode:
            continue
        out.append(d)
    return out


def run_case(case_dir: str | Path, *, rtol: float = 1e-10, atol: float = 1e-12) -> CaseResult:
    """Import, simulate and compare one case; never raises for a failing case."""
    from iosim.sbml.reader import import_sbml
    from iosim.simulation import SaveAt, SolverOptions, simulate

    case_dir = Path(case_dir)
    case = case_dir.name
    tags = case_tags(case_dir, _tags_index(case_dir.parent)).all
    t0 = time.perf_counter()

    def result(status: str, message: str = "") -> CaseResult:
        return CaseResult(case, status, tags, message, time.perf_counter() - t0)

    sbml = best_sbml_file(case_dir)
    if sbml is None:
        return result("error", "no SBML file")
    settings = read_settings(case_dir / f"{case}-settings.txt")
    header, expected = _read_results(case_dir / f"{case}-results.csv")
    try:
        imp = import_sbml(sbml)
        outputs = []
        for i, var in enumerate(header[1:]):
            if var in settings.concentration and var in imp.concentrations:
                e = imp.concentrations[var]
            elif var in settings.amount and var in imp.amounts:
                e = imp.amounts[var]
            elif var in imp.symbols:
                e = imp.symbols[var]
            else:
                return result("error", f"variable {var} is not in the model")
            outputs.append(Output(f"_suite_{i}", e, ""))
        model = replace(imp.model, outputs=imp.model.outputs + tuple(outputs))
        times = expected[:, 0]
        with np.errstate(all="ignore"):  # cases that expect inf or NaN compute them on purpose
            sim = simulate(
                model,
                float(times[-1]),
                t_start=float(times[0]),
                saveat=SaveAt(ts=tuple(times)),
                solver=SolverOptions(rtol=rtol, atol=atol, extinction=False),
                regimen=imp.regimen,
            )
    except UnsupportedSBMLError as e:
        return result("unsupported", str(e))
    except (IosimError, ArithmeticError, ValueError, TypeError) as e:
        return result("error", f"{type(e).__name__}: {e}")
    if not sim.ok:
        return result("fail", sim.message)
    got = sim.outputs[:, -len(outputs) :]
    want = expected[:, 1:]
    with np.errstate(invalid="ignore"):
        bad = ~(
            (np.abs(want - got) <= settings.absolute + settings.relative * np.abs(want))
            | (np.isnan(want) & np.isnan(got))
            | (np.isinf(want) & (want == got))
        )
    if bad.any():
        i, j = np.argwhere(bad)[0]
        return result("fail", f"{header[j + 1]} at t={times[i]:g}: expected {want[i, j]:.8g}, got {got[i, j]:.8g}")
    return result("pass")


def _read_results(path: Path) -> tuple[list[str], np.ndarray]:
    with path.open(newline="") as f:
        rows = list(csv.reader(f))
    header = [h.strip() for h in rows[0]]
    data = np.array([[_float(x) for x in row] for row in rows[1:] if row], dtype=float)
    return header, data


def _float(text: str) -> float:
    t = text.strip()
    low = t.lower()
    if low in ("inf", "+inf", "infinity"):
        return math.inf
    if low in ("-inf", "-infinity"):
        return -math.inf
    if low == "nan":
        return math.nan
    return float(t)


def run_suite(
    root: str | Path, cases: Iterable[int] | None = None, *, pure_ode: bool = True, progress=None
) -> SuiteReport:
    """Run every pure-ODE case under ``root`` (optionally only ``cases``; with
    ``pure_ode=False`` every time course, the others mostly reported as unsupported)."""
    results = []
    for d in case_dirs(root, cases, pure_ode=pure_ode):
        if not pure_ode and case_tags(d, _tags_index(d.parent)).test_type != "TimeCourse":
            continue
        results.append(run_case(d))
        if progress is not None:
            progress(results[-1])
    return SuiteReport(tuple(results))
