"""From what a connector says to what calsync stores: defaults and mapping from config.

Connectors report upstream facts (a category, a committee name); the admin's config
decides what they mean on the timeline (kind, tags, level). Doing this here, once,
keeps every connector free of config handling.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from calsync.errors import SkippableRecordError
from calsync.model import EventData
from calsync.sdk.settings import ConnectorConfig, MappingRule

__all__ = ["make_settler"]


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
        return draft.with_(level=level, actor=actor, kind=kind, status=status,
                           tags=tuple(tags))

    return settle


def _matches(draft: EventData, rule: MappingRule, pattern: re.Pattern[str] | None) -> bool:
    value = draft.attrs.get(rule.field)
    if value is None and rule.field in ("title", "description", "location", "url", "kind"):
        value = getattr(draft, rule.field)
    if value is None:
        return False
    if pattern is not None:
        return pattern.search(value) is not None
    return value == rule.equals
