"""Deciding what a sync changes, without touching the database.

Given what the store holds for a source and what the upstream returned, `plan_sync`
sorts every event into added, changed, unchanged or disappeared. It is pure, so the
sync semantics (identity, cancel-on-disappear, the mass-removal guard) are testable on
plain data, and the apply step can run in one short transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypedDict

from calsync.errors import SkippableRecordError
from calsync.model import EventData, Status
from calsync.sdk.contract import Horizon, Record

__all__ = ["Counts", "Known", "Plan", "plan_sync"]

ToEvents = Callable[[Record, Horizon], Iterable[EventData]]
Settle = Callable[[EventData, Any], EventData]
"""(draft, the record's raw data) -> the event to store."""


class Counts(TypedDict):
    added: int
    changed: int
    cancelled: int
    unchanged: int
    skipped: int


@dataclass(frozen=True, slots=True)
class Known:
    """What the store holds of one event of the source (enough to diff, not the whole row)."""

    id: int
    external_uid: str
    record_key: str | None
    content_hash: str
    status: str
    start_at: datetime
    end_at: datetime | None

    def upcoming(self, now: datetime) -> bool:
        return (self.end_at or self.start_at) >= now


@dataclass
class Plan:
    added: list[tuple[EventData, str, str]] = field(default_factory=list)
    changed: list[tuple[Known, EventData, str, str]] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)
    rekeyed: list[tuple[int, str]] = field(default_factory=list)
    disappeared: list[Known] = field(default_factory=list)
    skipped: int = 0
    skip_reasons: list[str] = field(default_factory=list)
    upcoming_active: int = 0

    def removal_share(self) -> float:
        if not self.disappeared:
            return 0.0
        return len(self.disappeared) / max(self.upcoming_active, 1)

    def counts(self) -> Counts:
        return {"added": len(self.added), "changed": len(self.changed),
                "cancelled": len(self.disappeared), "unchanged": len(self.unchanged),
                "skipped": self.skipped}


def plan_sync(records: Sequence[Record], to_events: ToEvents, settle: Settle,
              known: dict[str, Known], *, horizon: Horizon, now: datetime,
              reuse_keys: bool, complete: bool = True) -> Plan:
    """Sort the upstream's records against the known events of the source.

    `reuse_keys`: records whose key the store already has are unchanged without being
    mapped (valid only while the connector's config and the horizon are unchanged).
    Upcoming events missing from a complete payload are planned for cancellation;
    events already in the past are left alone, as history.
    """
    plan = Plan()
    by_key: dict[str, list[Known]] = {}
    if reuse_keys:
        for item in known.values():
            if item.record_key is not None:
                by_key.setdefault(item.record_key, []).append(item)
    seen: set[str] = set()
    for record in records:
        reused = by_key.get(record.key)
        if reused is not None:
            for item in reused:
                if item.external_uid not in seen:
                    seen.add(item.external_uid)
                    plan.unchanged.append(item.id)
            continue
        try:
            drafts = list(to_events(record, horizon))
        except SkippableRecordError as exc:
            _skip(plan, str(exc))
            continue
        for draft in drafts:
            try:
                data = settle(draft, record.data)
            except SkippableRecordError as exc:
                _skip(plan, str(exc))
                continue
            if data.external_uid in seen:
                _skip(plan, f"duplicate id {data.external_uid!r} in one payload (kept the first)")
                continue
            seen.add(data.external_uid)
            digest = data.content_hash()
            old = known.get(data.external_uid)
            if old is None:
                plan.added.append((data, digest, record.key))
            elif old.content_hash == digest:
                plan.unchanged.append(old.id)
                if old.record_key != record.key:
                    plan.rekeyed.append((old.id, record.key))
            else:
                plan.changed.append((old, data, digest, record.key))
    for item in known.values():
        active = item.status != Status.CANCELLED and item.upcoming(now)
        plan.upcoming_active += active
        if complete and active and item.external_uid not in seen:
            plan.disappeared.append(item)
    return plan


def _skip(plan: Plan, reason: str) -> None:
    plan.skipped += 1
    if len(plan.skip_reasons) < 5:
        plan.skip_reasons.append(reason)
