"""Writing a digest: the subject, a plain-text part and an HTML part from one view of it.

The view (`_view`) is built once with every text translated (`texts.DigestTexts`) and
every link absolute; the two Jinja2 templates only lay it out, so text and HTML always
say the same thing. Each item links to its page: the event's, or the alert's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from calsync.agenda.links import alert_link, event_link, organisation_link
from calsync.alerts.store import Alert
from calsync.digest.content import Change, Digest
from calsync.digest.texts import DigestTexts
from calsync.i18n.events import title_in
from calsync.rules import texts as rule_texts

__all__ = ["Rendered", "render_digest"]


@dataclass(frozen=True, slots=True)
class Line:
    text: str
    link: str | None = None
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Section:
    heading: str
    lines: list[Line]


@dataclass(frozen=True, slots=True)
class Rendered:
    subject: str
    text: str
    html: str

    def as_payload(self) -> dict[str, str]:
        return {"subject": self.subject, "text": self.text, "html": self.html}


@lru_cache(maxsize=1)
def _env() -> Environment:
    return Environment(loader=PackageLoader("calsync.digest", "templates"),
                       autoescape=select_autoescape(["html.j2"]), undefined=StrictUndefined,
                       trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


def _when(value: datetime | date | None, t: DigestTexts, zone: ZoneInfo) -> str:
    if value is None:
        return "?"
    return t.day(value.astimezone(zone).date() if isinstance(value, datetime) else value)


def _alert_line(alert: Alert, t: DigestTexts, base: str, zone: ZoneInfo) -> Line:
    notes = [t.fix(alert.annotations["fix"])] if alert.annotations.get("fix") else []
    if alert.due_at is not None:
        notes.insert(0, t.due(_when(alert.due_at, t, zone)))
    return Line(f"{alert.rule_id}: {alert.summary}", alert_link(base, alert.id), notes)


def _change_line(change: Change, t: DigestTexts, base: str, zone: ZoneInfo) -> Line:
    event = change.event
    title = rule_texts.with_owner(title_in(event.data, t.language), event.actor)
    when = _when(event.start, t, zone)
    text = {"moved": lambda: t.moved(title, _when(change.before, t, zone), when),
            "cancelled": lambda: t.cancelled(title, when),
            "restored": lambda: t.restored(title, when),
            "new": lambda: t.added(title, when)}[change.what]()
    return Line(text, event_link(base, event.uid))


def _view(digest: Digest, base: str, zone: ZoneInfo) -> dict[str, Any]:
    t = DigestTexts(digest.language)
    agenda = digest.agenda
    coming = [Line(f"{t.day(item.day)}: " + rule_texts.with_owner(
                       title_in(item.event.data, t.language), item.event.actor),
                   item.link, [t.out_of_step(m.summary) for m in item.misalignments])
              for item in agenda.items]
    sections = [
        Section(t.coming(max(1, (agenda.end - agenda.start).days // 7 + 1)), coming),
        Section(t.new_heading(), [_alert_line(a, t, base, zone) for a in digest.new]),
        Section(t.open_heading(), [_alert_line(a, t, base, zone) for a in digest.open]),
        Section(t.changed_heading(), [_change_line(c, t, base, zone)
                                      for c in digest.changes]),
    ]
    who = digest.organisation or t.everyone()
    page = organisation_link(base, digest.organisation) if digest.organisation else None
    since = digest.since.astimezone(zone).date()
    return {"title": t.subject(who, agenda.start.isocalendar().week), "who": who,
            "page": page, "intro": t.intro(agenda.start, agenda.end), "sections": sections,
            "nothing": t.nothing(), "open_link": t.open_link(),
            "footer": t.footer(digest.name, since), "language": digest.language}


def render_digest(digest: Digest, base_url: str, timezone: str) -> Rendered:
    """The digest's subject, text and HTML."""
    view = _view(digest, base_url, ZoneInfo(timezone))
    env = _env()
    return Rendered(subject=view["title"], text=env.get_template("digest.txt.j2").render(view),
                    html=env.get_template("digest.html.j2").render(view))
