"""An agenda as Markdown (to paste into minutes or an e-mail) and as iCalendar (to import
or subscribe), each event's open misalignments written into its description.

The person-facing words are the constants at the top, translated through the `digest`
catalog (sv, en) into the language the caller passes (the config's, or `?lang=`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from calsync.agenda.build import Agenda, AgendaItem, Misalignment
from calsync.feeds.ics import CalendarMeta, render_calendar
from calsync.i18n.catalogs import N_, translator
from calsync.i18n.events import in_language, title_in
from calsync.i18n.formats import format_month
from calsync.i18n.languages import Language
from calsync.i18n.vocabulary import kind_name, severity_name
from calsync.rules import texts

__all__ = ["agenda_calendar", "agenda_markdown", "table_title", "table_words", "title_of"]

TITLE = N_("Agenda: {who}, {start} – {end}")
EVERYONE = N_("every organisation")
COUNTS = N_("{total} upcoming, {misaligned} out of step.")
NOTHING = N_("Nothing on the agenda in this period.")
OUT_OF_STEP = N_("Out of step ({severity}, {rule}): {summary}")
FIX = N_("Fix: {fix}")
ALERT = N_("alert {id}")
# `calsync agenda`'s table: its title, column headings and the hint when it is empty.
TABLE = {"day": N_("day"), "level": N_("level"), "kind": N_("kind"), "event": N_("event"),
         "out_of_step": N_("out of step"), "fix": FIX,
         "empty": N_("Nothing on the agenda. Widen --from/--next or the filters, or run "
                     "`calsync sync` first.")}


def _t(message: str, language: Language) -> str:
    return translator(language, "digest").gettext(message)


def title_of(agenda: Agenda, language: Language = "en") -> str:
    """`Agenda: Skellefteå kommun, 2026-12-02 – 2027-03-01`: whose agenda it is, the
    organisation or what the filters picked (actors, levels, tags), else everyone's."""
    who = agenda.organisation or ", ".join(agenda.scope) or _t(EVERYONE, language)
    return _t(TITLE, language).format(who=who,
                                      start=agenda.start.isoformat(),
                                      end=agenda.end.isoformat())


def table_title(agenda: Agenda, language: Language) -> str:
    """`Kalendarium: Skellefteå kommun, … (1 händelse, 0 inte i takt)`."""
    t = translator(language, "digest")
    count = t.ngettext("{total} event", "{total} events", len(agenda.items))
    return t.gettext("{title} ({count}, {misaligned} out of step)").format(
        title=title_of(agenda, language), count=count.format(total=len(agenda.items)),
        misaligned=agenda.misaligned)


def table_words(language: Language) -> dict[str, str]:
    """The words of the CLI's agenda table in `language` (keys as in `TABLE`)."""
    return {key: _t(text, language) for key, text in TABLE.items()}


def _misalignment_lines(found: Misalignment, language: Language) -> list[str]:
    lines = [_t(OUT_OF_STEP, language).format(severity=severity_name(found.severity, language),
                                              rule=found.rule,
                                              summary=found.summary)]
    if found.fix:
        lines.append(_t(FIX, language).format(fix=found.fix))
    return lines


def agenda_markdown(agenda: Agenda, language: Language = "en") -> str:
    """The agenda grouped by month: one bullet per event, its misalignments beneath."""
    out = [f"# {title_of(agenda, language)}", "",
           _t(COUNTS, language).format(total=len(agenda.items), misaligned=agenda.misaligned)]
    month = None
    for item in agenda.items:
        this = format_month(item.day, language)
        if this != month:
            month = this
            out += ["", f"## {this}", ""]
        out.append(_bullet(item, language))
        for found in item.misalignments:
            lines = _misalignment_lines(found, language)
            alert = _t(ALERT, language).format(id=found.alert_id)
            out.append(f"  - **{lines[0]}** ([{alert}]({found.link}))")
            out += [f"    {line}" for line in lines[1:]]
    if not agenda.items:
        out += ["", _t(NOTHING, language)]
    return "\n".join(out) + "\n"


def _bullet(item: AgendaItem, language: Language) -> str:
    event = item.event
    who = event.actor or item.organisation or ""
    title = texts.with_owner(title_in(event.data, language), who)
    return (f"- **{item.day.isoformat()}** · {kind_name(event.kind, language)} · "
            f"{_md(title)} ([{event.uid}]({item.link}))")


def _md(text: str) -> str:
    return "".join("\\" + ch if ch in "\\`*_[]<>#|" else ch for ch in text)


def agenda_calendar(agenda: Agenda, language: Language = "en",
                    level_titles: Mapping[str, str] | None = None) -> bytes:
    """The agenda's events as one calendar; misalignments lead each description."""
    events = []
    for item in agenda.items:
        data = in_language(item.event.data, language)  # as the feeds write it
        if item.misalignments:
            notes = [line for found in item.misalignments
                     for line in _misalignment_lines(found, language)]
            data = data.with_(description="\n".join([*notes, "", data.description]).strip())
        events.append(replace(item.event, data=data))
    # The words the iCal writer adds (Cancelled:, Reminder:) follow the same language.
    return render_calendar(events, CalendarMeta(name=title_of(agenda, language)),
                           language=language, level_titles=level_titles)

