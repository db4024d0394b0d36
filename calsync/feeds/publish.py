"""Producing feed bodies fast and byte-stably: fingerprints, per-event cache, streaming.

A feed is (selector, calendar properties, alarm and retention settings) applied to the
store. Three things make serving it cheap:

- **Fingerprint.** One aggregate query over the feed's rows (count, newest
  `updated_at`, sum of sequences, newest id, sums of the ids) identifies the version of
  the data. The rows are those the day's bounds select (retention of cancelled events,
  the subscription window); the bounds themselves are not part of it, so a body that
  stays the same keeps its ETag across days. Every material change bumps `sequence` and
  `updated_at`, a row entering or leaving changes the count and id sums, so equal
  fingerprints mean equal bytes. The strong ETag is a hash of the feed's settings and
  its fingerprint. The aggregate scans the feed's rows,
  so it is remembered per `store_version` (three index lookups), itself asked only when
  the store's watch (`calsync.store.watch`) moved: a 304 costs no query, no rendering.
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
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from dateutil.relativedelta import relativedelta
from sqlalchemy import Connection

from calsync.durations import format_duration
from calsync.feeds.ics import (
    CALENDAR_END,
    AlarmSpec,
    CalendarMeta,
    calendar_header,
    event_zones,
    render_event,
    render_timezones,
)
from calsync.feeds.links import OrgLinks, linked
from calsync.feeds.spans import SpanMode, published
from calsync.feeds.window import EPOCH, Bounds, DayBounds, Window, aware, moved_at
from calsync.i18n.events import in_language
from calsync.i18n.languages import Language
from calsync.model import Event
from calsync.privacy import PrivateEvents
from calsync.selectors import Selector
from calsync.store.events import events_by_ids
from calsync.store.feedrows import FeedRows

__all__ = [
    "EventCache",
    "FeedSpec",
    "Fingerprint",
    "feed_events",
    "fingerprint",
    "iter_feed",
    "python_only",
]

RENDER_VERSION = "5"  # bump when the bytes for the same data change (invalidates ETags)
_BATCH = 1000


@dataclass(frozen=True, slots=True)
class FeedSpec:
    """Everything that decides a feed's bytes, apart from the data."""

    name: str
    meta: CalendarMeta
    language: Language
    selector: Selector = field(default_factory=Selector)
    extra: Selector | None = None  # ad-hoc filters from the query string
    keep_cancelled: relativedelta = field(default_factory=lambda: relativedelta(days=30))
    alarms: tuple[tuple[str, tuple[str, ...]], ...] = ()
    event_url: str | None = None  # fallback URL per event: event_url + uid
    private: bool = False
    spans: SpanMode = SpanMode.MILESTONES
    window: Window = field(default_factory=lambda: Window())
    colors: tuple[tuple[str, str], ...] = ()  # level -> RFC 7986 COLOR
    level_titles: tuple[tuple[str, str], ...] = ()  # level -> its name in `language`
    organisations: tuple[tuple[str, OrgLinks], ...] = ()  # actor -> its pages
    hide: PrivateEvents | None = field(default=None, compare=False)
    """On open feeds: events only private feeds select are left out (calsync.privacy)."""
    _key: str = field(init=False, repr=False, compare=False, default="")
    _days: DayBounds = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_key", self._settings())
        object.__setattr__(self, "_days", DayBounds(self.window, self.keep_cancelled))

    def bounds(self, now: datetime) -> Bounds:
        """The day's bounds (`bounds_for`), kept per UTC day where provably the same."""
        return self._days.at(now)

    @property
    def alarm_spec(self) -> AlarmSpec:
        return dict(self.alarms)

    def key(self) -> str:
        """A stable text of the settings, part of the ETag (computed once)."""
        return self._key

    def _settings(self) -> str:
        return json.dumps({
            "v": RENDER_VERSION, "name": self.name, "language": self.language,
            "meta": [self.meta.name, self.meta.description, self.meta.url, self.meta.refresh,
                     self.meta.color],
            "select": self.selector.model_dump(mode="json", exclude_none=True),
            "extra": self.extra.model_dump(mode="json", exclude_none=True)
            if self.extra else None,
            "keep": format_duration(self.keep_cancelled), "alarms": self.alarms,
            "url": self.event_url, "content": _content_settings(self),
            "window": self.window.key(),
        }, sort_keys=True)

    def selectors(self) -> list[Selector]:
        return [s for s in (self.selector, self.extra) if s is not None and not s.is_empty()]


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """The version of a feed's rows. The ETag hashes the rows (which ones, and their
    versions), not the day's bounds: a body that stays the same keeps its ETag across
    days, so subscribers get 304s instead of a daily full download."""

    count: int
    newest: datetime | None
    sequences: int
    max_id: int
    bounds: Bounds
    ids: tuple[int, int] = (0, 0)  # sum and sum of squares of the rows' ids
    modified: datetime = EPOCH  # Last-Modified: newest, or when the bounds last moved a row

    def etag(self, spec: FeedSpec) -> str:
        text = "\x1f".join([spec.key(), str(self.count), self.newest.isoformat()
                            if self.newest else "", str(self.sequences), str(self.max_id),
                            str(self.ids)])
        return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def python_only(selector: Selector) -> bool:
    """Whether part of `selector` cannot be pushed into SQL (actor globs, where, none-tags)."""
    return bool(selector.actor or selector.where or (selector.tags and selector.tags.none))


def _rows(spec: FeedSpec, bounds: Bounds) -> FeedRows:
    return FeedRows(spec.selectors(), bounds.start, bounds.end, bounds.cutoff)


def fingerprint(conn: Connection, spec: FeedSpec, now: datetime) -> Fingerprint:
    bounds = spec.bounds(now)
    count, newest, sequences, max_id, id_sum, id_squares, latest_start = \
        _rows(spec, bounds).summary(conn)
    if not count:  # an empty feed still says when its selection last changed
        newest = _rows(spec, Bounds(EPOCH, None, None)).newest(conn)
    newest = aware(newest) if newest is not None else EPOCH
    moved = moved_at(conn, spec.selectors(), spec.window, spec.keep_cancelled, bounds,
                     latest_start, now) if count or newest > EPOCH else EPOCH
    return Fingerprint(int(count), newest, int(sequences), int(max_id), bounds,
                       (int(id_sum), int(id_squares)), max(newest, moved))


def _zones(conn: Connection, spec: FeedSpec, bounds: Bounds) -> dict[str, tuple[int, int]]:
    """Zones of the feed's timed events with the years they span (for VTIMEZONEs).

    With a selector SQL cannot fully apply (actor globs), the candidate rows are checked
    in Python, so the feed carries only the VTIMEZONEs its events use."""
    rows = _rows(spec, bounds)
    check = [s for s in spec.selectors() if python_only(s)]
    if check:
        return event_zones(e for e in rows.timed_events(conn)
                           if all(s.matches(e.data, e.source) for s in check))
    return {zone: (_year(first), _year(final))
            for zone, first, final in rows.zone_spans(conn)}


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
    return json.dumps([spec.alarms, spec.event_url, spec.language, _content_settings(spec)])


def _content_settings(spec: FeedSpec) -> str:
    """The settings that shape each VEVENT beyond alarms (a digest: organisations may
    be many)."""
    text = json.dumps([str(spec.spans), spec.colors, spec.level_titles,
                       [(a, o.url, sorted(o.pages.items())) for a, o in spec.organisations]])
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


def iter_feed(conn: Connection, spec: FeedSpec, fp: Fingerprint, cache: EventCache
              ) -> Iterator[bytes]:
    """The feed's bytes in chunks, reading the store in batches."""
    meta = spec.meta
    header = CalendarMeta(name=meta.name, description=meta.description, url=meta.url,
                          refresh=meta.refresh, color=meta.color, last_modified=fp.newest)
    yield (calendar_header(header) + render_timezones(_zones(conn, spec, fp.bounds))).encode()
    render = _Renderer(spec)
    check = [s for s in spec.selectors() if python_only(s)]
    batch: list[tuple[int, str, int, str]] = []
    for key in _rows(spec, fp.bounds).keys(conn, 5 * _BATCH):
        batch.append(key)
        if len(batch) >= _BATCH:
            yield _render_batch(conn, batch, render, check, cache)
            batch = []
    if batch:
        yield _render_batch(conn, batch, render, check, cache)
    yield CALENDAR_END.encode()


def feed_events(conn: Connection, spec: FeedSpec, now: datetime) -> Iterator[Event]:
    """The stored events the feed publishes today, in time order: the rows `iter_feed`
    renders (same selection, window, retention of cancelled events and privacy), for
    pages that show a feed's events (the dashboard's "subscribe to this view")."""
    bounds = spec.bounds(now)
    check = [s for s in spec.selectors() if python_only(s)]
    for event in _rows(spec, bounds).ordered_events(conn):
        if check and not all(s.matches(event.data, event.source) for s in check):
            continue
        if spec.hide is not None and spec.hide.hides(event.data, event.source):
            continue
        yield event


class _Renderer:
    """One stored event to the VEVENTs the feed publishes for it: its link
    (`links.py`), its spans (`spans.py`), its level's COLOR and the alarms."""

    def __init__(self, spec: FeedSpec) -> None:
        self.spec = spec
        self.variant = _variant(spec)
        self.alarms = spec.alarm_spec
        self.colors = dict(spec.colors)
        self.level_titles = dict(spec.level_titles)
        self.organisations = dict(spec.organisations)

    def __call__(self, event: Event) -> str:
        spec = self.spec
        fallback = f"{spec.event_url}{event.uid}" if spec.event_url else None
        language = spec.language
        data = linked(in_language(event.data, language), self.organisations, fallback,
                      language)
        event = replace(event, data=data)
        color = self.colors.get(event.level)
        return "".join(render_event(piece, language=language, alarms=self.alarms,
                                    fallback_url=fallback, color=color,
                                    level_title=self.level_titles.get(event.level))
                       for piece in published(event, spec.spans, language))


def _render_batch(conn: Connection, batch: Sequence[tuple[int, str, int, str]],
                  render: _Renderer, check: list[Selector], cache: EventCache) -> bytes:
    parts: list[bytes | None] = []
    missing: dict[int, int] = {}  # event id -> position in parts
    variant = render.variant
    hide = render.spec.hide
    for event_id, uid, sequence, digest in batch:
        chunk = None if check or hide else cache.get((uid, sequence, digest, variant))
        if chunk is None:
            missing[event_id] = len(parts)
        parts.append(chunk)
    cache.hits += len(batch) - len(missing)
    if missing:
        for event in events_by_ids(conn, missing):
            position = missing[event.id]
            if check and not all(s.matches(event.data, event.source) for s in check):
                continue
            if hide is not None and hide.hides(event.data, event.source):
                continue
            key = (event.uid, event.sequence, event.content_hash, variant)
            chunk = cache.get(key)
            if chunk is None:
                cache.misses += 1
                chunk = render(event).encode()
                cache.put(key, chunk)
            parts[position] = chunk
    return b"".join(p for p in parts if p is not None)
