"""The persistent outbox: notifications are rows first, deliveries second.

Enqueued in the same transaction that decides them (see `dispatch`), each row is
claimed by one instance under a lease measured in **database time** (so clocks of N
instances need not agree), sent, and marked sent with a fence on (owner, attempt):
an instance whose lease ran out cannot mark a row another instance took over. The lease
is `calsync.store.lease`, the one the scheduler's run ledger holds its runs with. A
failure is retried with exponential backoff until `max_attempts`, then the row is
`dead` (kept, with its last error). Rows of one receiver and group go out in order:
a later notification waits while an earlier one is still pending, so a receiver that
was down sees "firing" before "resolved".
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, insert, select

from calsync.alerts.notify.senders import SendError, send
from calsync.config.schema import Config
from calsync.durations import backoff, seconds_of
from calsync.store.clock import db_now
from calsync.store.engine import inserted_id
from calsync.store.lease import Held, Leases
from calsync.store.tables import notification_outbox as outbox

__all__ = ["DrainReport", "default_owner", "enqueue", "list_outbox", "send_due"]

log = logging.getLogger("calsync.notify")


def default_owner() -> str:
    """A stable-enough identity for this process (host, pid, random suffix)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def enqueue(conn: Connection, *, receiver: str, group_key: str, reason: str,
            payload: dict[str, Any]) -> int:
    now = db_now(conn)
    return inserted_id(conn.execute(insert(outbox).values(
        receiver=receiver, group_key=group_key, reason=reason, payload=payload,
        status="pending", attempts=0, created_at=now, next_attempt_at=now)))


@dataclass
class DrainReport:
    sent: list[int] = field(default_factory=list)
    retrying: list[int] = field(default_factory=list)
    dead: list[int] = field(default_factory=list)
    enqueued: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"enqueued": self.enqueued, "sent": len(self.sent),
                "retrying": len(self.retrying), "dead": len(self.dead)}


def _seconds(config: Config, which: str) -> float:
    return seconds_of(getattr(config.alerts.outbox, which))


def _due_ids(conn: Connection, now: datetime, limit: int) -> list[int]:
    rows = conn.execute(select(outbox.c.id, outbox.c.receiver, outbox.c.group_key,
                               outbox.c.next_attempt_at, outbox.c.lease_until)
                        .where(outbox.c.status == "pending").order_by(outbox.c.id)).all()
    blocked: set[tuple[str, str]] = set()
    out = []
    for row_id, receiver, key, next_at, lease in rows:
        if (receiver, key) in blocked:
            continue
        blocked.add((receiver, key))  # later rows of this group wait for this one
        if next_at <= now and (lease is None or lease < now):
            out.append(row_id)
            if len(out) >= limit:
                break
    return out


def send_due(engine: Engine, config: Config, *, owner: str | None = None,
             limit: int = 100) -> DrainReport:
    """Send every due outbox row once (claim, send, record); see the module doc."""
    owner = owner or default_owner()
    report = DrainReport()
    receivers = config.alerts.receivers
    lease = _seconds(config, "lease")
    leases = Leases(outbox, engine.dialect.name, owner="claimed_by", token="attempts")
    base, ceiling = _seconds(config, "backoff"), _seconds(config, "max_backoff")
    with engine.begin() as conn:
        ids = _due_ids(conn, db_now(conn), limit)
    for row_id in ids:
        with engine.begin() as conn:
            claimed = conn.execute(leases.claim(
                owner, lease, outbox.c.id == row_id, outbox.c.status == "pending",
                outbox.c.next_attempt_at <= leases.now()))
            if claimed.rowcount != 1:
                continue
            row = conn.execute(select(outbox).where(outbox.c.id == row_id)).mappings().one()
        attempt = row["attempts"]
        held = Held(row_id, owner, attempt)
        receiver = receivers.get(row["receiver"])
        status: int | None = None
        error: SendError | None = None
        if receiver is None:
            error = SendError(f"receiver {row['receiver']!r} is no longer configured",
                              retriable=False)
        else:
            try:
                status = send(receiver, row["payload"], row_id)
            except SendError as exc:
                error = exc
        with engine.begin() as conn:
            if error is None:
                conn.execute(leases.release(held, status="sent", sent_at=leases.now(),
                                            last_status=status, last_error=None))
                report.sent.append(row_id)
                continue
            if error.retriable and attempt < config.alerts.outbox.max_attempts:
                wait = backoff(attempt, base=base, ceiling=ceiling)
                conn.execute(leases.release(
                    held, next_attempt_at=leases.now(wait), last_error=str(error),
                    last_status=error.status))
                report.retrying.append(row_id)
                log.warning("notification %s to %s failed (attempt %s), retrying in %ss: %s",
                            row_id, row["receiver"], attempt, wait, error)
            else:
                conn.execute(leases.release(held, status="dead", last_error=str(error),
                                            last_status=error.status))
                report.dead.append(row_id)
                log.error("notification %s to %s given up after %s attempts: %s",
                          row_id, row["receiver"], attempt, error)
    return report


def list_outbox(conn: Connection, *, status: str | None = None, limit: int = 100
                ) -> list[dict[str, Any]]:
    stmt = select(outbox).order_by(outbox.c.id.desc()).limit(limit)
    if status is not None:
        stmt = stmt.where(outbox.c.status == status)
    return [dict(row) for row in conn.execute(stmt).mappings()]
