"""The YAML format of built-in cycle definitions (`schedules/*.yaml`).

A file has optional `defaults` (level, actor, timezone, tags, ...) and a list of
`cycles`. Each cycle has a stable `id`, what it is (title, level, actor, kind, tags),
where the facts come from (`sources`, `certainty`) and exactly one date shape under
`when`. A file may also define `templates` (cycles written once with `{variable}`
placeholders, e.g. the Local Government Act's budget cycle) and `instances` that apply a
template to one actor each; `calsync.cycles.templates` turns those into ordinary cycles.
`schedules/README.md` documents the format with examples.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from calsync.configtypes import Localized, StrictModel, Text, check_timezone
from calsync.durations import Duration
from calsync.model import Status

__all__ = [
    "Condition",
    "CycleDefaults",
    "CycleEntry",
    "CycleFile",
    "HolidaysSpec",
    "Instance",
    "RelativeSpec",
    "SourceRef",
    "StepSpec",
    "Template",
    "TemplateDefaults",
    "When",
    "WindowSpec",
]

_MONTH_DAY = re.compile(r"^--(\d\d)-(\d\d)$")
_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
_ID = re.compile(r"^[A-Za-z0-9{}][A-Za-z0-9_.{}-]*$")
PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
# Filled per occurrence when a cycle is expanded (titles and attrs); everything else in
# braces is a template variable, allowed only inside `templates:`.
YEAR_PLACEHOLDERS = frozenset({"year", "next_year", "prev_year"})

Precision = Literal["exact", "no_later_than", "approximate", "observed", "target"]
LegalStatus = Literal["in_force", "proposed", "political_target", "observed_practice",
                      "historical", "convention"]
Certainty = Literal["high", "medium", "low"]


class SourceRef(StrictModel):
    """Where a fact comes from: a URL (or a repository path) and what it says."""

    url: str | None = None
    repo: str | None = None
    path: str | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _has_target(self) -> SourceRef:
        if not (self.url or self.repo):
            raise ValueError("a source needs a 'url' (or a 'repo' and 'path')")
        return self

    def __str__(self) -> str:
        where = self.url or f"{self.repo}:{self.path or ''}"
        return f"{where} ({self.note})" if self.note else where


def parse_month_day(value: str) -> tuple[int, int]:
    match = _MONTH_DAY.match(value)
    if not match:
        raise ValueError(f"expected a yearly date as '--MM-DD' (e.g. '--06-01'), got {value!r}")
    month, day = int(match.group(1)), int(match.group(2))
    dt.date(2000, month, day)  # validates, 2000 being a leap year
    return month, day


class WindowSpec(StrictModel):
    """A yearly window such as "late April" (`from: --04-20`, `to: --05-10`).

    `to` before `from` wraps into the next year (Christmas: --12-23 to --01-06).
    """

    from_: str = Field(alias="from")
    to: str

    @field_validator("from_", "to")
    @classmethod
    def _md(cls, value: str) -> str:
        parse_month_day(value)
        return value


class RelativeSpec(StrictModel):
    """Each occurrence of cycle `to`, moved by `offset` (ISO-8601, may be negative)."""

    to: str
    offset: Duration


class HolidaysSpec(StrictModel):
    """Public holidays computed by the `holidays` package."""

    country: str = "SE"
    categories: list[str] = Field(default_factory=lambda: ["public", "de_facto"])
    language: str | None = None


class When(StrictModel):
    """Exactly one date shape; `time`, `duration`, `since` and `until` refine some of them."""

    date: dt.date | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    rrule: str | None = None
    dtstart: dt.date | None = None
    window: WindowSpec | None = None
    dates: list[dt.date] | None = None
    relative: RelativeSpec | None = None
    holidays: HolidaysSpec | None = None
    time: str | None = Field(None, description="Wall-clock 'HH:MM' for a timed event.")
    duration: Duration | None = None
    since: int | None = Field(None, description="First year a window applies.")
    until: int | None = Field(None, description="Last year a window applies.")

    @model_validator(mode="after")
    def _exactly_one(self) -> When:
        shapes = [name for name in ("date", "start", "rrule", "window", "dates", "relative",
                                    "holidays") if getattr(self, name) is not None]
        if len(shapes) != 1:
            got = ", ".join(shapes) if shapes else "none"
            raise ValueError("give exactly one of date, start/end, rrule (+dtstart), window, "
                             f"dates, relative, holidays (got {got})")
        shape = shapes[0]
        if shape == "start" and self.end is None:
            raise ValueError("a period needs both 'start' and 'end' (inclusive)")
        if self.end is not None and shape != "start":
            raise ValueError("'end' belongs to a start/end period")
        if shape == "start" and self.end is not None and self.start is not None \
                and self.end < self.start:
            raise ValueError(f"period ends ({self.end}) before it starts ({self.start})")
        if shape == "rrule" and self.dtstart is None:
            raise ValueError("an rrule needs a 'dtstart' date")
        if self.dtstart is not None and shape != "rrule":
            raise ValueError("'dtstart' belongs to an rrule")
        if (self.since is not None or self.until is not None) and shape != "window":
            raise ValueError("'since' and 'until' belong to a window")
        if self.time is not None:
            if not _TIME.match(self.time):
                raise ValueError(f"time must be 'HH:MM' (24h), got {self.time!r}")
            if shape not in ("date", "rrule", "dates", "relative"):
                raise ValueError("'time' applies to date, rrule, dates or relative")
        if self.rrule is not None and self.dtstart is not None:
            _check_rrule(self.rrule, self.dtstart)
        return self

    @property
    def shape(self) -> str:
        for name in ("date", "start", "rrule", "window", "dates", "relative", "holidays"):
            if getattr(self, name) is not None:
                return name
        raise AssertionError("validated When has a shape")


def _check_rrule(text: str, dtstart: dt.date) -> None:
    from dateutil.rrule import rrulestr

    if "DTSTART" in text.upper():
        raise ValueError("put the start in 'dtstart', not inside the rrule")
    start = dt.datetime.combine(dtstart, dt.time(0))
    try:
        rule = rrulestr(text, dtstart=start)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"not a valid RFC 5545 RRULE ({exc}): {text!r}") from None
    if rule.after(start, inc=True) is None:
        raise ValueError(f"not a valid RFC 5545 RRULE: it never occurs (check BYMONTH, "
                         f"BYMONTHDAY and BYDAY values): {text!r}")


class Condition(StrictModel):
    """Keep only occurrences in years when cycle X occurs (or does not)."""

    in_years_of: str | None = None
    not_in_years_of: str | None = None

    @model_validator(mode="after")
    def _one(self) -> Condition:
        if (self.in_years_of is None) == (self.not_in_years_of is None):
            raise ValueError("give exactly one of 'in_years_of' or 'not_in_years_of'")
        return self

    @property
    def reference(self) -> str:
        return self.in_years_of or self.not_in_years_of or ""


class CycleDefaults(StrictModel):
    level: str | None = None
    actor: str | None = None
    kind: str | None = None
    timezone: str | None = None
    tags: list[str] = Field(default_factory=list)
    calendar: str = Field("SE", description="Country whose working days `shift` uses.")

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str | None) -> str | None:
        return None if value is None else check_timezone(value)


StepRole = Literal["expected", "deadline"]


class StepSpec(StrictModel):
    """Which step of whose process a cycle is an expectation about.

    The organisation is the cycle's actor; with `process`, `step` and `period` it names
    one step (Umeå kommun · budget · council-adoption · 2028). An event from a connector
    with the same four values (set by mapping) is the *actual* step and supersedes an
    `expected` cycle (a typical date or window); a `deadline` (a statutory limit) is a
    constraint the actual step is checked against, never superseded and never a
    substitute for it. Default role: `deadline` when `precision: no_later_than`.
    """

    process: str
    step: str
    period: str
    role: StepRole | None = None

    @field_validator("period")
    @classmethod
    def _period(cls, value: str, info: ValidationInfo) -> str:
        if not (info.context or {}).get("template"):
            unknown = sorted(set(PLACEHOLDER.findall(value)) - YEAR_PLACEHOLDERS)
            if unknown:
                raise ValueError(f"unknown placeholder {{{unknown[0]}}}: a period may use "
                                 "{year}, {next_year} and {prev_year}")
        return value


class CycleEntry(StrictModel):
    """One cycle: a dated thing that recurs or happened, with its provenance."""

    id: str
    title: Text = Field(description="A plain string, or both languages: {sv: ..., en: ...}.")
    level: str | None = None
    actor: str | None = None
    kind: str | None = None
    when: When
    shift: Literal["next_working_day"] | None = None
    condition: Condition | None = None
    status: Status | None = None
    precision: Precision = "exact"
    legal_status: LegalStatus = "in_force"
    certainty: Certainty = "high"
    tags: list[str] = Field(default_factory=list)
    description: Text = ""
    url: str | None = None
    location: str | None = None
    attrs: dict[str, str] = Field(default_factory=dict)
    step: StepSpec | None = Field(None, description="The process step this cycle expects.")
    sources: list[SourceRef] = Field(default_factory=list)
    verify: str | None = Field(None, description="What must still be checked in a source.")
    timezone: str | None = None

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not _ID.match(value):
            raise ValueError(f"ids use letters, digits, '.', '_' and '-' (got {value!r})")
        return value

    @field_validator("attrs", mode="before")
    @classmethod
    def _attrs(cls, value: Any) -> Any:
        return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else value

    @field_validator("title", "attrs")
    @classmethod
    def _placeholders(cls, value: Any, info: ValidationInfo) -> Any:
        if (info.context or {}).get("template"):
            return value  # template variables are checked when an instance applies it
        texts = (value.values() if isinstance(value, dict) else
                 [value.sv, value.en] if isinstance(value, Localized) else [value])
        unknown = sorted({name for text in texts for name in PLACEHOLDER.findall(text)}
                         - YEAR_PLACEHOLDERS)
        if unknown:
            raise ValueError(
                f"unknown placeholder {{{unknown[0]}}}: titles and attrs may use {{year}}, "
                "{next_year} and {prev_year}; other {names} belong in a template")
        return value

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str | None) -> str | None:
        return None if value is None else check_timezone(value)

    def step_attrs(self) -> dict[str, str]:
        """The step identity as attributes (`process`, `step`, `period`, `role`)."""
        if self.step is None:
            return {}
        role = self.step.role or ("deadline" if self.precision == "no_later_than"
                                  else "expected")
        return {"process": self.step.process, "step": self.step.step,
                "period": self.step.period, "role": role}

    def effective_status(self) -> Status:
        if self.status is not None:
            return self.status
        tentative = self.precision in ("approximate", "target") or self.legal_status in (
            "proposed", "political_target")
        return Status.TENTATIVE if tentative else Status.CONFIRMED


def _template_vars(value: Any) -> Any:
    """Variables as strings (`code: 2482` means "2482"); year placeholders are reserved."""
    if not isinstance(value, dict):
        return value
    reserved = sorted(set(map(str, value)) & YEAR_PLACEHOLDERS)
    if reserved:
        raise ValueError(f"variable name {reserved[0]!r} is reserved: {{year}}, {{next_year}} "
                         "and {prev_year} are filled per occurrence")
    return {str(k): str(v) for k, v in value.items()}


class TemplateDefaults(StrictModel):
    """What every cycle of a template gets unless it says otherwise (placeholders allowed).

    `tags` are added to each cycle's tags and `attrs` merged under them, so a template
    can stamp `org: "{org}"` on all its cycles once.
    """

    level: str | None = None
    actor: str | None = None
    kind: str | None = None
    tags: list[str] = Field(default_factory=list)
    attrs: dict[str, str] = Field(default_factory=dict)


class Template(StrictModel):
    """Cycles written once for "every municipality" (or every region), applied per actor.

    `cycles` are ordinary cycle entries whose text may use `{variable}` placeholders;
    `vars` gives default values (which may refer to other variables, `org: kommun-{code}`);
    `include` pulls in the cycles of other templates. Variables and defaults are inherited
    through `include`, the including (more specific) template winning.
    """

    description: str = ""
    vars: dict[str, str] = Field(default_factory=dict)
    include: list[str] = Field(default_factory=list)
    defaults: TemplateDefaults = Field(default_factory=TemplateDefaults)
    cycles: list[dict[str, Any]] = Field(default_factory=list)

    @field_validator("vars", mode="before")
    @classmethod
    def _vars(cls, value: Any) -> Any:
        return _template_vars(value)


class Instance(StrictModel):
    """One actor that a template applies to: its variables and its local differences.

    `skip` leaves out cycles (by their instantiated id), `override` replaces top-level
    keys of a cycle (e.g. its `when`), and `cycles` adds cycles of this actor only; the
    latter two may use the same placeholders as the template.
    """

    template: str
    vars: dict[str, str] = Field(default_factory=dict)
    skip: list[str] = Field(default_factory=list)
    override: dict[str, dict[str, Any]] = Field(default_factory=dict)
    cycles: list[dict[str, Any]] = Field(default_factory=list)

    @field_validator("vars", mode="before")
    @classmethod
    def _vars(cls, value: Any) -> Any:
        return _template_vars(value)


class CycleFile(StrictModel):
    """A whole schedules/*.yaml file."""

    title: str | None = None
    description: str = ""
    defaults: CycleDefaults = Field(default_factory=CycleDefaults)
    cycles: list[CycleEntry] = Field(default_factory=list)
    templates: dict[str, Template] = Field(default_factory=dict)
    instances: list[Instance] = Field(default_factory=list)
