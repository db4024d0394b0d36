"""What every rule of the rule language shares: severity and escalation, how events of two
selectors are paired (`Join`), yearly dates (`MonthDay`) and `RuleBase`. The six kinds
are in `calsync.config.rules`.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from calsync.configtypes import Localized, Text
from calsync.durations import Duration
from calsync.selectors import Selector

__all__ = ["Escalation", "Join", "JoinSpec", "MonthDay", "Point", "RuleBase", "SelectorRef",
           "Severity", "Strict", "severity_rank"]

Severity = Literal["info", "warning", "critical"]
_RANK = {"info": 0, "warning": 1, "critical": 2}


def severity_rank(severity: str) -> int:
    return _RANK.get(severity, 0)


class Strict(BaseModel):
    """Unknown keys are errors, values are immutable."""

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


class Escalation(Strict):
    """Raise the severity to `severity` once the due date is at most `before_due` away."""

    before_due: Duration
    severity: Severity


class Join(Strict):
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


def _both(value: Text) -> Text:
    """A title or rationale in both languages has both texts: an empty one would end a
    Swedish finding with "regel R1: " or a bare "Varför:"."""
    if isinstance(value, Localized) and not (value.sv.strip() and value.en.strip()):
        raise ValueError("give the text in both languages ({sv: ..., en: ...}), "
                         "or one plain string for both")
    return value


class RuleBase(Strict):
    """What every rule has: a title, why it exists, how bad a finding is.

    Findings quote the title and rationale to the people who have to act, in the
    sentence's language: `{sv: ..., en: ...}`, or one plain string shown as written in
    every language (an admin's own rule)."""

    title: Annotated[Text, AfterValidator(_both)] = ""
    rationale: Annotated[Text, AfterValidator(_both)] = ""
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
