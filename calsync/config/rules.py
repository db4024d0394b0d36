"""The rule language: named selectors and six rule kinds, as strict pydantic models.

`config.yaml` gets three sections from here (fields on `Config`):

- `selectors:` named `calsync.selectors.Selector`s, reusable across rules (and silences);
- `rules:` a mapping from rule id (the alert's `alertname`) to one rule, whose `kind`
  picks the model: `precedes`, `within`, `no_overlap`, `blackout`, `coverage`, `deadline`;
- `alerts:` (in `calsync.config.alerts`) grouping, receivers and the outbox.

Wherever a rule takes events (`a`, `b`, `relative_to.selector`, ...) it accepts either
the name of a selector or an inline selector (what kinds share is in
`calsync.config.rulebase`). Names are checked across sections by
`calsync.config.checks`, so an unknown name is reported with
its file and line. Durations are ISO-8601 (`P14D`, `P1Y6M`), calendar-aware; dates are
`YYYY-MM-DD`; yearly dates are `--MM-DD`.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import (
    ConfigDict,
    Field,
    PlainValidator,
    model_validator,
)

from calsync.config.rulebase import (
    Join,
    JoinSpec,
    MonthDay,
    Point,
    RuleBase,
    SelectorRef,
    Strict,
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
    "NoOverlapRule",
    "PrecedesRule",
    "RelativeWindow",
    "Rule",
    "WindowSpec",
    "WithinRule",
]

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


class AbsoluteWindow(Strict):
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


class RelativeWindow(Strict):
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


class WindowSpec(Strict):
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


class AbsoluteYearly(Strict):
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


class SpanSpec(Strict):
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


class YearSpec(Strict):
    """Which year a deadline belongs to: an attribute's value plus `offset`, or (no
    `attr`) the event's own year plus `offset`."""

    attr: str | None = None
    offset: int = 0


class NotBefore(Strict):
    """Valid events must be on or after the event of `selector` in the same year
    (with `match`: the one whose keys equal the group's)."""

    selector: SelectorRef
    match: list[str] = Field(default_factory=list)
    anchor: Point = "start"


class DeadlineVariant(Strict):
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
