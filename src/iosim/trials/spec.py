"""The trial specification: a validated YAML file.

    name: checkmate067
    cancer: melanoma
    seed: 2015
    patients_per_arm: 3000
    follow_up_months: 36
    assessment_every_weeks: 12          # or [[48, 8], [156, 12]]: every 8 weeks until week 48, ...
    assessment_window_days: 7           # optional: each visit within +-7 days of its date
    arms:
      - name: nivolumab
        therapies: [{drug: nivolumab, regimen: "3mg/kg-q2w"}]
      - name: ipilimumab
        control: true                   # optional: hazard ratios of the other arms are against it
        therapies: [{drug: ipilimumab, regimen: "3mg/kg-q3w-x4"}]

Every error names the field and says how to fix it.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from iosim.errors import InputError
from iosim.files import load_yaml

MAX_SPEC_BYTES = 1_000_000
DAYS_PER_MONTH = 365.25 / 12
#: Shortest interval between assessments (one day): a shorter one only multiplies the rows
#: stored per patient (an interval of 1e-9 weeks would never finish).
MIN_ASSESSMENT_WEEKS = 1.0 / 7.0


class TrialSpecError(InputError):
    """A trial specification is invalid."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TherapySpec(_Strict):
    drug: str
    regimen: str | None = None
    #: Day of the therapy's first dose (its lymphodepletion, for a cell therapy), counted from
    #: randomisation, when follow-up starts. A day after the end of follow-up gives no dose.
    start_day: Annotated[float, Field(ge=0, le=36_525, allow_inf_nan=False)] = 0.0

    @property
    def text(self) -> str:
        return f"{self.drug}:{self.regimen}" if self.regimen else self.drug


class ArmTarget(_Strict):
    """Deprecated: observed results of a real trial arm, shown in the trial's report only.

    Observed results live in the calibration registry (:mod:`iosim.validation`), the only source
    calibration may use. A block given for a registry trial must repeat the registry's values."""

    source: str
    orr: Annotated[float, Field(ge=0, le=1)] | None = None
    cr_rate: Annotated[float, Field(ge=0, le=1)] | None = None
    median_pfs_months: Annotated[float, Field(gt=0, allow_inf_nan=False)] | None = None
    median_os_months: Annotated[float, Field(gt=0, allow_inf_nan=False)] | None = None
    role: Literal["calibrated", "predicted"] = "predicted"
    #: Endpoints the population was fitted to, when only some were (the others are predicted).
    calibrated: list[Literal["orr", "cr_rate", "median_pfs_months", "median_os_months"]] | None = None

    def role_of(self, endpoint: str) -> str:
        if self.calibrated is not None:
            return "calibrated" if endpoint in self.calibrated else "predicted"
        return self.role


class NextLineSpec(_Strict):
    """The published share of an arm's patients given further therapy after progression (e.g. a trial
    paper's "subsequent systemic therapy" row); its effect on survival is the cancer's OS model's."""

    share: Annotated[float, Field(ge=0, le=1)]
    source: Annotated[str, Field(min_length=1, max_length=500)]


class ArmSpec(_Strict):
    name: Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9_.+ -]+$")]
    therapies: list[TherapySpec] = Field(default_factory=list)
    observed: ArmTarget | None = None
    #: The comparator arm: every other arm's hazard ratios in ``summary.csv`` are against it.
    control: bool = False
    #: Dosing stops at the first progression (false), or for the patients treated beyond it at
    #: iRECIST-confirmed progression (true; iosim.trials.course).
    treat_beyond_progression: bool = False
    #: Next-line therapy after progression (iosim.endpoints.tgi_os): who gets it; None: nobody.
    next_line: NextLineSpec | None = None


class TrialSpec(_Strict):
    name: Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9_.-]+$")]
    cancer: str
    seed: Annotated[int, Field(ge=0, lt=2**63)]
    patients_per_arm: Annotated[int, Field(gt=0, le=10_000_000)]
    follow_up_months: Annotated[float, Field(gt=0, le=240)]
    assessment_every_weeks: float | list[tuple[float, float]] = 8.0
    arms: Annotated[list[ArmSpec], Field(min_length=1, max_length=20)]
    #: Response criteria (iosim.endpoints.criteria): recist1.1 (alias recist), irecist, lugano2014,
    #: iwg2007, b_all_remission; left out, the cancer type's default.
    criteria: str | None = None
    confirm_response: bool = True
    population: str | None = None
    #: Trials run the flagship model only (its cancers, drugs and RECIST outputs); the field is
    #: accepted so that a spec can say so explicitly, and any other value is refused.
    model: str = "core"
    #: Store every lesion measurement (table ``lesions``); off for very large trials.
    store_lesions: bool = True
    #: Visit window: each scheduled assessment of each patient falls on a whole day drawn uniformly
    #: within +-this many days of its date (0: exactly on schedule).
    assessment_window_days: Annotated[int, Field(ge=0, le=365)] = 0
    #: Store every dose given (table ``doses``); off for very large trials.
    store_doses: bool = True

    @field_validator("model")
    @classmethod
    def _flagship_only(cls, v: str) -> str:
        if v != "core":
            raise ValueError("trials run the flagship model 'core' only; remove the field or set it to core")
        return v

    @field_validator("criteria")
    @classmethod
    def _known_criteria(cls, v: str | None) -> str | None:
        from iosim.endpoints.criteria import CriteriaError, canonical

        if v is None:
            return v
        try:
            return canonical(v)
        except CriteriaError as e:
            raise ValueError(str(e)) from None

    @model_validator(mode="after")
    def _criteria_fit_cancer(self) -> TrialSpec:
        # Left out, the criteria come from the cancer type (an unknown cancer is reported elsewhere).
        from iosim.cancers import CANCERS
        from iosim.endpoints.criteria import CriteriaError, check_fits

        cancer = CANCERS.get(self.cancer.strip().lower().replace("-", "_"))
        if cancer is None:
            return self
        criteria = self.criteria if self.criteria is not None else cancer.response_criteria
        object.__setattr__(self, "criteria", criteria)
        try:
            check_fits(criteria, cancer.response_criteria)
        except CriteriaError as e:
            raise ValueError(f"field 'criteria': {e}") from None
        return self

    @field_validator("assessment_every_weeks")
    @classmethod
    def _schedule(cls, v: Any) -> Any:
        if isinstance(v, (int, float)):
            if not (math.isfinite(v) and v >= MIN_ASSESSMENT_WEEKS):
                raise ValueError(f"must be a number of weeks of at least {MIN_ASSESSMENT_WEEKS:.4g} (one day)")
            return float(v)
        if not v:
            raise ValueError("give a number of weeks, or a list of [until_week, every_weeks] phases")
        last = 0.0
        for until, every in v:
            if not (math.isfinite(every) and every >= MIN_ASSESSMENT_WEEKS and until > last):
                raise ValueError(
                    "each [until_week, every_weeks] needs every_weeks of at least one day (1/7) and increasing "
                    "until_week"
                )
            last = until
        return v

    @model_validator(mode="after")
    def _unique_arms(self) -> TrialSpec:
        names = [a.name for a in self.arms]
        dup = {n for n in names if names.count(n) > 1}
        if dup:
            raise ValueError(f"arm names must be unique; repeated: {', '.join(sorted(dup))}")
        return self

    @model_validator(mode="after")
    def _one_control(self) -> TrialSpec:
        controls = [a.name for a in self.arms if a.control]
        if len(controls) > 1:
            raise ValueError(f"at most one arm may have control: true; found {', '.join(controls)}")
        return self

    @model_validator(mode="after")
    def _observed_matches_registry(self) -> TrialSpec:
        if any(a.observed is not None for a in self.arms):
            from iosim.validation.registry import check_observed

            check_observed(self)
        return self

    @model_validator(mode="after")
    def _one_assessment(self) -> TrialSpec:
        # RECIST needs a baseline and at least one assessment after it.
        if not self.assessment_weeks():
            raise ValueError(
                "follow_up_months ends before the first tumour assessment; lengthen it or assess more often"
            )
        return self

    @model_validator(mode="after")
    def _window_keeps_order(self) -> TrialSpec:
        # Windows narrower than half of every interval never overlap, so visits keep their order
        # and the first stays after baseline.
        days = [0.0] + [7.0 * w for w in self.assessment_weeks()]
        gap = min(b - a for a, b in zip(days, days[1:]))
        if 2 * self.assessment_window_days >= gap:
            raise ValueError(
                f"assessment_window_days must be less than half the shortest interval between assessments "
                f"({gap:g} days), so visits keep their order; use at most {math.ceil(gap / 2) - 1}"
            )
        return self

    @model_validator(mode="after")
    def _beyond_needs_lesions(self) -> TrialSpec:
        from iosim.endpoints.criteria import MARROW

        if self.criteria in MARROW and any(a.treat_beyond_progression for a in self.arms):
            raise ValueError(
                "field 'treat_beyond_progression': marrow remission criteria have no iRECIST confirmation; "
                "remove it from the arms"
            )
        return self

    @property
    def control_arm(self) -> str | None:
        """Name of the arm marked ``control: true``, or None."""
        return next((a.name for a in self.arms if a.control), None)

    @property
    def response_criteria(self) -> str:
        """The criteria the trial is read by: as given, or the cancer type's default."""
        if self.criteria is None:
            raise TrialSpecError(f"cancer {self.cancer!r} is unknown (no response criteria); see `iosim cancers`")
        return self.criteria

    @property
    def follow_up_days(self) -> float:
        return self.follow_up_months * DAYS_PER_MONTH

    def assessment_weeks(self) -> list[float]:
        """Assessment times in weeks after randomisation, day 0 (baseline excluded; a therapy may start later)."""
        end = self.follow_up_days / 7.0
        schedule = (
            [(end, self.assessment_every_weeks)]
            if isinstance(self.assessment_every_weeks, float)
            else list(self.assessment_every_weeks) + [(end, self.assessment_every_weeks[-1][1])]
        )
        weeks, t, start = [], 0.0, 0.0
        for until, every in schedule:
            t = start
            while t + every <= min(until, end) + 1e-9:
                t += every
                weeks.append(round(t, 6))
            start = t
        return weeks

    def with_patients(self, n: int) -> TrialSpec:
        if n <= 0:
            raise TrialSpecError(f"--patients must be a positive whole number, got {n}")
        return self.model_copy(update={"patients_per_arm": int(n)})


def _printable(text: str) -> str:
    """One line: control characters (a newline in a YAML key) escaped as in Python."""
    return text if text.isprintable() else repr(text)[1:-1]


def _describe(err: ValidationError) -> str:
    first = err.errors()[0]
    where = _printable(".".join(str(p) for p in first["loc"]))
    kind, msg = first["type"], _printable(first["msg"])
    if kind == "value_error":
        msg = msg.removeprefix("Value error, ")
    if not where:  # a check of the whole trial (or of a field against another: it names the field)
        return msg if msg.startswith("field '") else f"trial file: {msg}"
    if kind == "extra_forbidden":
        return f"unknown field '{where}': remove it or check its spelling"
    if kind == "missing":
        return f"missing field '{where}': add it to the trial file"
    return f"field '{where}': {msg}"


def parse_trial_spec(data: Any) -> TrialSpec:
    if not isinstance(data, dict):
        raise TrialSpecError("a trial file must be a YAML mapping with name, cancer, seed, arms, ...")
    try:
        return TrialSpec.model_validate(data)
    except ValidationError as e:
        raise TrialSpecError(_describe(e)) from None


def load_trial_spec(path: str | Path) -> TrialSpec:
    data = load_yaml(Path(path), "trial file", MAX_SPEC_BYTES, TrialSpecError)
    return parse_trial_spec(data)
