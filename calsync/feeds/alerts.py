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
from calsync.feeds.ics import CalendarMeta, render_calendar
from calsync.model import Event, EventData, day_start

__all__ = ["alerts_calendar"]


def alerts_calendar(conn: Connection, config: Config, now: datetime) -> bytes:
    """The feed's body: firing alerts, as of `now`."""
    base = config.server.base_url
    meta = CalendarMeta(name="calsync: misalignment alerts",
                        description="Firing misalignment alerts on their due dates.",
                        url=f"{base}/feeds/alerts.ics", last_modified=last_change(conn))
    found = list_alerts(conn, state="firing", now=now)
    return render_calendar([_as_event(alert, config, now) for alert in found], meta)


def _as_event(alert: Alert, config: Config, now: datetime) -> Event:
    zone = day_start(now.date(), config.timezone).tzinfo
    day = (alert.due_at or alert.starts_at).astimezone(zone).date()
    workflow = alert.effective_workflow(now)
    what = alert.annotations.get("rule_title") or alert.summary
    title = f"[{alert.severity}] {alert.rule_id}: {what}"
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
