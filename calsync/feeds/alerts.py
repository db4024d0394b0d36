"""The alerts feed: every firing alert as an all-day event on its due date.

Coordinators subscribe to `/feeds/alerts.ics` and see misalignments in their calendar,
with the explanation and the fix. Each alert becomes an `Event` rendered by the one iCal
event writer (`calsync.feeds.ics.render_event`); its UID is stable per alert identity.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection

from calsync.alerts.notify.payload import localised
from calsync.alerts.private import public_alerts
from calsync.alerts.store import Alert, last_change, list_alerts
from calsync.config.links import alert_link
from calsync.config.schema import Config
from calsync.durations import format_duration
from calsync.feeds.ics import CalendarMeta, render_calendar
from calsync.feeds.service import feed_config, feed_texts
from calsync.i18n.catalogs import N_, translator
from calsync.i18n.languages import Language
from calsync.model import Event, EventData, day_start

__all__ = ["alerts_calendar"]


# The alert's workflow state as the feed's title shows it (not for "open").
WORKFLOW = {"acknowledged": N_("acknowledged"), "snoozed": N_("snoozed"),
            "wont_fix": N_("won't fix"), "silenced": N_("silenced")}


def alerts_calendar(conn: Connection, config: Config, now: datetime,
                    language: Language | None = None) -> tuple[bytes, datetime | None]:
    """The feed's body (firing alerts, as of `now`) and when the alerts last changed."""
    base = config.server.base_url
    settings = feed_config(config, "alerts")
    assert settings is not None
    language = language or config.feed_language(settings)
    changed = last_change(conn)
    title, description = feed_texts(settings, language)
    meta = CalendarMeta(name=title, description=description,
                        url=f"{base}/feeds/alerts.ics", last_modified=changed,
                        refresh=format_duration(settings.refresh))
    found = list_alerts(conn, state="firing", now=now)
    if not settings.private:  # an open feed: not the alerts about private events
        found = public_alerts(conn, config, found)
    events = [_as_event(alert, config, now, language) for alert in found]
    return render_calendar(events, meta, language=language,
                           level_titles=config.level_titles(language)), changed


def _as_event(alert: Alert, config: Config, now: datetime, language: Language) -> Event:
    zone = day_start(now.date(), config.timezone).tzinfo
    day = (alert.due_at or alert.starts_at).astimezone(zone).date()
    workflow = alert.effective_workflow(now)
    # The reader's language when the alert carries it (summary_sv, ...), else the stored text.
    texts = localised({"summary": alert.summary, **alert.annotations}, language)
    title = f"[{alert.severity}] {alert.rule_id}: {texts['summary']}"  # which misalignment
    if workflow != "open":
        state = WORKFLOW.get(workflow)
        shown = translator(language, "calsync").gettext(state) if state else workflow
        title += f" ({shown.replace('_', ' ')})"
    data = EventData(external_uid=alert.fingerprint, title=title, start=day,
                     timezone=config.timezone, level="", kind="",
                     description=texts.get("description", texts["summary"]),
                     url=alert_link(config.server.base_url, alert.id),
                     tags=("calsync-alert", alert.severity))
    return Event(id=alert.id, uid=f"alert-{alert.fingerprint}@{config.server.uid_domain}",
                 source="alerts", data=data, sequence=0, content_hash="",
                 first_seen=alert.starts_at, last_seen=alert.updated_at,
                 updated_at=alert.updated_at)
