"""Building blocks every config section uses: strict models, zone names, schedules.

They live apart from `calsync.config` so that the modules defining sections (the
scheduler's settings, rules, alerts) can use them without importing the config loader,
which imports those modules in turn.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Annotated, Any, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    PlainSerializer,
    PlainValidator,
    create_model,
    field_validator,
    model_validator,
)

from calsync.durations import Duration
from calsync.i18n.languages import Language
from calsync.triggers import build_trigger

__all__ = ["Localized", "Schedule", "StrictModel", "Text", "check_timezone", "tagged_union",
           "text_in"]


class StrictModel(BaseModel):
    """A config model: unknown keys are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Localized(StrictModel):
    """A text people read, in both languages (`title: {sv: ..., en: ...}`)."""

    sv: str
    en: str

    def get(self, language: Language) -> str:
        return self.sv if language == "sv" else self.en


def _text(value: Any) -> str | Localized:
    if isinstance(value, str | Localized):
        return value
    if isinstance(value, dict):
        return Localized.model_validate(value)  # its errors name the key (title.en)
    raise ValueError("expected a text, or the text in both languages: {sv: ..., en: ...}")


def _dump_text(value: str | Localized) -> str | dict[str, str]:
    return value if isinstance(value, str) else {"sv": value.sv, "en": value.en}


Text = Annotated[str | Localized, PlainValidator(_text), PlainSerializer(_dump_text)]
"""A text in config or a schedule: one plain string (shown as written, in every
language: what an admin writes for their own cycles and feeds), or both languages."""


def text_in(value: Text, language: Language) -> str:
    """`value` in `language` (a plain string is the same in all)."""
    return value if isinstance(value, str) else value.get(language)


def check_timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {value!r} (use an IANA name such as "
                         "'Europe/Stockholm')") from None
    return value


class Schedule(StrictModel):
    """When the scheduler runs something: every `every`, or on a cron expression."""

    every: Duration | None = None
    cron: str | None = None
    timezone: str | None = None

    @model_validator(mode="after")
    def _one_of(self) -> Self:
        if (self.every is None) == (self.cron is None):
            raise ValueError("give exactly one of 'every' (e.g. PT6H) or 'cron' "
                             "(e.g. '0 6 * * *')")
        if self.cron is not None and len(self.cron.split()) != 5:
            raise ValueError(f"cron needs 5 fields (minute hour day month weekday), "
                             f"got {self.cron!r}")
        build_trigger(self, "UTC")  # a cron field or an interval APScheduler rejects
        return self

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str | None) -> str | None:
        return None if value is None else check_timezone(value)


def tagged_union(models: Mapping[str, type[BaseModel]], *, tag: str, what: str
                 ) -> Callable[[Any], Any]:
    """A validator that picks the model of a mapping by its `tag` key (`kind: precedes`,
    `type: webhook`) and validates with that model alone, so every error names a real
    key path instead of each member of a union; an unknown tag lists the known ones."""
    known = ", ".join(models)

    def known_tag(value: str) -> str:
        if value not in models:
            raise ValueError(f"unknown {what} {tag} {value!r}; known {tag}s: {known}")
        return value

    field: Any = (Annotated[str, AfterValidator(known_tag)], ...)
    tag_only = create_model(f"{tag.title()}Only", __config__=ConfigDict(extra="ignore"),
                            **{tag: field})
    classes = tuple(models.values())

    def dispatch(value: Any) -> Any:
        if isinstance(value, classes):
            return value
        if not isinstance(value, dict):
            raise ValueError(f"a {what} is a mapping with '{tag}:' (one of {known})")
        chosen = getattr(tag_only.model_validate(value), tag)
        return models[chosen].model_validate(value)

    return dispatch
