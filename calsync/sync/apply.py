"""Writing a sync plan to the store, inside the caller's transaction.

New events are bulk-inserted; changed ones get `sequence + 1` and a revision naming
every field that moved; disappeared upcoming events become cancelled (never deleted),
with a revision saying why; unchanged ones only have `last_seen` touched.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update

from calsync.model import EventData, Status, event_uid
from calsync.store.events import event_values, row_to_data
from calsync.store.tables import event_revisions, events
from calsync.sync.plan import Known, Plan

__all__ = ["apply_plan", "load_known", "touch_seen"]

_CHUNK = 500


def load_known(conn: Connection, source: str) -> dict[str, Known]:
    cols = (events.c.id, events.c.external_uid, events.c.record_key, events.c.content_hash,
            events.c.status, events.c.start_at, events.c.end_at)
    rows = conn.execute(select(*cols).where(events.c.source == source))
    return {row.external_uid: Known(*row) for row in rows}


def apply_plan(conn: Connection, source: str, plan: Plan, *, now: datetime, sync_id: int,
               uid_domain: str, cancel_reason: str) -> list[int]:
    """Write `plan`; returns the ids of the events it added, changed or cancelled (what
    rule evaluation must look at), in that order."""
    added: list[int] = []
    if plan.added:
        added = list(conn.execute(
            insert(events).returning(events.c.id, sort_by_parameter_order=True), [
                {**event_values(data), "uid": event_uid(source, data.external_uid, uid_domain),
                 "source": source, "sequence": 0, "content_hash": digest, "record_key": key,
                 "first_seen": now, "last_seen": now, "updated_at": now}
                for data, digest, key in plan.added]).scalars())
    old_rows = _full_rows(conn, [k.id for k, *_ in plan.changed] +
                          [k.id for k in plan.disappeared])
    revisions: list[dict[str, Any]] = []
    for known, data, digest, key in plan.changed:
        row = old_rows[known.id]
        sequence = row["sequence"] + 1
        conn.execute(update(events).where(events.c.id == known.id).values(
            **event_values(data), content_hash=digest, record_key=key, sequence=sequence,
            last_seen=now, updated_at=now))
        old = row_to_data(row)
        change = "restored" if (old.status == Status.CANCELLED
                                and data.status != Status.CANCELLED) else "changed"
        revisions.append(_revision(known.id, sync_id, now, change, sequence,
                                   _diff(old, data), None))
    for known in plan.disappeared:
        row = old_rows[known.id]
        old = row_to_data(row)
        new = replace(old, status=Status.CANCELLED)
        sequence = row["sequence"] + 1
        conn.execute(update(events).where(events.c.id == known.id).values(
            status=str(Status.CANCELLED), content_hash=new.content_hash(), sequence=sequence,
            updated_at=now, record_key=None))  # no key: if it reappears, it is re-mapped
        revisions.append(_revision(known.id, sync_id, now, "cancelled", sequence,
                                   _diff(old, new), cancel_reason))
    if revisions:
        conn.execute(insert(event_revisions), revisions)
    if plan.rekeyed:
        conn.execute(update(events).where(events.c.id == bindparam("event_id"))
                     .values(record_key=bindparam("key")),
                     [{"event_id": i, "key": k} for i, k in plan.rekeyed])
    touch_seen(conn, plan.unchanged, now)
    return [*added, *(k.id for k, *_ in plan.changed), *(k.id for k in plan.disappeared)]


def touch_seen(conn: Connection, ids: Sequence[int], now: datetime) -> None:
    for chunk in _chunks(ids):
        conn.execute(update(events).where(events.c.id.in_(chunk)).values(last_seen=now))


def _full_rows(conn: Connection, ids: list[int]) -> dict[int, Any]:
    out: dict[int, Any] = {}
    for chunk in _chunks(ids):
        for row in conn.execute(select(events).where(events.c.id.in_(chunk))).mappings():
            out[row["id"]] = row
    return out


def _diff(old: EventData, new: EventData) -> dict[str, list[Any]]:
    before, after = old.material(), new.material()
    return {name: [before[name], after[name]] for name in after if before[name] != after[name]}


def _revision(event_id: int, sync_id: int, at: datetime, change: str, sequence: int,
              changes: dict[str, list[Any]], reason: str | None) -> dict[str, Any]:
    return {"event_id": event_id, "sync_id": sync_id, "at": at, "change": change,
            "sequence": sequence, "changes": changes, "reason": reason}


def _chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for i in range(0, len(ids), _CHUNK):
        yield ids[i:i + _CHUNK]
