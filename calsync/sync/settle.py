"""From what a connector says to what calsync stores: defaults and mapping from config.

Connectors report upstream facts (a category, a committee name, the raw record); the
admin's config decides what they mean on the timeline (kind, tags, level, attributes
such as `budget_year` or `fund_period` that rules select and join on). Doing this here,
once, keeps every connector free of config handling and gives every connector type the
same mapping capabilities.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from calsync.errors import SkippableRecordError
from calsync.model import EventData
from calsync.sdk.ingest.fields import get_path
from calsync.sdk.mapping import Capture, convert, fill, template_names
from calsync.sdk.settings import ConnectorConfig, MappingRule

__all__ = ["Settler", "field_value", "make_settler", "storable"]

_EVENT_FIELDS = ("title", "description", "location", "url", "kind", "actor", "level")
_RECORD_PREFIX = "record."
_MAX_REASONS = 5


def field_value(draft: EventData, name: str, raw: Any = None) -> str | None:
    """A field of the record as text: an event field, an attribute, else a path into the
    connector's raw record (`record.` forces the raw one): the event's `source_fields`,
    else the record itself when it is a JSON object."""
    if draft.source_fields is not None:
        raw = draft.source_fields
    elif not isinstance(raw, Mapping):
        raw = None
    if name.startswith(_RECORD_PREFIX):
        return _text(get_path(raw, name[len(_RECORD_PREFIX):])) if raw is not None else None
    if name in _EVENT_FIELDS:
        value = getattr(draft, name)
        if value:
            return str(value)
    found = draft.attrs.get(name)
    if found is not None:
        return found
    if raw is not None:
        return _text(get_path(raw, name))
    return None


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, dict):
        return None
    if isinstance(value, list):
        parts = [str(v).strip() for v in value if v is not None and not isinstance(v, dict)]
        return ", ".join(p for p in parts if p) or None
    text = str(value).strip()
    return text or None


@dataclass
class _Compiled:
    rule: MappingRule
    condition: re.Pattern[str] | None
    captures: list[tuple[str, Capture, re.Pattern[str]]]


@dataclass
class Settler:
    """Applies a connector's defaults and mapping rules to each drafted event.

    Counts the captures that failed (the field was empty, the regex did not match or the
    value was not of its type): the event is kept without that attribute, and the sync
    summary shows how many.
    """

    name: str
    config: ConnectorConfig
    capture_failed: int = 0
    capture_reasons: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._rules = [_Compiled(rule, re.compile(rule.matches) if rule.matches else None,
                                 [(attr, spec, re.compile(spec.regex))
                                  for attr, spec in rule.capture.items()])
                       for rule in self.config.mapping]

    def __call__(self, draft: EventData, raw: Any = None) -> EventData:
        config = self.config
        level, actor, kind, status = draft.level, draft.actor, draft.kind, draft.status
        tags = list(dict.fromkeys((*draft.tags, *config.tags)))
        attrs = {**config.attrs, **draft.attrs}
        values: dict[str, str | None] = {}  # field -> its text: rules often share a field
        for compiled in self._rules:
            groups = self._condition(draft, raw, compiled, values)
            if groups is None:
                continue
            rule = compiled.rule
            level = rule.level or level
            actor = rule.actor or actor
            kind = rule.kind or kind
            status = rule.status or status
            tags.extend(t for t in rule.tags if t not in tags)
            captured = {k: v for k, v in groups.items() if v is not None}
            for attr, spec, pattern in compiled.captures:
                value = self._capture(draft, raw, attr, spec, pattern)
                if value is not None:
                    captured[attr] = value
            attrs.update(captured)
            for attr, text in rule.attrs.items():
                refs = template_names(text)
                if all(r in captured for r in refs):
                    attrs[attr] = fill(text, captured)
        level = level or config.level
        actor = actor or config.actor
        kind = kind or config.kind
        missing = [n for n, v in (("level", level), ("actor", actor), ("kind", kind)) if not v]
        if missing:
            raise SkippableRecordError(
                f"event {draft.external_uid!r} has no {' or '.join(missing)}; set "
                f"{', '.join(f'`{m}:`' for m in missing)} on connector {self.name!r} "
                "(or a mapping rule)", connector=self.name)
        return storable(draft.with_(level=level, actor=actor, kind=kind, status=status,
                                    tags=tuple(tags), attrs=attrs, source_fields=None))

    @staticmethod
    def _condition(draft: EventData, raw: Any, compiled: _Compiled,
                   values: dict[str, str | None]) -> dict[str, str | None] | None:
        """None when the rule does not apply; else the named groups of `matches`.
        `values` keeps the fields already read for this event (a connector's mapping
        is typically several rules on one field, e.g. a level per category)."""
        rule = compiled.rule
        if rule.equals is None and compiled.condition is None:
            return {}
        if rule.field in values:
            value = values[rule.field]
        else:
            value = values[rule.field] = field_value(draft, rule.field, raw)
        if value is None:
            return None
        if compiled.condition is not None:
            match = compiled.condition.search(value)
            return match.groupdict() if match is not None else None
        return {} if value == rule.equals else None

    def _capture(self, draft: EventData, raw: Any, attr: str, spec: Capture,
                 pattern: re.Pattern[str]) -> str | None:
        value = field_value(draft, spec.field, raw)
        match = pattern.search(value) if value is not None else None
        if match is None:
            return self._failed_(draft, f"{attr}: no match in {spec.field} "
                                       f"({(value or 'empty')[:60]!r})")
        if attr in pattern.groupindex:
            raw = match.group(attr)
        else:
            raw = match.group(1) if pattern.groups else match.group(0)
        if raw is None:
            return self._failed_(draft, f"{attr}: the group did not take part in the match")
        try:
            return convert(raw, spec.type, spec.format)
        except ValueError:
            return self._failed_(draft, f"{attr}: {raw!r} is not a {spec.type}"
                                       + (f" ({spec.format})" if spec.format else ""))

    def _failed_(self, draft: EventData, reason: str) -> str | None:
        """Count a failed capture; None, the attribute's (missing) value."""
        self.capture_failed += 1
        if len(self.capture_reasons) < _MAX_REASONS:
            self.capture_reasons.append(f"{draft.external_uid}: {reason}")
        return None


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
MAX_EXTERNAL_UID = 500  # the column's length (calsync.store.tables.events)


def storable(data: EventData) -> EventData:
    """What every database stores and every feed may publish: no NUL or other control
    characters (PostgreSQL refuses NUL in text and failed the whole source), and an
    upstream id that fits its column (a longer one is shortened with a hash of the whole,
    so it stays unique and stable)."""
    texts = (data.external_uid, data.title, data.description, data.url or "",
             data.location or "", data.actor or "", *data.tags, *data.attrs, *data.attrs.values())
    if len(data.external_uid) <= MAX_EXTERNAL_UID and not any(map(_CONTROL.search, texts)):
        return data  # the common case: nothing to clean
    uid = _CONTROL.sub("", data.external_uid)
    if len(uid) > MAX_EXTERNAL_UID:
        digest = hashlib.blake2b(uid.encode(), digest_size=16).hexdigest()
        uid = f"{uid[:MAX_EXTERNAL_UID - 40]}~{digest}"
    return data.with_(
        external_uid=uid, title=_CONTROL.sub("", data.title),
        description=_CONTROL.sub("", data.description),
        url=_CONTROL.sub("", data.url) if data.url else data.url,
        location=_CONTROL.sub("", data.location) if data.location else data.location,
        actor=_CONTROL.sub("", data.actor) if data.actor else data.actor,
        tags=tuple(_CONTROL.sub("", t) for t in data.tags),
        attrs={_CONTROL.sub("", k): _CONTROL.sub("", v) for k, v in data.attrs.items()})



def make_settler(name: str, config: ConnectorConfig) -> Settler:
    return Settler(name, config)
