"""An agenda as Markdown (to paste into minutes or an e-mail) and as iCalendar (to import
or subscribe), each event's open misalignments written into its description.

The person-facing words are the constants at the top (one place, for the message
catalogs).
"""

from __future__ import annotations

from dataclasses import replace

from calsync.agenda.build import Agenda, AgendaItem, Misalignment
from calsync.feeds.ics import CalendarMeta, render_calendar
from calsync.rules import texts

__all__ = ["agenda_calendar", "agenda_markdown", "title_of"]

TITLE = "Agenda: {who}, {start} – {end}"
EVERYONE = "every organisation"
COUNTS = "{total} upcoming, {misaligned} out of step."
NOTHING = "Nothing on the agenda in this period."
OUT_OF_STEP = "Out of step ({severity}, {rule}): {summary}"
FIX = "Fix: {fix}"
MONTH = "{month} {year}"
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")


def title_of(agenda: Agenda) -> str:
    return TITLE.format(who=agenda.organisation or EVERYONE, start=agenda.start.isoformat(),
                        end=agenda.end.isoformat())


def _misalignment_lines(found: Misalignment) -> list[str]:
    lines = [OUT_OF_STEP.format(severity=found.severity, rule=found.rule,
                                summary=found.summary)]
    if found.fix:
        lines.append(FIX.format(fix=found.fix))
    return lines


def agenda_markdown(agenda: Agenda) -> str:
    """The agenda grouped by month: one bullet per event, its misalignments beneath."""
    out = [f"# {title_of(agenda)}", "",
           COUNTS.format(total=len(agenda.items), misaligned=agenda.misaligned)]
    month = None
    for item in agenda.items:
        this = MONTH.format(month=MONTHS[item.day.month - 1], year=item.day.year)
        if this != month:
            month = this
            out += ["", f"## {this}", ""]
        out.append(_bullet(item))
        for found in item.misalignments:
            lines = _misalignment_lines(found)
            out.append(f"  - **{lines[0]}** ([alert {found.alert_id}]({found.link}))")
            out += [f"    {line}" for line in lines[1:]]
    if not agenda.items:
        out += ["", NOTHING]
    return "\n".join(out) + "\n"


def _bullet(item: AgendaItem) -> str:
    event = item.event
    who = event.actor or item.organisation or ""
    return (f"- **{item.day.isoformat()}** · {event.kind} · "
            f"{_md(texts.with_owner(event.title, who))} ([{event.uid}]({item.link}))")


def _md(text: str) -> str:
    return "".join("\\" + ch if ch in "\\`*_[]<>#|" else ch for ch in text)


def agenda_calendar(agenda: Agenda) -> bytes:
    """The agenda's events as one calendar; misalignments lead each description."""
    events = []
    for item in agenda.items:
        event = item.event
        if item.misalignments:
            notes = [line for found in item.misalignments
                     for line in _misalignment_lines(found)]
            description = "\n".join([*notes, "", event.data.description]).strip()
            event = replace(event, data=event.data.with_(description=description))
        events.append(event)
    return render_calendar(events, CalendarMeta(name=title_of(agenda)))

