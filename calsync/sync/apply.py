"""Writing a sync plan to the store, inside the caller's transaction.

A large sync's plan comes in batches (`calsync.sync.planner`); `apply_batches` writes
them all in the caller's one transaction, so readers see the whole sync or none of it.

New events are bulk-inserted; changed ones get `sequence + 1` and a revision naming
every field that moved; disappeared upcoming events become cancelled (never deleted),
with a revision saying why; unchanged ones only have `last_seen` touched.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from calsync.model import EventData, Status, event_uid
from calsync.store.events import (
    add_events,
    add_revisions,
    event_values,
    known_of,
    rekey,
    row_to_data,
    rows_by_ids,
    touch_seen,
    update_events,
)
from calsync.sync.plan import Known, Plan

__all__ = ["apply_batches", "apply_plan", "load_known"]


def load_known(conn: Connection, source: str) -> dict[str, Known]:
    return {row[1]: Known._make(row) for row in known_of(conn, source)}


def apply_batches(conn: Connection, source: str, plans: Iterable[Plan], *, now: datetime,
                  sync_id: int, uid_domain: str, cancel_reason: str) -> list[int]:
    """Write every batch of one sync; the ids of the events they added, changed or
    cancelled (what rule evaluation must look at), in that order."""
    added: list[int] = []
    changed: list[int] = []
    cancelled: list[int] = []
    for plan in plans:
        a, c, x = _apply(conn, source, plan, now=now, sync_id=sync_id,
                         uid_domain=uid_domain, cancel_reason=cancel_reason)
        added += a
        changed += c
        cancelled += x
    return [*added, *changed, *cancelled]


def apply_plan(conn: Connection, source: str, plan: Plan, *, now: datetime, sync_id: int,
               uid_domain: str, cancel_reason: str) -> list[int]:
    """Write `plan`; returns the ids of the events it added, changed or cancelled (what
    rule evaluation must look at), in that order."""
    added, changed, cancelled = _apply(conn, source, plan, now=now, sync_id=sync_id,
                                       uid_domain=uid_domain, cancel_reason=cancel_reason)
    return [*added, *changed, *cancelled]


def _apply(conn: Connection, source: str, plan: Plan, *, now: datetime, sync_id: int,
           uid_domain: str, cancel_reason: str) -> tuple[list[int], list[int], list[int]]:
    added = add_events(conn, [
        {**event_values(data), "uid": event_uid(source, data.external_uid, uid_domain),
         "source": source, "sequence": 0, "content_hash": digest, "record_key": key,
         "first_seen": now, "last_seen": now, "updated_at": now}
        for data, digest, key in plan.added])
    old_rows = rows_by_ids(conn, [k.id for k, *_ in plan.changed] +
                           [k.id for k in plan.disappeared])
    revisions: list[dict[str, Any]] = []
    changed: list[dict[str, Any]] = []
    for known, data, digest, key in plan.changed:
        row = old_rows[known.id]
        sequence = row["sequence"] + 1
        changed.append({"event_id": known.id, **event_values(data), "content_hash": digest,
                        "record_key": key, "sequence": sequence, "last_seen": now,
                        "updated_at": now})
        old = row_to_data(row)
        change = "restored" if (old.status == Status.CANCELLED
                                and data.status != Status.CANCELLED) else "changed"
        revisions.append(_revision(known.id, sync_id, now, change, sequence,
                                   _diff(old, data), None))
    update_events(conn, changed)
    cancelled: list[dict[str, Any]] = []
    for known in plan.disappeared:
        row = old_rows[known.id]
        old = row_to_data(row)
        new = replace(old, status=Status.CANCELLED)
        sequence = row["sequence"] + 1
        cancelled.append({"event_id": known.id, "status": str(Status.CANCELLED),
                          "content_hash": new.content_hash(), "sequence": sequence,
                          "updated_at": now,
                          "record_key": None})  # no key: if it reappears, it is re-mapped
        revisions.append(_revision(known.id, sync_id, now, "cancelled", sequence,
                                   _diff(old, new), cancel_reason))
    update_events(conn, cancelled)
    add_revisions(conn, revisions)
    rekey(conn, plan.rekeyed)
    touch_seen(conn, plan.unchanged, now)
    return added, [k.id for k, *_ in plan.changed], [k.id for k in plan.disappeared]


def _diff(old: EventData, new: EventData) -> dict[str, list[Any]]:
    before, after = old.material(), new.material()
    return {name: [before[name], after[name]] for name in after if before[name] != after[name]}


def _revision(event_id: int, sync_id: int, at: datetime, change: str, sequence: int,
              changes: dict[str, list[Any]], reason: str | None) -> dict[str, Any]:
    return {"event_id": event_id, "sync_id": sync_id, "at": at, "change": change,
            "sequence": sequence, "changes": changes, "reason": reason}

