"""The alerts feed: every firing alert as an all-day event on its due date.

Coordinators subscribe to `/feeds/alerts.ics` and see misalignments in their calendar,
with the explanation and the fix. Each alert becomes an `Event` rendered by the one iCal
event writer (`calsync.feeds.ics.render_event`); its UID is stable per alert identity.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection

from calsync.alerts.store import Alert, last_change, list_alerts
from calsync.config.schema import Config
from calsync.durations import format_duration
from calsync.feeds.ics import CalendarMeta, render_calendar
from calsync.feeds.service import feed_config
from calsync.model import Event, EventData, day_start

__all__ = ["alerts_calendar"]


def alerts_calendar(conn: Connection, config: Config, now: datetime
                    ) -> tuple[bytes, datetime | None]:
    """The feed's body (firing alerts, as of `now`) and when the alerts last changed."""
    base = config.server.base_url
    settings = feed_config(config, "alerts")
    assert settings is not None
    changed = last_change(conn)
    meta = CalendarMeta(name=settings.title, description=settings.description,
                        url=f"{base}/feeds/alerts.ics", last_modified=changed,
                        refresh=format_duration(settings.refresh))
    found = list_alerts(conn, state="firing", now=now)
    return render_calendar([_as_event(alert, config, now) for alert in found], meta), changed


def _as_event(alert: Alert, config: Config, now: datetime) -> Event:
    zone = day_start(now.date(), config.timezone).tzinfo
    day = (alert.due_at or alert.starts_at).astimezone(zone).date()
    workflow = alert.effective_workflow(now)
    title = f"[{alert.severity}] {alert.rule_id}: {alert.summary}"  # which misalignment
    if workflow != "open":
        title += f" ({workflow.replace('_', ' ')})"
    data = EventData(external_uid=alert.fingerprint, title=title, start=day,
                     timezone=config.timezone, level="", kind="",
                     description=alert.annotations.get("description", alert.summary),
                     url=f"{config.server.base_url}/api/alerts/{alert.id}",
                     tags=("calsync-alert", alert.severity))
    return Event(id=alert.id, uid=f"alert-{alert.fingerprint}@{config.server.uid_domain}",
                 source="alerts", data=data, sequence=0, content_hash="",
                 first_seen=alert.starts_at, last_seen=alert.updated_at,
                 updated_at=alert.updated_at)
