"""What one digest says: gathered from the agenda, the alerts and the event history.

- *coming*: the agenda (`calsync.agenda.build`) of the subscription's organisation and
  selector for the next `weeks` weeks, each event with its open misalignments;
- *open*: the firing alerts (not won't-fix) that involve the subscription's events
  (`calsync.alerts.filters`), most urgent first; *new*: those that started firing since
  the last digest;
- *changed*: events of the subscription on its horizon (or moved from or onto it) that
  moved, were cancelled, came back or are new since the last digest
  (`calsync.store.events.changes_since`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from calsync.agenda.build import Agenda, build_agenda, organisation_of
from calsync.alerts.filters import AlertFilter
from calsync.alerts.store import Alert, list_alerts
from calsync.clock import local_today
from calsync.config.notify import DigestReceiver
from calsync.config.organisations import Organisations
from calsync.config.schema import Config
from calsync.i18n.languages import Language
from calsync.model import Event
from calsync.privacy import PrivateEvents
from calsync.store.events import changes_since, get_event

__all__ = ["Change", "Digest", "gather"]


@dataclass(frozen=True, slots=True)
class Change:
    what: str  # moved | cancelled | restored | new
    event: Event
    before: datetime | date | None = None  # a moved event's old start


@dataclass(frozen=True)
class Digest:
    name: str
    language: Language
    organisation: str | None
    since: datetime
    until: datetime
    agenda: Agenda
    open: list[Alert] = field(default_factory=list)
    new: list[Alert] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)


def gather(conn: Connection, config: Config, name: str, receiver: DigestReceiver,
           now: datetime, since: datetime) -> Digest:
    """The digest `name` would send at `now`, counting changes since `since`."""
    today = local_today(now, config.timezone)
    end = today + timedelta(weeks=receiver.weeks) - timedelta(days=1)
    language = receiver.language or config.language
    agenda = build_agenda(conn, config, start=today, end=end, now=now,
                          selector=receiver.select, organisation=receiver.organisation,
                          public_only=not receiver.include_private, language=language)
    owners = Organisations.of(config.organisations)
    select = receiver.select
    wanted = AlertFilter(actors=tuple(select.actor or ()),
                         organisations=(receiver.organisation,) if receiver.organisation
                         else (), levels=tuple(select.level or ()))
    open_ = [a for a in wanted.apply(list_alerts(conn, state="firing", now=now), owners)
             if a.effective_workflow(now) != "wont_fix"]
    new = [a for a in open_ if a.starts_at >= since]
    hide = None if receiver.include_private else PrivateEvents.of(config)
    zone = ZoneInfo(config.timezone)
    anyhow = select.model_copy(update={"status": None})  # a cancelled event is news too

    def mine(event: Event) -> bool:
        if receiver.organisation and organisation_of(owners, event) != receiver.organisation:
            return False
        if hide is not None and hide.hides(event.data, event.source):
            return False
        return anyhow.matches(event.data, event.source)

    def within(*moments: datetime | date | None) -> bool:
        """On the digest's horizon (today to `end`): what it changed is news."""
        days = [m.astimezone(zone).date() if isinstance(m, datetime) else m
                for m in moments if m is not None]
        return any(today <= day <= end for day in days)

    added, revisions = changes_since(conn, since)
    changes = [Change("new", e) for e in added if mine(e) and within(e.start)]
    seen = {c.event.uid for c in changes}
    for revision in revisions:
        event = None if revision.event_uid in seen else get_event(conn, revision.event_uid)
        if event is None or not mine(event):
            continue
        if revision.change in ("cancelled", "restored") and within(event.start):
            changes.append(Change(revision.change, event))
        elif "start" in revision.changes and within(
                event.start, before := _parse(revision.changes["start"][0])):
            changes.append(Change("moved", event, before))
        else:
            continue
        seen.add(event.uid)
    return Digest(name=name, language=language,
                  organisation=receiver.organisation, since=since, until=now,
                  agenda=agenda, open=open_, new=new, changes=changes)


def _parse(value: object) -> datetime | date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value) if len(value) == 10 else datetime.fromisoformat(value)
    except ValueError:
        return None
