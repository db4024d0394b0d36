"""Writing iCalendar (RFC 5545 / RFC 7986) feeds of the timeline.

Written by hand rather than through icalendar's object model because a feed is
regenerated often and must be byte-stable: every property of an event is derived from
stored data (DTSTAMP is the event's last modification, there is no METHOD), so
identical data gives identical bytes, a stable ETag and cheap 304s for subscribed
clients. Lines end in CRLF and are folded at 75 octets without splitting a UTF-8
sequence.

What real clients need (../shared/design/feeds-and-clients.md):

- timed events carry `TZID=<the source's zone>` and the calendar carries a VTIMEZONE for
  every such zone, in the rule-based form Outlook understands (`vtimezone.py`); events
  in UTC are written as UTC (`...Z`) and need none;
- all-day events are `VALUE=DATE` with an exclusive DTEND (and Outlook's all-day flag);
- cancelled events stay as `STATUS:CANCELLED` with "Cancelled:" in the summary (Outlook
  shows cancelled events as active otherwise), for as long as the feed keeps them;
- an expected step (`calsync.steps`) says "Expected:" in its summary; once the actual
  step exists the expectation is not in the feed at all;
- deadlines (or any kinds the feed names) may carry a VALARM reminder.

The helpers (`fold`, `escape_text`, `content`, `calendar_header`, `CALENDAR_END`,
`format_utc`, `format_date`) are public: other feeds (alerts) are written with them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from calsync import __version__
from calsync.feeds.vtimezone import vtimezone
from calsync.i18n.catalogs import translator
from calsync.i18n.languages import Language
from calsync.model import Event, Status
from calsync.steps import EXPECTED

__all__ = [
    "CALENDAR_END",
    "PRODID",
    "AlarmSpec",
    "CalendarMeta",
    "ZoneSpan",
    "calendar_header",
    "content",
    "escape_text",
    "event_zones",
    "fold",
    "format_date",
    "format_utc",
    "iter_calendar",
    "render_calendar",
    "render_event",
    "render_timezones",
]

PRODID = f"-//calsync//calsync {__version__}//EN"  # i18n: not text (RFC 5545 PRODID)
CALENDAR_END = "END:VCALENDAR\r\n"

AlarmSpec = Mapping[str, Sequence[str]]
"""Event kind -> VALARM triggers: durations relative to the start ({"deadline": ["-P7D"]})."""

ZoneSpan = Mapping[str, tuple[int, int]]
"""Zone name -> (first year, last year) of the timed events that use it."""


@dataclass(frozen=True, slots=True)
class CalendarMeta:
    """What a calendar app shows about a subscription (RFC 7986 and the X-WR- forms)."""

    name: str
    description: str = ""
    url: str | None = None
    refresh: str = "PT6H"  # how often clients should poll (REFRESH-INTERVAL / X-PUBLISHED-TTL)
    color: str | None = None
    last_modified: datetime | None = None


def escape_text(value: str) -> str:
    """A TEXT value (RFC 5545 §3.3.11): backslash, semicolon, comma and newlines escaped."""
    return (value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n"))


def fold(line: str) -> str:
    """Fold one content line at 75 octets (CRLF + space), never inside a UTF-8 sequence."""
    raw = line.encode()
    if len(raw) <= 75:
        return line + "\r\n"
    parts, start, limit = [], 0, 75
    while start < len(raw):
        end = min(start + limit, len(raw))
        while end < len(raw) and (raw[end] & 0xC0) == 0x80:  # continuation byte
            end -= 1
        parts.append(raw[start:end].decode())
        start, limit = end, 74  # continuation lines start with a space
    return "\r\n ".join(parts) + "\r\n"


def content(lines: Iterable[str]) -> str:
    """Unfolded content lines -> folded, CRLF-terminated text."""
    return "".join(fold(line) for line in lines)


def format_utc(value: datetime) -> str:
    """A UTC DATE-TIME value (`20261129T120000Z`)."""
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def format_date(value: date) -> str:
    return value.strftime("%Y%m%d")


def _local(value: datetime) -> str:
    return value.strftime("%Y%m%dT%H%M%S")


def _when(name: str, value: date | datetime, zone: str) -> str:
    if not isinstance(value, datetime):
        return f"{name};VALUE=DATE:{format_date(value)}"
    if zone == "UTC":
        return f"{name}:{format_utc(value)}"
    local = value.astimezone(ZoneInfo(zone))
    if local.replace(fold=1 - local.fold).utcoffset() != local.utcoffset():
        # A wall-clock time that happens twice (the hour repeated when summer time ends).
        # RFC 5545 means the first; ical.js (Thunderbird) takes the second. UTC is the
        # only form every client reads alike.
        return f"{name}:{format_utc(value)}"
    return f"{name};TZID={zone}:{_local(local)}"


def render_event(event: Event, *, language: Language, alarms: AlarmSpec | None = None,
                 fallback_url: str | None = None, color: str | None = None,
                 level_title: str | None = None) -> str:
    """One VEVENT. It depends only on the stored event (and the feed's alarm settings
    and language), so it can be cached by (uid, sequence, content hash, settings).
    `color` is an RFC 7986 COLOR (a CSS3 colour name: the event's level's `color_name`);
    `level_title` the level's name in `language` ("Kommunal"), which the description
    shows beside the organisation (its key when not given).
    The event's own texts are already in `language` (`calsync.i18n.events`); the words
    this writer adds ("Cancelled:", "Reminder:") come from the catalog."""
    t = translator(language, "calsync")
    data = event.data
    lines = [
        "BEGIN:VEVENT",
        f"UID:{event.uid}",
        f"DTSTAMP:{format_utc(event.updated_at)}",
        f"CREATED:{format_utc(event.first_seen)}",
        f"LAST-MODIFIED:{format_utc(event.updated_at)}",
        f"SEQUENCE:{event.sequence}",
        _when("DTSTART", data.start, data.timezone),
    ]
    if data.end is not None and data.end != data.start:  # RFC 5545: DTEND > DTSTART
        lines.append(_when("DTEND", data.end, data.timezone))
    cancelled = data.status == Status.CANCELLED
    summary = t.gettext("Cancelled: {title}").format(title=data.title) if cancelled \
        else data.title
    if not cancelled and data.attrs.get("role") == EXPECTED:
        # a built-in expectation no actual step replaced
        summary = t.gettext("Expected: {title}").format(title=data.title)
    lines.append(f"SUMMARY:{escape_text(summary)}")
    description = data.description
    if data.actor:
        level = level_title or data.level
        description = f"{data.actor} ({level})\n\n{description}".strip()
    if description:
        lines.append(f"DESCRIPTION:{escape_text(description)}")
    if data.location:
        lines.append(f"LOCATION:{escape_text(data.location)}")
    url = data.url or fallback_url
    if url:
        lines.append(f"URL:{_uri(url)}")
    categories = [c for c in (data.level, data.kind, *data.tags) if c]
    if categories:
        lines.append("CATEGORIES:" + ",".join(escape_text(c) for c in dict.fromkeys(categories)))
    lines.append(f"STATUS:{str(data.status).upper()}")
    lines.append("TRANSP:TRANSPARENT")
    if color:
        lines.append(f"COLOR:{color}")
    if data.all_day:
        lines.append("X-MICROSOFT-CDO-ALLDAYEVENT:TRUE")
    if data.actor:
        lines.append(f"X-CALSYNC-ACTOR:{escape_text(data.actor)}")
    if data.level:
        lines.append(f"X-CALSYNC-LEVEL:{escape_text(data.level)}")
    if alarms and not cancelled:
        for trigger in alarms.get(data.kind or "", ()):
            lines += ["BEGIN:VALARM", "ACTION:DISPLAY",
                      "DESCRIPTION:" + escape_text(
                          t.gettext("Reminder: {title}").format(title=data.title)),
                      f"TRIGGER:{trigger}", "END:VALARM"]
    lines.append("END:VEVENT")
    return content(lines)


def _uri(value: str) -> str:
    """A URI value: no line breaks or spaces (which would break the content line)."""
    return "".join(value.split()).replace("\\", "%5C")


def calendar_header(meta: CalendarMeta) -> str:
    """BEGIN:VCALENDAR and the calendar's own properties (name, description, refresh)."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN",
             f"NAME:{escape_text(meta.name)}", f"X-WR-CALNAME:{escape_text(meta.name)}"]
    if meta.description:
        lines += [f"DESCRIPTION:{escape_text(meta.description)}",
                  f"X-WR-CALDESC:{escape_text(meta.description)}"]
    if meta.url:
        lines += [f"URL:{_uri(meta.url)}", f"SOURCE;VALUE=URI:{_uri(meta.url)}"]
    if meta.last_modified is not None:
        lines.append(f"LAST-MODIFIED:{format_utc(meta.last_modified)}")
    if meta.color:
        lines.append(f"X-APPLE-CALENDAR-COLOR:{meta.color}")
    lines += [f"REFRESH-INTERVAL;VALUE=DURATION:{meta.refresh}",
              f"X-PUBLISHED-TTL:{meta.refresh}"]
    return content(lines)


def render_timezones(zones: ZoneSpan) -> str:
    """A VTIMEZONE for every zone (sorted by name, so the output is stable)."""
    return "".join(content(vtimezone(name, first - 1, last + 1))
                   for name, (first, last) in sorted(zones.items()) if name != "UTC")


def event_zones(events: Iterable[Event]) -> dict[str, tuple[int, int]]:
    """The zones timed events use, with the years they span."""
    spans: dict[str, tuple[int, int]] = {}
    for event in events:
        data = event.data
        if data.all_day or data.timezone == "UTC":
            continue
        years = [data.start_utc.year] + ([data.end_utc.year] if data.end_utc else [])
        first, last = spans.get(data.timezone, (min(years), max(years)))
        spans[data.timezone] = (min(first, *years), max(last, *years))
    return spans


def iter_calendar(events: Iterable[Event], meta: CalendarMeta, *, language: Language,
                  alarms: AlarmSpec | None = None, zones: ZoneSpan | None = None,
                  level_titles: Mapping[str, str] | None = None) -> Iterator[str]:
    """The feed in pieces. `zones` must cover every TZID the events use (see
    `event_zones`); without it the events are read twice, so pass a list."""
    if zones is None:
        events = list(events)
        zones = event_zones(events)
    yield calendar_header(meta)
    yield render_timezones(zones)
    titles = level_titles or {}
    for event in events:
        level = event.data.level
        yield render_event(event, language=language, alarms=alarms,
                           level_title=titles.get(level) if level else None)
    yield CALENDAR_END


def render_calendar(events: Iterable[Event], meta: CalendarMeta, *, language: Language,
                    alarms: AlarmSpec | None = None,
                    level_titles: Mapping[str, str] | None = None) -> bytes:
    """A whole calendar as bytes (small feeds, the CLI); the HTTP feeds stream instead.
    `level_titles`: each level's name in `language` (`Config.level_titles`)."""
    return "".join(iter_calendar(list(events), meta, language=language, alarms=alarms,
                                 level_titles=level_titles)).encode()
