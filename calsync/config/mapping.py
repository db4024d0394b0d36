"""The `mapping:` rules of a connector: what an upstream record means on the timeline.

A rule has a condition (a field of the record `equals` a value or `matches` a regular
expression; with neither it applies to every record) and what it sets: `kind`, `tags`,
`level`, `actor`, `status`, and any attribute, as a constant (`attrs:`) or as a value
captured from a field with a regular expression (`capture:`, or the named groups of
`matches`). Captured values are typed (`int`, `date`) so that rules compare years as
numbers and dates as dates; they are stored in their normal form ("2028", "2027-12-10").

Fields are the event's (`title`, `description`, `location`, `url`, `kind`, `actor`,
`level`), its attributes (`category`, `categories`, `organizer`, ...) and, for
connectors that read structured records (json, csv), any field path of the record
(`dates.0.from`, or `record.title` for the raw field when the event has one of that
name). Everything is checked when the config loads, so a bad regex or type is a
file:line error.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, field_validator, model_validator

from calsync.configtypes import StrictModel
from calsync.model import Status

__all__ = ["CAPTURE_TYPES", "AttrMap", "Capture", "MappingRule", "convert", "fill",
           "template_names"]

CAPTURE_TYPES = ("str", "int", "date")
_TEMPLATE = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def _strings(value: Any) -> Any:
    """YAML reads `budget_year: 2028` as a number; attributes are text (typed by rules)."""
    if isinstance(value, dict):
        return {str(k): v if isinstance(v, str) else str(v) for k, v in value.items()}
    return value


AttrMap = Annotated[dict[str, str], BeforeValidator(_strings)]
"""Attribute name -> value, numbers and dates in YAML taken as their text."""


def _compile(pattern: str, what: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"{what} is not a valid regular expression: {exc}") from None


def template_names(text: str) -> list[str]:
    """The `{name}` placeholders in a constant attribute value."""
    return _TEMPLATE.findall(text)


def fill(text: str, values: Mapping[str, str]) -> str:
    """`text` with each `{name}` replaced by `values[name]`."""
    return _TEMPLATE.sub(lambda m: values[m.group(1)], text)


def convert(value: str, kind: str, fmt: str | None = None) -> str:
    """`value` in the normal form of type `kind`; ValueError when it is not one."""
    text = value.strip()
    if kind == "int":
        return str(int(text.replace("\u2212", "-")))
    if kind == "date":
        if fmt is None:
            return date.fromisoformat(text[:10]).isoformat()
        return datetime.strptime(text, fmt).date().isoformat()
    return text


class Capture(StrictModel):
    """One attribute taken from a field with a regular expression.

    The value is the group named like the attribute, else the first group, else the
    whole match; `type` checks and normalises it (`format`: a strptime pattern for
    dates written otherwise than ISO, e.g. `%d.%m.%Y`).
    """

    field: str = "title"
    regex: str = "(?s).+"
    type: Literal["str", "int", "date"] = "str"
    format: str | None = None

    @field_validator("regex")
    @classmethod
    def _regex(cls, value: str) -> str:
        _compile(value, "'regex'")
        return value

    @model_validator(mode="after")
    def _format(self) -> Capture:
        if self.format is not None:
            if self.type != "date":
                raise ValueError("'format' belongs to 'type: date'")
            if "%" not in self.format:
                raise ValueError(f"'format' is a strptime pattern such as '%d.%m.%Y', "
                                 f"got {self.format!r}")
        return self


class MappingRule(StrictModel):
    """Maps an upstream record to calsync's kind, tags, level, actor, status and attributes.

    Matches when field `field` of the record (default: `category`) equals `equals` or
    matches the regular expression `matches` (whose named groups become attributes);
    a rule with neither applies to every record.
    """

    field: str = "category"
    equals: str | None = None
    matches: str | None = None
    kind: str | None = None
    tags: list[str] = Field(default_factory=list)
    level: str | None = None
    actor: str | None = None
    status: Status | None = None
    attrs: AttrMap = Field(
        default_factory=dict,
        description="Constant attributes; '{name}' inserts a captured attribute.")
    capture: dict[str, Capture] = Field(
        default_factory=dict, description="Attributes captured from fields with a regex.")

    @field_validator("capture", mode="before")
    @classmethod
    def _capture_shorthand(cls, value: object) -> object:
        # `capture: {budget_year: 'Budget (\d{4})'}` means a regex on the title.
        if isinstance(value, dict):
            return {k: {"regex": v} if isinstance(v, str) else v for k, v in value.items()}
        return value

    @model_validator(mode="after")
    def _consistent(self) -> MappingRule:
        if self.equals is not None and self.matches is not None:
            raise ValueError("give one of 'equals' or 'matches', not both")
        groups: set[str] = set()
        if self.matches is not None:
            groups = set(_compile(self.matches, "'matches'").groupindex)
        if self.equals is None and self.matches is None and not (
                self.attrs or self.capture):
            raise ValueError("give 'equals' or 'matches' (or, for every record, 'attrs' "
                             "or 'capture')")
        known = groups | set(self.capture)
        for name, text in self.attrs.items():
            for ref in template_names(text):
                if ref not in known:
                    raise ValueError(
                        f"attrs.{name} uses {{{ref}}}, which is neither a 'capture' nor a "
                        f"named group of 'matches' (known: {', '.join(sorted(known)) or '-'})")
        return self

    def sets_attrs(self) -> set[str]:
        """Every attribute this rule can set (for `calsync check`)."""
        groups = set(re.compile(self.matches).groupindex) if self.matches else set()
        return set(self.attrs) | set(self.capture) | groups
