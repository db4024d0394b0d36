"""Long spans as calendar users expect them: milestones and deadline days.

A third of the pilot's events are all-day spans longer than a week: programme periods,
strategy periods, "no later than" windows. Subscribed in Outlook, Google or Apple they
are a stack of banners over every day of the month view. A feed therefore publishes (in
its default `spans: milestones` mode):

- a "no later than" window (precision `no_later_than`) as its **deadline day**, the last
  day of the window, with the window in the description; it keeps the event's UID;
- any other long span (a period) as two **milestones**, its first and its last day, with
  the whole period in the description; their UIDs are the event's with `-start`/`-end`
  before the domain, so they are as stable as the event's.

`spans: full` publishes the spans as stored (and the JSON API always does). Only the
rendering changes: the store, the rules and the API see the one event with its span.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from enum import StrEnum

from calsync.i18n.catalogs import N_, translator
from calsync.i18n.formats import format_day
from calsync.i18n.languages import Language
from calsync.model import Event, EventData

__all__ = ["LONG_SPAN", "SpanMode", "published"]

LONG_SPAN = timedelta(days=7)
"""All-day events longer than this are published as milestones or a deadline day."""

# Person-facing texts of this module (the `calsync` catalog translates them).
TEXTS = {
    "window": N_("Window: {first} to {last}; this is the last day."),
    "period": N_("Period: {first} to {last}."),
    "starts": N_("Starts: {title}"),
    "ends": N_("Ends: {title}"),
}


class SpanMode(StrEnum):
    MILESTONES = "milestones"
    FULL = "full"


def published(event: Event, mode: SpanMode, language: Language) -> list[Event]:
    """The event as the feed publishes it: itself, its deadline day, or two milestones
    (their added words and dates in `language`)."""
    data = event.data
    if mode == SpanMode.FULL or not data.all_day or data.end is None:
        return [event]
    assert isinstance(data.start, date) and isinstance(data.end, date)
    first, last = data.start, data.end - timedelta(days=1)
    if data.end - data.start <= LONG_SPAN:
        return [event]
    t = translator(language, "calsync")
    days = {"first": format_day(first, language), "last": format_day(last, language)}
    if data.attrs.get("precision") == "no_later_than":
        note = t.gettext(TEXTS["window"]).format(**days)
        return [_day(event, "", last, data.title, note)]
    note = t.gettext(TEXTS["period"]).format(**days)
    return [_day(event, "-start", first, t.gettext(TEXTS["starts"]).format(title=data.title),
                 note),
            _day(event, "-end", last, t.gettext(TEXTS["ends"]).format(title=data.title), note)]


def _day(event: Event, suffix: str, day: date, title: str, note: str) -> Event:
    data: EventData = event.data
    description = f"{note}\n\n{data.description}".strip()
    local, at, domain = event.uid.partition("@")
    return replace(event, uid=f"{local}{suffix}{at}{domain}",
                   data=data.with_(start=day, end=day + timedelta(days=1), title=title,
                                   description=description))
