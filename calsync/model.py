"""The one vocabulary every level shares: an event on the unified timeline.

Connectors produce `EventData` (what the upstream says); the store adds identity and
history and hands back `Event`. Times are either aware instants (kept with the source's
zone name) or all-day dates with an exclusive end, never naive datetimes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

__all__ = [
    "DEFAULT_KINDS",
    "DEFAULT_LEVELS",
    "Event",
    "EventData",
    "EventFacts",
    "Status",
    "day_start",
    "event_uid",
]

DEFAULT_LEVELS = ("eu", "national", "regional", "municipal")
DEFAULT_KINDS = (
    "decision", "budget", "deadline", "consultation", "meeting", "period", "election",
    "report", "holiday", "blackout",
)


class Status(StrEnum):
    TENTATIVE = "tentative"
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"


class EventFacts(NamedTuple):
    """A stored event as plain values, decoded but not validated: what the rules' timeline
    is built from (`calsync.store.facts.iter_facts` reads them far cheaper than `Event`s).
    `start`/`end` are POSIX seconds (UTC; midnight UTC of the dates when `all_day`): the
    database computes them, so no row pays for parsing a timestamp into a datetime.
    `sequence` counts the event's changes (what an in-memory timeline checks itself by)."""

    id: int
    uid: str
    source: str
    external_uid: str
    level: str
    actor: str
    kind: str
    title: str
    description: str
    url: str | None
    location: str | None
    tags: tuple[str, ...]
    attrs: dict[str, Any]
    all_day: bool
    start: int
    end: int | None
    timezone: str
    status: str
    sequence: int = 0


def day_start(d: date, tz: str = "UTC") -> datetime:
    """Midnight of `d` in zone `tz`, as an aware datetime."""
    return datetime.combine(d, time(0), ZoneInfo(tz))


def event_uid(source: str, external_uid: str, domain: str = "calsync") -> str:
    """The public UID of an event: derived once from its identity, never regenerated."""
    digest = hashlib.blake2b(f"{source}\x1f{external_uid}".encode(), digest_size=10).hexdigest()
    return f"{digest}@{domain}"


_MATERIAL_JSON = json.JSONEncoder(sort_keys=True, ensure_ascii=False)
"""`json.dumps(..., sort_keys=True, ensure_ascii=False)` made once: the same text (so the
same stored hashes), without building an encoder for each of a sync's events."""


@dataclass(frozen=True, slots=True)
class EventData:
    """An event as an upstream describes it, before calsync gives it identity and history.

    `start` is an aware datetime or, for all-day events, a `date`; `end` is of the same
    type (exclusive for dates) or None for an instant. `timezone` names the source's zone
    so feeds can show wall-clock times as the source meant them. `level`, `actor` and
    `kind` may be left None by a connector; the sync fills them from the connector's
    config before storing.
    """

    external_uid: str
    title: str
    start: datetime | date
    end: datetime | date | None = None
    timezone: str = "UTC"
    level: str | None = None
    actor: str | None = None
    kind: str | None = None
    description: str = ""
    url: str | None = None
    location: str | None = None
    tags: tuple[str, ...] = ()
    status: Status = Status.CONFIRMED
    attrs: Mapping[str, str] = field(default_factory=dict)
    source_fields: Any = field(default=None, compare=False, repr=False)
    """The raw upstream record (a JSON object, a CSV row, chosen iCal properties) for
    mapping rules to read fields from; never stored, never part of the content."""

    def __post_init__(self) -> None:
        if not self.external_uid:
            raise ValueError("an event needs a non-empty external_uid")
        if isinstance(self.start, datetime):
            if self.start.tzinfo is None or self.start.utcoffset() is None:
                raise ValueError(f"{self.external_uid}: start {self.start} has no time zone")
            if self.end is not None and not isinstance(self.end, datetime):
                raise ValueError(f"{self.external_uid}: start is a datetime, end must be one too")
            if isinstance(self.end, datetime):
                if self.end.tzinfo is None or self.end.utcoffset() is None:
                    raise ValueError(f"{self.external_uid}: end {self.end} has no time zone")
                if self.end < self.start:
                    raise ValueError(f"{self.external_uid}: end {self.end} is before start")
        else:
            if self.end is None:
                object.__setattr__(self, "end", self.start + timedelta(days=1))
            elif isinstance(self.end, datetime):
                raise ValueError(f"{self.external_uid}: start is a date, end must be one too")
            elif self.end <= self.start:
                raise ValueError(f"{self.external_uid}: all-day end must be after start "
                                 "(it is exclusive)")
        ZoneInfo(self.timezone)  # raises on an unknown zone name

    @property
    def all_day(self) -> bool:
        return not isinstance(self.start, datetime)

    @property
    def start_utc(self) -> datetime:
        """Start as a UTC instant; an all-day date maps to midnight UTC of that date."""
        return _as_utc(self.start)

    @property
    def end_utc(self) -> datetime | None:
        return None if self.end is None else _as_utc(self.end)

    def content_hash(self) -> str:
        """Hash of everything material: equal hashes mean nothing a user sees has changed."""
        payload = _MATERIAL_JSON.encode(self.material())
        return hashlib.blake2b(payload.encode(), digest_size=16).hexdigest()

    def material(self) -> dict[str, Any]:
        """The user-visible fields, JSON-ready; what revisions compare."""
        return {
            "title": self.title,
            "start": self.start.isoformat(),
            "end": self.end.isoformat() if self.end is not None else None,
            "all_day": self.all_day,
            "timezone": self.timezone,
            "level": self.level,
            "actor": self.actor,
            "kind": self.kind,
            "description": self.description,
            "url": self.url,
            "location": self.location,
            "tags": sorted(self.tags),
            "status": str(self.status),
            "attrs": dict(sorted(self.attrs.items())),
        }

    def with_(self, **changes: Any) -> EventData:
        return replace(self, **changes)


@dataclass(frozen=True, slots=True)
class Event:
    """An event on the unified timeline: upstream data plus identity and history."""

    id: int
    uid: str
    source: str
    data: EventData
    sequence: int
    content_hash: str
    first_seen: datetime
    last_seen: datetime
    updated_at: datetime

    # Convenience pass-throughs keep call sites short (event.title, not event.data.title).
    @property
    def external_uid(self) -> str:
        return self.data.external_uid

    @property
    def title(self) -> str:
        return self.data.title

    @property
    def start(self) -> datetime | date:
        return self.data.start

    @property
    def end(self) -> datetime | date | None:
        return self.data.end

    @property
    def level(self) -> str:
        return self.data.level or ""

    @property
    def actor(self) -> str:
        return self.data.actor or ""

    @property
    def kind(self) -> str:
        return self.data.kind or ""

    @property
    def status(self) -> Status:
        return self.data.status

    @property
    def tags(self) -> tuple[str, ...]:
        return self.data.tags

    @property
    def all_day(self) -> bool:
        return self.data.all_day

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready view used by the CLI's json output and the API."""
        out: dict[str, Any] = {"uid": self.uid, "source": self.source,
                               "external_uid": self.external_uid}
        out.update(self.data.material())
        out.update(
            sequence=self.sequence,
            first_seen=self.first_seen.isoformat(),
            last_seen=self.last_seen.isoformat(),
            updated_at=self.updated_at.isoformat(),
        )
        return out


def _as_utc(value: datetime | date) -> datetime:
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    return datetime.combine(value, time(0), UTC)


EVENT_DATA_FIELDS = tuple(f.name for f in fields(EventData))
