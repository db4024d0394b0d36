"""Producing feed bodies fast and byte-stably: fingerprints, per-event cache, streaming.

A feed is (selector, calendar properties, alarm and retention settings) applied to the
store. Three things make serving it cheap:

- **Fingerprint.** One aggregate query over the feed's rows (count, newest
  `updated_at`, sum of sequences, newest id) and the retention cutoff day identify the
  version of the data. Every material change bumps `sequence` and `updated_at`, a new
  event bumps the count, so equal fingerprints mean equal bytes. The strong ETag is a
  hash of the feed's settings and its fingerprint. The aggregate scans the feed's rows,
  so it is remembered per `store_version` (three index lookups): a 304 costs one tiny
  query and no rendering.
- **Per-event cache.** Each VEVENT's bytes are cached by (uid, sequence, content hash,
  alarm settings); a feed after a change re-renders only what changed and concatenates
  the rest. The store is read in two passes: the ordered keys first (cheap columns),
  then full rows only for events not in the cache.
- **Streaming.** Bodies are produced in chunks from a server-side cursor, so a feed of
  100,000 events never holds its events as objects at once; small feeds are also kept
  whole (with their gzip form) for repeated requests.

SQL applies what a `Selector` can push down (level, kind, status, source, tags); the
rest (actor globs, `where`, excluded tags) is checked with `Selector.matches`, as
everywhere else in calsync.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from typing import Any

from dateutil.relativedelta import relativedelta
from sqlalchemy import Connection, Select, and_, case, func, or_, select

from calsync.durations import format_duration
from calsync.feeds.ics import (
    CALENDAR_END,
    AlarmSpec,
    CalendarMeta,
    calendar_header,
    render_event,
    render_timezones,
)
from calsync.model import Status
from calsync.selectors import Selector
from calsync.store.events import filtered, not_superseded, row_to_event
from calsync.store.tables import events, sync_runs

__all__ = [
    "EventCache",
    "FeedSpec",
    "Fingerprint",
    "cutoff_for",
    "fingerprint",
    "iter_feed",
    "python_only",
    "store_version",
]

RENDER_VERSION = "3"  # bump when the bytes for the same data change (invalidates ETags)
_KEY_COLUMNS = (events.c.id, events.c.uid, events.c.sequence, events.c.content_hash)
_BATCH = 1000


@dataclass(frozen=True, slots=True)
class FeedSpec:
    """Everything that decides a feed's bytes, apart from the data."""

    name: str
    meta: CalendarMeta
    selector: Selector = field(default_factory=Selector)
    extra: Selector | None = None  # ad-hoc filters from the query string
    keep_cancelled: relativedelta = field(default_factory=lambda: relativedelta(days=30))
    alarms: tuple[tuple[str, tuple[str, ...]], ...] = ()
    event_url: str | None = None  # fallback URL per event: event_url + uid
    private: bool = False
    _key: str = field(init=False, repr=False, compare=False, default="")

    def __post_init__(self) -> None:
        object.__setattr__(self, "_key", self._settings())

    @property
    def alarm_spec(self) -> AlarmSpec:
        return dict(self.alarms)

    def key(self) -> str:
        """A stable text of the settings, part of the ETag (computed once)."""
        return self._key

    def _settings(self) -> str:
        return json.dumps({
            "v": RENDER_VERSION, "name": self.name,
            "meta": [self.meta.name, self.meta.description, self.meta.url, self.meta.refresh,
                     self.meta.color],
            "select": self.selector.model_dump(mode="json", exclude_none=True),
            "extra": self.extra.model_dump(mode="json", exclude_none=True)
            if self.extra else None,
            "keep": format_duration(self.keep_cancelled), "alarms": self.alarms,
            "url": self.event_url,
        }, sort_keys=True)

    def selectors(self) -> list[Selector]:
        return [s for s in (self.selector, self.extra) if s is not None and not s.is_empty()]


@dataclass(frozen=True, slots=True)
class Fingerprint:
    count: int
    newest: datetime | None
    sequences: int
    max_id: int
    cutoff: datetime

    def etag(self, spec: FeedSpec) -> str:
        text = "\x1f".join([spec.key(), str(self.count), self.newest.isoformat()
                            if self.newest else "", str(self.sequences), str(self.max_id),
                            self.cutoff.isoformat()])
        return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def python_only(selector: Selector) -> bool:
    """Whether part of `selector` cannot be pushed into SQL (actor globs, where, none-tags)."""
    return bool(selector.actor or selector.where or (selector.tags and selector.tags.none))


def cutoff_for(spec: FeedSpec, now: datetime) -> datetime:
    """Cancelled events updated before this instant are dropped; a whole UTC day, so
    the feed's bytes change at most once a day because of retention."""
    moment = now.astimezone(UTC) - spec.keep_cancelled
    return datetime.combine(moment.date(), time(0), UTC)


def _where(stmt: Select[Any], spec: FeedSpec, cutoff: datetime) -> Select[Any]:
    for selector in spec.selectors():
        stmt = filtered(stmt, start=None, end=None, selector=selector, q=None,
                        superseded=True)
    # An expectation whose actual step exists is not published (calsync.steps).
    return stmt.where(or_(events.c.status != str(Status.CANCELLED),
                          events.c.updated_at >= cutoff), not_superseded())


def fingerprint(conn: Connection, spec: FeedSpec, now: datetime) -> Fingerprint:
    cutoff = cutoff_for(spec, now)
    stmt = _where(select(func.count(), func.max(events.c.updated_at),
                         func.coalesce(func.sum(events.c.sequence), 0),
                         func.coalesce(func.max(events.c.id), 0)).select_from(events),
                  spec, cutoff)
    count, newest, sequences, max_id = conn.execute(stmt).one()
    if isinstance(newest, str):  # aggregate over a TypeDecorator comes back raw on SQLite
        newest = datetime.fromisoformat(newest)
    if newest is not None and newest.tzinfo is None:
        newest = newest.replace(tzinfo=UTC)
    return Fingerprint(int(count), newest, int(sequences), int(max_id), cutoff)


def store_version(conn: Connection) -> tuple[Any, ...]:
    """A cheap token that changes whenever any event may have changed: the newest
    `updated_at`, the highest event id and the highest sync run id (index lookups, no
    scan). Events are never deleted (they are cancelled), every change sets
    `updated_at` to the sync's time, and every sync adds a run, so a feed's fingerprint
    computed under one token holds until the token changes."""
    return tuple(conn.execute(_STORE_VERSION).one())


_STORE_VERSION = select(select(func.max(events.c.updated_at)).scalar_subquery(),
                        select(func.max(events.c.id)).scalar_subquery(),
                        select(func.max(sync_runs.c.id)).scalar_subquery())


def _zones(conn: Connection, spec: FeedSpec, cutoff: datetime) -> dict[str, tuple[int, int]]:
    """Zones of the feed's timed events with the years they span (for VTIMEZONEs)."""
    last = func.max(case((events.c.end_at.is_(None), events.c.start_at),
                         else_=events.c.end_at))
    stmt = _where(select(events.c.timezone, func.min(events.c.start_at), last)
                  .where(and_(events.c.all_day.is_(False), events.c.timezone != "UTC"))
                  .group_by(events.c.timezone), spec, cutoff)
    out: dict[str, tuple[int, int]] = {}
    for zone, first, final in conn.execute(stmt):
        out[zone] = (_year(first), _year(final))
    return out


def _year(value: Any) -> int:
    if isinstance(value, str):
        return int(value[:4])
    assert isinstance(value, datetime)
    return value.year


class EventCache:
    """Serialised VEVENTs by (uid, sequence, content hash, variant); thread-safe.

    Bounded: when full, the oldest entries go first. `hits`/`misses` are for /metrics.
    """

    def __init__(self, capacity: int = 250_000) -> None:
        self.capacity = capacity
        self._data: dict[tuple[str, int, str, str], bytes] = {}
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._data)

    def get(self, key: tuple[str, int, str, str]) -> bytes | None:
        return self._data.get(key)

    def put(self, key: tuple[str, int, str, str], value: bytes) -> None:
        with self._lock:
            if len(self._data) >= self.capacity:
                for old in list(self._data)[: max(1, self.capacity // 10)]:
                    del self._data[old]
            self._data[key] = value

    def clear(self) -> None:
        with self._lock:
            self._data.clear()


def _variant(spec: FeedSpec) -> str:
    return json.dumps([spec.alarms, spec.event_url])


def iter_feed(conn: Connection, spec: FeedSpec, fp: Fingerprint, cache: EventCache
              ) -> Iterator[bytes]:
    """The feed's bytes in chunks, reading the store in batches."""
    meta = spec.meta
    header = CalendarMeta(name=meta.name, description=meta.description, url=meta.url,
                          refresh=meta.refresh, color=meta.color, last_modified=fp.newest)
    yield (calendar_header(header) + render_timezones(_zones(conn, spec, fp.cutoff))).encode()
    variant = _variant(spec)
    alarms = spec.alarm_spec
    check = [s for s in spec.selectors() if python_only(s)]
    order = (events.c.start_at, events.c.id)
    keys = _where(select(*_KEY_COLUMNS), spec, fp.cutoff).order_by(*order)
    batch: list[tuple[int, str, int, str]] = []
    for row in conn.execute(keys.execution_options(yield_per=5 * _BATCH)):
        batch.append((row[0], row[1], row[2], row[3]))
        if len(batch) >= _BATCH:
            yield _render_batch(conn, batch, variant, alarms, spec, check, cache)
            batch = []
    if batch:
        yield _render_batch(conn, batch, variant, alarms, spec, check, cache)
    yield CALENDAR_END.encode()


def _render_batch(conn: Connection, batch: Sequence[tuple[int, str, int, str]], variant: str,
                  alarms: AlarmSpec, spec: FeedSpec, check: list[Selector],
                  cache: EventCache) -> bytes:
    parts: list[bytes | None] = []
    missing: dict[int, int] = {}  # event id -> position in parts
    for event_id, uid, sequence, digest in batch:
        chunk = None if check else cache.get((uid, sequence, digest, variant))
        if chunk is None:
            missing[event_id] = len(parts)
        parts.append(chunk)
    cache.hits += len(batch) - len(missing)
    if missing:
        rows = conn.execute(select(events).where(events.c.id.in_(list(missing)))).mappings()
        for row in rows:
            event = row_to_event(row)
            position = missing[event.id]
            if check and not all(s.matches(event.data, event.source) for s in check):
                continue
            key = (event.uid, event.sequence, event.content_hash, variant)
            chunk = cache.get(key)
            if chunk is None:
                cache.misses += 1
                url = f"{spec.event_url}{event.uid}" if spec.event_url else None
                chunk = render_event(event, alarms=alarms, fallback_url=url).encode()
                cache.put(key, chunk)
            parts[position] = chunk
    return b"".join(p for p in parts if p is not None)
