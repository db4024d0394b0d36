"""Queueing a digest: once per scheduled tick, into the persistent outbox.

The scheduler's ledger runs each digest's tick on one instance only; the outbox row's
key names the tick (`digest:NAME:TICK`) and is checked in the transaction that inserts
it, so a retried or taken-over run never queues the same digest twice; the outbox then
sends each row exactly once (leases and fences, `calsync.alerts.notify.outbox`). The
"changed since" of a digest starts where the previous one ended (its payload's `until`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine

from calsync.alerts.notify.dispatch import external_url
from calsync.alerts.notify.outbox import enqueue, last_payload, queued
from calsync.config.notify import DigestReceiver
from calsync.config.schema import Config
from calsync.digest.content import gather
from calsync.digest.render import Rendered, render_digest
from calsync.errors import NotFoundError

__all__ = ["digest_receiver", "digests", "enqueue_digest", "preview"]

FIRST_SINCE = timedelta(days=7)
"""What the first digest of a subscription counts as "since the last one"."""


def digests(config: Config) -> dict[str, DigestReceiver]:
    """The enabled digest subscriptions, by receiver name."""
    return {n: r for n, r in config.alerts.receivers.items()
            if isinstance(r, DigestReceiver) and r.enabled}


def digest_receiver(config: Config, name: str) -> DigestReceiver:
    found = config.alerts.receivers.get(name)
    if not isinstance(found, DigestReceiver):
        known = ", ".join(n for n, r in config.alerts.receivers.items()
                          if isinstance(r, DigestReceiver)) or "(none configured)"
        raise NotFoundError(f"no digest subscription named {name!r} under "
                            f"alerts.receivers (type: digest); known: {known}")
    return found


def _since(conn: Connection, name: str, now: datetime) -> datetime:
    previous = last_payload(conn, name)
    if previous and isinstance(previous.get("until"), str):
        return datetime.fromisoformat(previous["until"])
    return now - FIRST_SINCE


def _render(conn: Connection, config: Config, name: str, receiver: DigestReceiver,
            now: datetime) -> tuple[Rendered, datetime, dict[str, Any]]:
    since = _since(conn, name, now)
    digest = gather(conn, config, name, receiver, now, since)
    rendered = render_digest(digest, external_url(config), config.timezone)
    counts = {"coming": len(digest.agenda.items), "open": len(digest.open),
              "new": len(digest.new), "changed": len(digest.changes)}
    return rendered, since, counts


def preview(conn: Connection, config: Config, name: str, now: datetime) -> Rendered:
    """What the digest `name` would say if it were sent at `now`; writes nothing."""
    rendered, _, _ = _render(conn, config, name, digest_receiver(config, name),
                             now)
    return rendered


def enqueue_digest(engine: Engine, config: Config, name: str, now: datetime,
                   tick: datetime | None = None) -> dict[str, Any]:
    """Queue the digest `name` for `tick` (default: `now`) unless it is queued already."""
    receiver = digest_receiver(config, name)
    key = f"digest:{name}:{(tick or now).isoformat()}"
    with engine.begin() as conn:
        if queued(conn, name, key):
            return {"enqueued": 0, "skipped": "already queued"}
        rendered, since, counts = _render(conn, config, name, receiver, now)
        payload = {**rendered.as_payload(), "kind": "digest", "groupKey": key,
                   "language": receiver.language or config.language,
                   "since": since.isoformat(), "until": now.isoformat(), **counts}
        outbox_id = enqueue(conn, receiver=name, group_key=key, reason="digest",
                            payload=payload)
    return {"enqueued": 1, "outbox_id": outbox_id, **counts}
