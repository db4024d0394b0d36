"""Hand-built timelines for rule tests: events in memory, or stored through the store."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Engine, insert

from calsync.config import load_config_text
from calsync.config.schema import Config
from calsync.model import Event, EventData, event_uid
from calsync.rules.engine import Evaluation, evaluate
from calsync.rules.findings import Finding
from calsync.rules.timeline import Timeline
from calsync.store.events import event_values
from calsync.store.tables import events

NOW = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)
_ids = itertools.count(1)


def when(value: str) -> date | datetime:
    return datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)


def data(uid: str, title: str, start: str, end: str | None = None, **kw: Any) -> EventData:
    tags = kw.pop("tags", ())
    return EventData(external_uid=uid, title=title, start=when(start),
                     end=when(end) if end else None, timezone=kw.pop("timezone",
                                                                     "Europe/Stockholm"),
                     tags=tuple(tags), **kw)


def ev(uid: str, title: str, start: str, end: str | None = None, **kw: Any) -> Event:
    d = data(uid, title, start, end, **kw)
    return Event(id=next(_ids), uid=event_uid("test", uid), source="test", data=d, sequence=0,
                 content_hash=d.content_hash(), first_seen=NOW, last_seen=NOW, updated_at=NOW)


def config(text: str) -> Config:
    return load_config_text(text)


def run(cfg: Config | str, found: Iterable[Event], now: datetime = NOW, *,
        lookback: bool = False) -> Evaluation:
    cfg = config(cfg) if isinstance(cfg, str) else cfg
    return evaluate(cfg, Timeline.from_events(found, cfg.timezone), now, lookback=lookback)


def findings(cfg: Config | str, found: Iterable[Event], now: datetime = NOW) -> list[Finding]:
    return run(cfg, found, now).findings


def store(engine: Engine, found: Iterable[EventData], *, source: str = "test",
          now: datetime = NOW) -> dict[str, int]:
    """Insert events directly (no connector); returns external_uid -> id."""
    out = {}
    with engine.begin() as conn:
        for d in found:
            row = event_values(d)
            result = conn.execute(insert(events).values(
                uid=event_uid(source, d.external_uid), source=source, sequence=0,
                content_hash=d.content_hash(), first_seen=now, last_seen=now, updated_at=now,
                **row))
            key = result.inserted_primary_key
            assert key is not None
            out[d.external_uid] = int(key[0])
    return out
