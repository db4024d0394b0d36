"""The rule language: named selectors and six rule kinds, as strict pydantic models.

`config.yaml` gets three sections from here (fields on `Config`):

- `selectors:` named `calsync.selectors.Selector`s, reusable across rules (and silences);
- `rules:` a mapping from rule id (the alert's `alertname`) to one rule, whose `kind`
  picks the model: `precedes`, `within`, `no_overlap`, `blackout`, `coverage`, `deadline`;
- `alerts:` (in `calsync.alerts.config`) grouping, receivers and the outbox.

Wherever a rule takes events (`a`, `b`, `relative_to.selector`, ...) it accepts either
the name of a selector or an inline selector. Names are checked across sections by a
cross-check registered in `calsync.rules.checks`, so an unknown name is reported with
its file and line. Durations are ISO-8601 (`P14D`, `P1Y6M`), calendar-aware; dates are
`YYYY-MM-DD`; yearly dates are `--MM-DD`.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainValidator,
    model_validator,
)

from calsync.configtypes import tagged_union
from calsync.durations import Duration, parse_duration
from calsync.selectors import Selector

__all__ = [
    "KNOWN_KINDS",
    "AbsoluteWindow",
    "BlackoutRule",
    "CoverageRule",
    "DeadlineRule",
    "Escalation",
    "Join",
    "MonthDay",
    "NoOverlapRule",
    "PrecedesRule",
    "RelativeWindow",
    "Rule",
    "RuleBase",
    "SelectorRef",
    "Severity",
    "WindowSpec",
    "WithinRule",
    "severity_rank",
]

Severity = Literal["info", "warning", "critical"]
_RANK = {"info": 0, "warning": 1, "critical": 2}


def severity_rank(severity: str) -> int:
    return _RANK.get(severity, 0)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


SelectorRef = str | Selector
"""The name of a selector under `selectors:`, or a selector written inline."""

Point = Literal["start", "end"]
_MONTH_DAY = re.compile(r"^--(\d\d)-(\d\d)$")


def _month_day(value: Any) -> Any:
    if isinstance(value, tuple):
        return value
    if isinstance(value, str):
        match = _MONTH_DAY.match(value.strip())
        if match:
            month, day = int(match.group(1)), int(match.group(2))
            try:
                date(2024, month, day)  # a leap year accepts --02-29
            except ValueError:
                raise ValueError(f"not a day of the year: {value!r}") from None
            return (month, day)
    raise ValueError(f"expected a yearly date such as '--11-30' (month and day), got {value!r}")


MonthDay = Annotated[tuple[int, int], BeforeValidator(_month_day)]
"""A day of every year, written `--MM-DD` (ISO 8601 without the year)."""


class Escalation(_Strict):
    """Raise the severity to `severity` once the due date is at most `before_due` away."""

    before_due: Duration
    severity: Severity


class Join(_Strict):
    """How events of two selectors are paired.

    `keys` names keys both sides share (an attribute such as `programme`, or a field:
    `actor`, `level`, `kind`, `source`; `@year` is the event's year and `@year+1`,
    `@year-1` its neighbours). `a`/`b` give different keys per side, position by
    position. `pick` chooses among the paired events: `all`, the `nearest` in time,
    the `next` one at or after A, or the `previous` one at or before A.
    """

    keys: list[str] = Field(default_factory=list)
    a: list[str] = Field(default_factory=list)
    b: list[str] = Field(default_factory=list)
    pick: Literal["all", "nearest", "next", "previous"] = "all"

    @model_validator(mode="after")
    def _sides(self) -> Join:
        if self.keys and (self.a or self.b):
            raise ValueError("give either 'keys' (the same on both sides) or 'a' and 'b'")
        if len(self.a) != len(self.b):
            raise ValueError(f"'a' and 'b' need the same number of keys "
                             f"({len(self.a)} vs {len(self.b)})")
        return self

    def sides(self) -> tuple[list[str], list[str]]:
        return (self.keys, self.keys) if self.keys else (self.a, self.b)


def _join(value: Any) -> Any:
    if isinstance(value, str):
        if value in ("nearest", "next", "previous", "all"):
            return {"pick": value}
        return {"keys": [value]}
    if isinstance(value, list):
        return {"keys": value}
    return value


JoinSpec = Annotated[Join, BeforeValidator(_join)]


class RuleBase(_Strict):
    """What every rule has: a title, why it exists, how bad a finding is."""

    title: str = ""
    rationale: str = ""
    severity: Severity = "warning"
    escalate: list[Escalation] = Field(
        default_factory=list,
        description="Steps such as [{before_due: P90D, severity: warning}, "
                    "{before_due: P30D, severity: critical}].")
    labels: dict[str, str] = Field(default_factory=dict,
                                   description="Extra alert labels (routing, grouping).")
    enabled: bool = True
    horizon: Duration | None = Field(
        None, description="Only findings due at most this far ahead (e.g. P1Y); "
                          "default: no limit.")
    max_findings: int | None = Field(
        None, ge=1, description="Cap per evaluation (default: alerts.max_findings); "
                                "hitting it is a warning.")

    def selector_refs(self) -> list[tuple[tuple[str | int, ...], SelectorRef]]:
        """(path inside the rule, reference) for every selector the rule uses."""
        raise NotImplementedError


class PrecedesRule(RuleBase):
    """A's `a_point` + `min_lead` <= B's `b_point` (and <= A + `max_lead` when given).

    FS by default (A ends before B starts); `a_point`/`b_point` give SS, FF, SF.
    Events are paired by `join` (keys and/or next/previous/nearest).
    """

    kind: Literal["precedes"]
    a: SelectorRef
    b: SelectorRef
    join: JoinSpec = Field(default_factory=lambda: Join(pick="next"))
    a_point: Point = "end"
    b_point: Point = "start"
    min_lead: Duration | None = None
    max_lead: Duration | None = None

    def selector_refs(self) -> list[tuple[tuple[str | int, ...], SelectorRef]]:
        return [(("a",), self.a), (("b",), self.b)]


class AbsoluteWindow(_Strict):
    """Dates, both inclusive; either may be left open."""

    from_: date | None = Field(None, alias="from")
    to: date | None = None

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="after")
    def _order(self) -> AbsoluteWindow:
        if self.from_ is None and self.to is None:
            raise ValueError("give 'from', 'to' or both")
        if self.from_ is not None and self.to is not None and self.to < self.from_:
            raise ValueError("'to' is before 'from'")
        return self


class RelativeWindow(_Strict):
    """A window around each paired event of `selector`: [anchor + from, anchor + to]."""

    selector: SelectorRef
    join: JoinSpec = Field(default_factory=lambda: Join(pick="nearest"))
    anchor: Point = "start"
    from_: Duration | None = Field(None, alias="from")
    to: Duration | None = None
    to_anchor: Point | None = Field(
        None, description="End the window at this point of the event instead of anchor+to "
                          "(e.g. anchor: start, to_anchor: end = the event's own span).")

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class WithinRule(RuleBase):
    """A's `point` (or whole span) must fall inside an absolute or a relative window."""

    kind: Literal["within"]
    a: SelectorRef
    point: Literal["start", "end", "span"] = "start"
    window: AbsoluteWindow | None = None
    relative_to: RelativeWindow | None = None

    @model_validator(mode="after")
    def _one(self) -> WithinRule:
        if (self.window is None) == (self.relative_to is None):
            raise ValueError("give exactly one of 'window' (dates) or 'relative_to' "
                             "(a selector and offsets)")
        return self

    def selector_refs(self) -> list[tuple[tuple[str | int, ...], SelectorRef]]:
        refs: list[tuple[tuple[str | int, ...], SelectorRef]] = [(("a",), self.a)]
        if self.relative_to is not None:
            refs.append((("relative_to", "selector"), self.relative_to.selector))
        return refs


class NoOverlapRule(RuleBase):
    """Events must not clash: within `a` per `partition`, or `a` against `b` (joined)."""

    kind: Literal["no_overlap"]
    a: SelectorRef
    b: SelectorRef | None = None
    partition: list[str] = Field(default_factory=list)
    min_separation: Duration | None = None

    def selector_refs(self) -> list[tuple[tuple[str | int, ...], SelectorRef]]:
        refs: list[tuple[tuple[str | int, ...], SelectorRef]] = [(("a",), self.a)]
        if self.b is not None:
            refs.append((("b",), self.b))
        return refs


class WindowSpec(_Strict):
    """One source of blackout windows; give exactly one of `selector`, `yearly`,
    `non_working_days`.

    - `selector`: the events themselves, widened by `before`/`after`; with `match`,
      only windows whose keys equal the checked event's keys count;
    - `yearly`: `{from: --07-01, to: --07-31}` every year (`to` inclusive, may wrap
      the new year), or only in the years of `in_years_of`'s events;
    - `non_working_days`: a country code (`SE`): weekends and public holidays.
    """

    name: str = ""
    selector: SelectorRef | None = None
    before: Duration | None = None
    after: Duration | None = None
    match: list[str] = Field(default_factory=list)
    yearly: AbsoluteYearly | None = None
    in_years_of: SelectorRef | None = None
    non_working_days: str | None = None

    @model_validator(mode="after")
    def _one(self) -> WindowSpec:
        given = [k for k in ("selector", "yearly", "non_working_days")
                 if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of 'selector', 'yearly' or 'non_working_days'")
        if self.in_years_of is not None and self.yearly is None:
            raise ValueError("'in_years_of' only goes with 'yearly'")
        return self


class AbsoluteYearly(_Strict):
    from_: MonthDay = Field(alias="from")
    to: MonthDay

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


WindowSpec.model_rebuild()


class BlackoutRule(RuleBase):
    """A must not fall within windows (elections, July, Christmas, non-working days).

    With `min_effective_working_days`, A may touch windows but must keep at least that
    many working days (`country`'s calendar) outside them (a consultation over July).
    """

    kind: Literal["blackout"]
    a: SelectorRef
    point: Literal["start", "end", "span"] = "span"
    windows: list[WindowSpec] = Field(min_length=1)
    min_effective_working_days: int | None = Field(None, ge=1)
    country: str = "SE"

    def selector_refs(self) -> list[tuple[tuple[str | int, ...], SelectorRef]]:
        refs: list[tuple[tuple[str | int, ...], SelectorRef]] = [(("a",), self.a)]
        for i, window in enumerate(self.windows):
            if window.selector is not None:
                refs.append((("windows", i, "selector"), window.selector))
            if window.in_years_of is not None:
                refs.append((("windows", i, "in_years_of"), window.in_years_of))
        return refs


class SpanSpec(_Strict):
    """What must be covered: dates (`from`/`to`, inclusive) or each event of `selector`."""

    from_: date | None = Field(None, alias="from")
    to: date | None = None
    selector: SelectorRef | None = None
    join: JoinSpec | None = None

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="after")
    def _one(self) -> SpanSpec:
        dates = self.from_ is not None and self.to is not None
        if dates == (self.selector is not None):
            raise ValueError("give either 'from' and 'to' (dates) or 'selector'")
        if self.from_ is not None and self.to is not None and self.to < self.from_:
            raise ValueError("'to' is before 'from'")
        return self


class CoverageRule(RuleBase):
    """The events of `a` (per `partition`) must leave no gap longer than `max_gap`
    in `span`."""

    kind: Literal["coverage"]
    a: SelectorRef
    span: SpanSpec
    partition: list[str] = Field(default_factory=list)
    max_gap: Duration | None = None

    def selector_refs(self) -> list[tuple[tuple[str | int, ...], SelectorRef]]:
        refs: list[tuple[tuple[str | int, ...], SelectorRef]] = [(("a",), self.a)]
        if self.span.selector is not None:
            refs.append((("span", "selector"), self.span.selector))
        return refs


class YearSpec(_Strict):
    """Which year a deadline belongs to: an attribute's value plus `offset`, or (no
    `attr`) the event's own year plus `offset`."""

    attr: str | None = None
    offset: int = 0


class NotBefore(_Strict):
    """Valid events must be on or after the event of `selector` in the same year
    (with `match`: the one whose keys equal the group's)."""

    selector: SelectorRef
    match: list[str] = Field(default_factory=list)
    anchor: Point = "start"


class DeadlineVariant(_Strict):
    """Another deadline for events matching `when` (e.g. the deferred December track)."""

    when: Selector
    by: MonthDay
    year_offset: int | None = None


class DeadlineRule(RuleBase):
    """Per `partition` and year, some event of `a` must happen by `by` (`--MM-DD`).

    The year is `year` (the event's, or an attribute's, plus an offset); `in_years_of`
    restricts the rule to the years of another selector (election years); `not_before`
    requires the event after an anchor in that year (the newly elected council)."""

    kind: Literal["deadline"]
    a: SelectorRef
    by: MonthDay
    year: YearSpec = Field(default_factory=YearSpec)
    partition: list[str] = Field(default_factory=lambda: ["actor"])
    in_years_of: SelectorRef | None = None
    not_before: NotBefore | None = None
    variants: list[DeadlineVariant] = Field(default_factory=list)
    shift: Literal["next_working_day"] | None = None
    country: str = "SE"
    gap_notice: Duration | None = Field(
        default_factory=lambda: parse_duration("P60D"),
        description="When only expectations (no actual step) exist this close to the "
                    "deadline, report the missing date once, as info; null: never.")

    def selector_refs(self) -> list[tuple[tuple[str | int, ...], SelectorRef]]:
        refs: list[tuple[tuple[str | int, ...], SelectorRef]] = [(("a",), self.a)]
        if self.in_years_of is not None:
            refs.append((("in_years_of",), self.in_years_of))
        if self.not_before is not None:
            refs.append((("not_before", "selector"), self.not_before.selector))
        return refs


_MODELS: dict[str, type[RuleBase]] = {
    "precedes": PrecedesRule,
    "within": WithinRule,
    "no_overlap": NoOverlapRule,
    "blackout": BlackoutRule,
    "coverage": CoverageRule,
    "deadline": DeadlineRule,
}
KNOWN_KINDS = tuple(_MODELS)


Rule = Annotated[
    PrecedesRule | WithinRule | NoOverlapRule | BlackoutRule | CoverageRule | DeadlineRule,
    PlainValidator(tagged_union(_MODELS, tag="kind", what="rule")),
]
"""One rule of any kind; `kind` selects the model."""
