"""Selectors: which events a feed, a rule or a silence is about.

One model, used everywhere events are picked: feeds in config, the API's filters, the
CLI's timeline filters and the misalignment rules. `matches()` is the reference
semantics; the store pushes the cheap parts (level, kind, status, source) into SQL.
"""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from calsync.model import EventData, Status

__all__ = ["Selector", "TagMatch"]


def _as_list(value: Any) -> Any:
    if value is None or isinstance(value, list):
        return value
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()] if "," in value \
            else [value]
    return value


class TagMatch(BaseModel):
    """Tags an event must have: all of `all`, at least one of `any`, none of `none`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    all: list[str] = Field(default_factory=list)
    any: list[str] = Field(default_factory=list)
    none: list[str] = Field(default_factory=list)

    def matches(self, tags: tuple[str, ...] | set[str]) -> bool:
        have = set(tags)
        return (all(t in have for t in self.all)
                and (not self.any or any(t in have for t in self.any))
                and not any(t in have for t in self.none))


class Selector(BaseModel):
    """A filter over events. Every given key must match; lists mean "any of".

    `actor` entries are globs ("* kommun"). A plain list of `tags` means "any of these";
    use `{all: [...], any: [...], none: [...]}` for more. `where` compares `attrs`
    (e.g. `programme: ERDF Övre Norrland`) or other event fields by equality.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    level: list[str] | None = None
    actor: list[str] | None = None
    kind: list[str] | None = None
    source: list[str] | None = None
    status: list[Status] | None = None
    tags: TagMatch | None = None
    where: dict[str, list[str]] | None = None

    @field_validator("level", "actor", "kind", "source", "status", mode="before")
    @classmethod
    def _listify(cls, value: Any) -> Any:
        return _as_list(value)

    @field_validator("tags", mode="before")
    @classmethod
    def _tags(cls, value: Any) -> Any:
        value = _as_list(value)
        return {"any": value} if isinstance(value, list) else value

    @field_validator("where", mode="before")
    @classmethod
    def _where(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: [str(x) for x in v] if isinstance(v, list) else [str(v)]
                    for k, v in value.items()}
        return value

    def matches(self, event: EventData, source: str | None = None) -> bool:
        if self.level is not None and event.level not in self.level:
            return False
        if self.kind is not None and event.kind not in self.kind:
            return False
        if self.status is not None and event.status not in self.status:
            return False
        if self.source is not None and source not in self.source:
            return False
        if self.actor is not None and not any(
                fnmatchcase(event.actor or "", pattern) for pattern in self.actor):
            return False
        if self.tags is not None and not self.tags.matches(event.tags):
            return False
        if self.where:
            for key, wanted in self.where.items():
                value = event.attrs.get(key)
                if value is None:
                    value = getattr(event, key, None) if key in _FIELDS else None
                if value is None or str(value) not in wanted:
                    return False
        return True

    def is_empty(self) -> bool:
        return all(getattr(self, name) is None for name in type(self).model_fields)


_FIELDS = {"title", "description", "url", "location", "timezone", "external_uid"}
