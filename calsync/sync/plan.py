"""What a sync decided to change: the plan's data types, without touching the database.

A `Plan` sorts events into added, changed, unchanged or disappeared; `calsync.sync.planner`
makes one per batch of records (so a large payload is never mapped all at once) and a
`Tally` of the whole sync. Both are plain data, so the sync semantics (identity,
cancel-on-disappear, the mass-removal guard) are testable without a database, and
`calsync.sync.apply` writes each batch.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple, TypedDict

from calsync.model import EventData
from calsync.sdk.contract import Horizon, Record

__all__ = ["Counts", "Known", "Limits", "Plan", "Settle", "Tally", "ToEvents"]

ToEvents = Callable[[Record, Horizon], Iterable[EventData]]
Settle = Callable[[EventData, Any], EventData]
"""(draft, the record's raw data) -> the event to store."""


class Counts(TypedDict):
    added: int
    changed: int
    cancelled: int
    unchanged: int
    skipped: int


class Known(NamedTuple):
    """What the store holds of one event of the source (enough to diff, not the whole row).
    A named tuple: a re-sync makes one for every stored event of the source, and a frozen
    dataclass's `__init__` was a sixth of a small re-sync."""

    id: int
    external_uid: str
    record_key: str | None
    content_hash: str
    status: str
    until: datetime
    """Its end, or its start if it has none: all a sync asks of its time (is it upcoming)."""

    def upcoming(self, now: datetime) -> bool:
        return self.until >= now


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds on one sync's mapping work: events produced and seconds spent. A sync that
    reaches one stops reading, keeps the stored events of what it did not read, and says
    so in its warnings."""

    max_events: int | None = None
    max_seconds: float | None = None


@dataclass
class Plan:
    """One batch of a sync's changes (or a whole sync's, from `plan_sync`)."""

    added: list[tuple[EventData, str, str]] = field(default_factory=list)
    changed: list[tuple[Known, EventData, str, str]] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)
    rekeyed: list[tuple[int, str]] = field(default_factory=list)
    disappeared: list[Known] = field(default_factory=list)
    skipped: int = 0
    skip_reasons: list[str] = field(default_factory=list)
    upcoming_active: int = 0
    warnings: list[str] = field(default_factory=list)

    def removal_share(self) -> float:
        if not self.disappeared:
            return 0.0
        return len(self.disappeared) / max(self.upcoming_active, 1)

    def counts(self) -> Counts:
        return {"added": len(self.added), "changed": len(self.changed),
                "cancelled": len(self.disappeared), "unchanged": len(self.unchanged),
                "skipped": self.skipped}


class Tally:
    """What a whole sync planned, summed over its batches: the counts, the skips and
    warnings a person should see, and what the mass-removal guard needs (the events that
    would be cancelled, the upcoming active ones)."""

    def __init__(self) -> None:
        self.added = self.changed = self.unchanged = self.skipped = 0
        self.skip_reasons: list[str] = []
        self.warnings: list[str] = []
        self.disappeared: list[Known] = []
        self.upcoming_active = 0

    def removal_share(self) -> float:
        if not self.disappeared:
            return 0.0
        return len(self.disappeared) / max(self.upcoming_active, 1)

    def counts(self) -> Counts:
        return {"added": self.added, "changed": self.changed,
                "cancelled": len(self.disappeared), "unchanged": self.unchanged,
                "skipped": self.skipped}

    def skip(self, reason: str) -> None:
        self.skipped += 1
        if len(self.skip_reasons) < 5:
            self.skip_reasons.append(reason)

    def warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)
