"""Deciding what a sync changes, without touching the database.

Given what the store holds for a source and what the upstream returned, `plan_sync`
sorts every event into added, changed, unchanged or disappeared. It is pure, so the
sync semantics (identity, cancel-on-disappear, the mass-removal guard) are testable on
plain data, and the apply step can run in one short transaction.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypedDict

from calsync.errors import PartialRecordError, SkippableRecordError
from calsync.model import EventData, Status
from calsync.sdk.contract import Horizon, Record
from calsync.sync.series import pair_retimed

__all__ = ["Counts", "Known", "Limits", "Plan", "plan_sync"]

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


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds on one sync's mapping work: events produced and seconds spent. A sync that
    reaches one stops reading, keeps the stored events of what it did not read, and says
    so in its warnings."""

    max_events: int | None = None
    max_seconds: float | None = None


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
    warnings: list[str] = field(default_factory=list)

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
              reuse_keys: bool, complete: bool = True, limits: Limits | None = None) -> Plan:
    """Sort the upstream's records against the known events of the source.

    `reuse_keys`: records whose key the store already has are unchanged without being
    mapped (valid only while the connector's config and the horizon are unchanged).
    Upcoming events missing from a complete payload are planned for cancellation;
    events already in the past are left alone, as history.

    Unreadable is not removed: the stored events of a record that cannot be read (or of
    what a partly read one left out) are kept as they are, by the record's `identity`; a
    record without one makes the payload incomplete, so nothing is cancelled. The same
    holds for the records left unread when a `limits` bound is reached.
    """
    plan = Plan()
    limits = limits or Limits()
    deadline = None if limits.max_seconds is None else time.monotonic() + limits.max_seconds
    produced = 0
    keep: set[str] = set()
    by_key: dict[str, list[Known]] = {}
    if reuse_keys:
        for item in known.values():
            if item.record_key is not None:
                by_key.setdefault(item.record_key, []).append(item)
    seen: set[str] = set()
    bound: str | None = None
    for record in records:
        reused = by_key.get(record.key)
        if reused is not None:
            for item in reused:
                if item.external_uid not in seen:
                    seen.add(item.external_uid)
                    plan.unchanged.append(item.id)
            continue
        if bound is None:
            bound = _bound(limits, produced, deadline)
        if bound is not None:  # not read: keep what it gave last time
            complete = _keep(record, keep) and complete
            continue
        try:
            drafts = list(to_events(record, horizon))
        except PartialRecordError as exc:
            _skip(plan, str(exc))
            drafts = exc.events
            complete = _keep(record, keep) and complete
        except SkippableRecordError as exc:
            _skip(plan, str(exc))
            if not _keep(record, keep):
                complete = False
                _warn(plan, "a record without an id could not be read, so nothing is "
                            "cancelled in this sync")
            continue
        produced += len(drafts)
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
    _retimed(plan, known, seen)
    if bound is not None:
        _warn(plan, f"stopped reading: {bound}; the stored events of the records not read "
                    "are kept as they were")
    for item in known.values():
        active = item.status != Status.CANCELLED and item.upcoming(now)
        plan.upcoming_active += active
        if item.external_uid not in seen and _kept(item.external_uid, keep):
            seen.add(item.external_uid)
            plan.unchanged.append(item.id)
        elif complete and active and item.external_uid not in seen:
            plan.disappeared.append(item)
    return plan


def _retimed(plan: Plan, known: dict[str, Known], seen: set[str]) -> None:
    """New occurrences that are vanished ones retimed (`calsync.sync.series`) become
    changes of the stored events, which keeps their UIDs."""
    vanished = [uid for uid, item in known.items()
                if uid not in seen and item.status != Status.CANCELLED]
    pairs = pair_retimed((data for data, _, _ in plan.added), vanished)
    if not pairs:
        return
    added = []
    for data, digest, key in plan.added:
        old_uid = pairs.get(data.external_uid)
        if old_uid is None:
            added.append((data, digest, key))
        else:
            plan.changed.append((known[old_uid], data, digest, key))
            seen.add(old_uid)
    plan.added = added


def _bound(limits: Limits, produced: int, deadline: float | None) -> str | None:
    """Which bound the sync has reached, in words (None: none yet)."""
    if limits.max_events is not None and produced >= limits.max_events:
        return f"the source gave {produced} events, its limit is {limits.max_events} " \
               "(max_events)"
    if deadline is not None and time.monotonic() > deadline:
        return f"reading took longer than {limits.max_seconds:g} s (max_mapping_seconds)"
    return None


def _keep(record: Record, keep: set[str]) -> bool:
    """Remember to keep the stored events of `record`; False if it has no identity."""
    if record.identity is None:
        return False
    keep.add(record.identity)
    return True


def _kept(external_uid: str, keep: set[str]) -> bool:
    # An occurrence's id is `identity/RECURRENCE-ID`; the id itself may contain "/".
    return bool(keep) and (external_uid in keep or external_uid.rsplit("/", 1)[0] in keep)


def _skip(plan: Plan, reason: str) -> None:
    plan.skipped += 1
    if len(plan.skip_reasons) < 5:
        plan.skip_reasons.append(reason)


def _warn(plan: Plan, message: str) -> None:
    if message not in plan.warnings:
        plan.warnings.append(message)
