"""Grouping and timing as Alertmanager has them, deciding what goes into the outbox.

Per receiver, the notifiable alerts (firing, workflow open, not silenced) are grouped
by the route's `group_by` labels. A group is notified

- first after `group_wait` from its oldest alert ("first notification"),
- on a change (alerts added or resolved) at most every `group_interval`,
- unchanged but still firing every `repeat_interval` ("repeat interval elapsed").

Acknowledged, snoozed and silenced alerts drop out of the firing set without counting
as resolved; when they do resolve, the receiver is still told (unless the alert is
silenced and `send_resolved_when_silenced` is off), so nothing stays open upstream.
Each group's state row is updated with a version check in the same transaction as
the outbox insert, so two instances cannot both notify the same change. An evaluation
calls `enqueue_due` inside the transaction that opens its alerts, so a crash leaves
both or neither (tests/reliability/test_evaluate_kill.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from calsync.alerts.fingerprint import fingerprint
from calsync.alerts.notify.outbox import enqueue
from calsync.alerts.notify.payload import group_key, webhook_v4
from calsync.alerts.silences import list_silences
from calsync.alerts.store import Alert, get_alert, ids_of, list_alerts
from calsync.config.notify import DigestReceiver, RouteConfig
from calsync.config.schema import Config
from calsync.store.tables import notification_groups as groups

__all__ = ["dispatch", "enqueue_due", "external_url"]


def external_url(config: Config) -> str:
    return (config.alerts.external_url or config.server.base_url).rstrip("/")


def _group_labels(alert: Alert, route: RouteConfig) -> dict[str, str]:
    return {k: alert.labels.get(k, "") for k in route.group_by}


def dispatch(engine: Engine, config: Config, now: datetime) -> int:
    """Enqueue every notification that is due at `now`, in one transaction; returns how
    many."""
    with engine.begin() as conn:
        return enqueue_due(conn, config, now)


def enqueue_due(conn: Connection, config: Config, now: datetime) -> int:
    """`dispatch` inside the caller's transaction, so the outbox commits with it."""
    receivers = {n: r for n, r in config.alerts.receivers.items()
                 if r.enabled and not isinstance(r, DigestReceiver)}  # digests: own schedule
    if not receivers:
        return 0
    firing = list_alerts(conn, state="firing", now=now)
    rows = [dict(r) for r in conn.execute(select(groups)).mappings()]
    firing_fps = {a.fingerprint for a in firing}
    wanted = {fp for r in rows for fp in r["notified"]} - firing_fps
    gone: dict[str, Alert] = {}
    if wanted:
        gone = {a.fingerprint: a for a in (get_alert(conn, i) for i in ids_of(conn, wanted))}
    silences = list_silences(conn, active_at=now)
    notifiable = [a for a in firing if a.effective_workflow(now) == "open" and not a.silenced_by]
    enqueued = 0
    for name, receiver in receivers.items():
        route = receiver.route or config.alerts.route
        current: dict[str, tuple[dict[str, str], list[Alert]]] = {}
        for alert in notifiable:
            labels = _group_labels(alert, route)
            entry = current.setdefault(fingerprint(labels), (labels, []))
            entry[1].append(alert)
        mine = {r["group_hash"]: r for r in rows if r["receiver"] == name}
        for ghash in sorted(set(current) | {h for h, r in mine.items() if r["notified"]}):
            row = mine.get(ghash)
            if ghash in current:
                labels, members = current[ghash]
            else:
                assert row is not None
                labels, members = dict(row["group_labels"]), []
            assert not isinstance(receiver, DigestReceiver)
            enqueued += _maybe_notify(conn, config, name, receiver.send_resolved,
                                      getattr(receiver, "max_alerts", 0), route, ghash,
                                      labels, members, row, gone, silences, now)
    return enqueued


def _maybe_notify(conn: Connection, config: Config, receiver: str, send_resolved: bool,
                  max_alerts: int, route: RouteConfig, ghash: str, labels: dict[str, str],
                  members: Sequence[Alert], row: dict[str, object] | None,
                  gone: dict[str, Alert], silences: Sequence[object], now: datetime) -> int:
    notified = set(row["notified"]) if row else set()  # type: ignore[call-overload]
    current = {a.fingerprint: a for a in members}
    new = set(current) - notified
    resolved = [gone[fp] for fp in sorted(notified - set(current))
                if fp in gone and gone[fp].status == "resolved"]
    muted = notified - set(current) - {a.fingerprint for a in resolved}
    last = row["last_sent_at"] if row else None
    if last is None:
        if not current:
            return 0
        due = min(a.starts_at for a in current.values()) + route.group_wait
        reason = "first notification"
    elif new or resolved:
        due = last + route.group_interval  # type: ignore[operator]
        reason = ("new alerts added" if new else
                  "all alerts resolved" if not current else "some alerts resolved")
    elif current and last + route.repeat_interval <= now:  # type: ignore[operator]
        due = last + route.repeat_interval  # type: ignore[operator]
        reason = "repeat interval elapsed"
    else:
        return 0
    if due > now:
        return 0
    tell = [a for a in resolved if send_resolved and (
        config.alerts.send_resolved_when_silenced
        or not any(s.matches(a.labels) for s in silences))]  # type: ignore[attr-defined]
    firing = sorted(current.values(), key=lambda a: (a.due_at or now, a.id))
    key = group_key(labels)
    count = 0
    values = {"group_key": key, "group_labels": labels,
              "notified": sorted(set(current) | muted), "last_sent_at": now}
    if row is None:
        try:
            with conn.begin_nested():
                conn.execute(insert(groups).values(receiver=receiver, group_hash=ghash,
                                                   version=1, **values))
        except IntegrityError:
            return 0  # another instance notified this group first
    else:
        done = conn.execute(update(groups).where(
            groups.c.receiver == receiver, groups.c.group_hash == ghash,
            groups.c.version == row["version"]).values(
            version=groups.c.version + 1, **values))
        if done.rowcount != 1:
            return 0
    if firing or tell:
        enqueue(conn, receiver=receiver, group_key=key, reason=reason,
                payload=webhook_v4(receiver=receiver, key=key, group_labels=labels,
                                   firing=firing, resolved=tell,
                                   external_url=external_url(config), reason=reason,
                                   max_alerts=max_alerts))
        count = 1
    return count
