"""From what a connector says to what calsync stores: defaults and mapping from config.

Connectors report upstream facts (a category, a committee name); the admin's config
decides what they mean on the timeline (kind, tags, level). Doing this here, once,
keeps every connector free of config handling.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable

from calsync.errors import SkippableRecordError
from calsync.model import EventData
from calsync.sdk.settings import ConnectorConfig, MappingRule

__all__ = ["make_settler", "storable"]


def make_settler(name: str, config: ConnectorConfig) -> Callable[[EventData], EventData]:
    rules = [(rule, re.compile(rule.matches) if rule.matches else None)
             for rule in config.mapping]
    default_tags = tuple(config.tags)

    def settle(draft: EventData) -> EventData:
        level, actor, kind, status = draft.level, draft.actor, draft.kind, draft.status
        tags = list(dict.fromkeys((*draft.tags, *default_tags)))
        for rule, pattern in rules:
            if _matches(draft, rule, pattern):
                level = rule.level or level
                actor = rule.actor or actor
                kind = rule.kind or kind
                status = rule.status or status
                tags.extend(t for t in rule.tags if t not in tags)
        level = level or config.level
        actor = actor or config.actor
        kind = kind or config.kind
        missing = [n for n, v in (("level", level), ("actor", actor), ("kind", kind)) if not v]
        if missing:
            raise SkippableRecordError(
                f"event {draft.external_uid!r} has no {' or '.join(missing)}; set "
                f"{', '.join(f'`{m}:`' for m in missing)} on connector {name!r} "
                "(or a mapping rule)", connector=name)
        return storable(draft.with_(level=level, actor=actor, kind=kind, status=status,
                                    tags=tuple(tags)))

    return settle


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


def _matches(draft: EventData, rule: MappingRule, pattern: re.Pattern[str] | None) -> bool:
    value = draft.attrs.get(rule.field)
    if value is None and rule.field in ("title", "description", "location", "url", "kind"):
        value = getattr(draft, rule.field)
    if value is None:
        return False
    if pattern is not None:
        return pattern.search(value) is not None
    return value == rule.equals
