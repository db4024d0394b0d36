"""Building an agenda: the events a selector (and an organisation) picks in a date range,
in date order, with the firing alerts whose subject or object each event is.

Why its own package: the CLI, the API, the dashboard's `/org/<name>` page and the weekly
digest all show "what is coming for us, and what is out of step", and must show the same
thing. Nothing here writes; the clock's `now` only decides which alerts are snoozed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from calsync.agenda.links import alert_link, event_link
from calsync.alerts.notify.payload import localised
from calsync.alerts.store import Alert, list_alerts
from calsync.config.organisations import Organisations, unknown_organisation
from calsync.config.schema import Config
from calsync.errors import NotFoundError
from calsync.i18n.events import title_in
from calsync.i18n.languages import Language, parse_language
from calsync.model import Event, Status, day_start
from calsync.privacy import PrivateEvents
from calsync.selectors import Selector
from calsync.store.events import iter_events

__all__ = ["AGENDA_KINDS", "Agenda", "AgendaItem", "Misalignment", "build_agenda",
           "organisation_of"]

AGENDA_KINDS = ("deadline", "decision", "budget", "meeting")
"""What an agenda lists unless the selector names kinds: the dates people act on."""


@dataclass(frozen=True, slots=True)
class Misalignment:
    """An open (firing, not won't-fix) alert an agenda item takes part in."""

    alert_id: int
    rule: str
    severity: str
    summary: str
    fix: str | None
    due: date | None
    role: str  # subject (the event the finding is about) | object (measured against)
    workflow: str  # open | acknowledged | snoozed
    link: str

    def as_dict(self) -> dict[str, Any]:
        return {"alert_id": self.alert_id, "rule": self.rule, "severity": self.severity,
                "summary": self.summary, "fix": self.fix,
                "due": self.due.isoformat() if self.due else None, "role": self.role,
                "workflow": self.workflow, "link": self.link}


@dataclass(frozen=True, slots=True)
class AgendaItem:
    """One upcoming event of the agenda."""

    event: Event
    day: date  # the local day it starts on (may be before the agenda's first day)
    last_day: date  # the local day it ends on
    organisation: str | None  # the internal organisation it belongs to (None: external)
    link: str  # its page
    misalignments: tuple[Misalignment, ...] = ()
    title: str = ""  # in the agenda's language (a built-in step's Swedish title); else stored

    def as_dict(self) -> dict[str, Any]:
        event = self.event
        return {"uid": event.uid, "day": self.day.isoformat(),
                "last_day": self.last_day.isoformat(), "title": self.title or event.title,
                "start": event.start.isoformat(),
                "end": event.end.isoformat() if event.end is not None else None,
                "all_day": event.all_day, "level": event.level, "actor": event.actor,
                "kind": event.kind, "status": str(event.status), "tags": list(event.tags),
                "organisation": self.organisation, "url": event.data.url, "link": self.link,
                "misalignments": [m.as_dict() for m in self.misalignments]}


@dataclass(frozen=True, slots=True)
class Agenda:
    """The agenda of `organisation` (or of whatever `selector` picks) from `start` to
    `end`, both inclusive local days."""

    start: date
    end: date
    timezone: str
    organisation: str | None
    items: list[AgendaItem] = field(default_factory=list)
    scope: tuple[str, ...] = ()
    """What the filters picked, for a title (actors, levels' names, tags) when no
    organisation is named: `calsync agenda --actor "Skellefteå kommun"` is Skellefteå's."""

    @property
    def misaligned(self) -> int:
        """How many items take part in at least one open misalignment."""
        return sum(1 for item in self.items if item.misalignments)

    def as_dict(self) -> dict[str, Any]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat(),
                "timezone": self.timezone, "organisation": self.organisation,
                "total": len(self.items), "misaligned": self.misaligned,
                "items": [item.as_dict() for item in self.items]}


def organisation_of(owners: Organisations, event: Event) -> str | None:
    """The internal organisation `event` belongs to (its actor or its `body`)."""
    return owners.owner(event.actor, event.data.attrs.get("body"))


def build_agenda(conn: Connection, config: Config, *, start: date, end: date,
                 now: datetime, selector: Selector | None = None,
                 organisation: str | None = None,
                 kinds: Sequence[str] | None = AGENDA_KINDS,
                 public_only: bool = False, language: str | None = None) -> Agenda:
    """The agenda from `start` to `end` (inclusive local days in the config's zone).

    Events that cover a day of the range are listed (a December budget window that opened
    yesterday is still on today's agenda), by the day they start. Events must match
    `selector` and, with `organisation`, belong to it (its name, bodies
    or actor globs under `organisations:`); cancelled events are left out. Unless the
    selector names kinds, only `kinds` are listed (None: every kind). Each item carries
    the firing alerts (not won't-fix) whose subject or object it is, most urgent first.
    `public_only` leaves out the events only private feeds select (the open API, the
    dashboard: `calsync.privacy`). With `language`, a misalignment's summary and fix are
    in that language when its alert carries it (`summary_sv`, ...), as /api/alerts gives
    them; else the stored text.
    """
    if organisation is not None and (
            why := unknown_organisation(config.organisations, organisation)):
        raise NotFoundError(why)
    tz = config.timezone
    if selector is None or selector.kind is None:
        wanted = None if kinds is None else list(kinds)
        selector = (selector or Selector()).model_copy(update={"kind": wanted})
    # all-day events are stored at midnight UTC: a day either side, then the local day
    first = day_start(start, tz).astimezone(UTC) - timedelta(days=1)
    until = day_start(end, tz).astimezone(UTC) + timedelta(days=2)
    owners = Organisations.of(config.organisations)
    zone = ZoneInfo(tz)
    base = config.server.base_url
    words = _language(config, language)
    by_uid = _open_alerts(conn, now)
    hide = PrivateEvents.of(config) if public_only else None
    items: list[AgendaItem] = []
    for event in iter_events(conn, start=first, end=until, selector=selector):
        if event.status is Status.CANCELLED or (
                hide is not None and hide.hides(event.data, event.source)):
            continue
        day, last = _days(event, zone)
        if day > end or last < start:
            continue
        owner = organisation_of(owners, event)
        if organisation is not None and owner != organisation:
            continue
        found = tuple(_misalignment(alert, role, base, now, language)
                      for alert, role in by_uid.get(event.uid, ()))
        items.append(AgendaItem(event=event, day=day, last_day=last, organisation=owner,
                                link=event_link(base, event.uid), misalignments=found,
                                title=title_in(event.data, words)))
    items.sort(key=lambda item: (item.day, item.event.data.start_utc, item.event.id))
    return Agenda(start=start, end=end, timezone=tz, organisation=organisation, items=items,
                  scope=_scope(config, selector, language))


def _language(config: Config, language: str | None) -> Language:
    return parse_language(language) or config.language


def _scope(config: Config, selector: Selector, language: str | None) -> tuple[str, ...]:
    words = _language(config, language)
    tags = selector.tags.any if selector.tags is not None else None
    return (*(selector.actor or ()),
            *(config.level_title(level, words) for level in selector.level or ()),
            *(f"#{tag}" for tag in tags or ()))


def _days(event: Event, zone: ZoneInfo) -> tuple[date, date]:
    """The first and last local day `event` covers (an all-day end is exclusive)."""
    begins, ends = event.start, event.end
    if isinstance(begins, datetime):
        first = begins.astimezone(zone).date()
        last = ends.astimezone(zone).date() if isinstance(ends, datetime) else first
        return first, max(first, last)
    final = ends - timedelta(days=1) if isinstance(ends, date) else begins
    return begins, max(begins, final)


def _open_alerts(conn: Connection, now: datetime) -> dict[str, list[tuple[Alert, str]]]:
    """Firing alerts (most urgent first) by the uid of each event they involve."""
    out: dict[str, list[tuple[Alert, str]]] = {}
    for alert in _firing(list_alerts(conn, state="firing", now=now), now):
        if alert.subject_uid:
            out.setdefault(alert.subject_uid, []).append((alert, "subject"))
        if alert.object_uid and alert.object_uid != alert.subject_uid:
            out.setdefault(alert.object_uid, []).append((alert, "object"))
    return out


def _firing(alerts: Iterable[Alert], now: datetime) -> Iterable[Alert]:
    return (a for a in alerts if a.effective_workflow(now) != "wont_fix")


def _misalignment(alert: Alert, role: str, base: str, now: datetime,
                  language: str | None) -> Misalignment:
    due = alert.due_at
    texts = {"summary": alert.summary, **alert.annotations}
    if language is not None:
        texts = localised(texts, language)
    return Misalignment(alert_id=alert.id, rule=alert.rule_id, severity=alert.severity,
                        summary=texts["summary"], fix=texts.get("fix"),
                        due=due.date() if due is not None else None, role=role,
                        workflow=alert.effective_workflow(now),
                        link=alert_link(base, alert.id))
