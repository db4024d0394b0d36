"""Writing iCalendar (RFC 5545) feeds of the timeline.

Written by hand rather than through icalendar's object model because a feed is
regenerated often and must be byte-stable: every property of an event is derived from
stored data (DTSTAMP is the event's last modification), so identical data gives
identical bytes, a stable ETag and cheap 304s for subscribed clients. Lines end in CRLF
and are folded at 75 octets without splitting a UTF-8 sequence.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime

from calsync import __version__
from calsync.model import Event, Status

__all__ = ["CalendarMeta", "escape_text", "fold", "render_calendar", "render_event"]

PRODID = f"-//calsync//calsync {__version__}//EN"


@dataclass(frozen=True, slots=True)
class CalendarMeta:
    name: str
    description: str = ""
    url: str | None = None
    refresh: str = "PT6H"  # how often clients should poll (REFRESH-INTERVAL / X-PUBLISHED-TTL)
    color: str | None = None


def escape_text(value: str) -> str:
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


def _utc(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _date(value: date) -> str:
    return value.strftime("%Y%m%d")


def render_event(event: Event) -> str:
    """One VEVENT; depends only on the stored event, so it can be cached by (uid, sequence)."""
    data = event.data
    lines = [
        "BEGIN:VEVENT",
        f"UID:{event.uid}",
        f"DTSTAMP:{_utc(event.updated_at)}",
        f"CREATED:{_utc(event.first_seen)}",
        f"LAST-MODIFIED:{_utc(event.updated_at)}",
        f"SEQUENCE:{event.sequence}",
    ]
    if isinstance(data.start, datetime):
        lines.append(f"DTSTART:{_utc(data.start)}")
        if isinstance(data.end, datetime):
            lines.append(f"DTEND:{_utc(data.end)}")
    else:
        lines.append(f"DTSTART;VALUE=DATE:{_date(data.start)}")
        if isinstance(data.end, date):
            lines.append(f"DTEND;VALUE=DATE:{_date(data.end)}")
    summary = data.title
    if data.status == Status.CANCELLED:
        summary = f"Cancelled: {summary}"
    lines.append(f"SUMMARY:{escape_text(summary)}")
    description = data.description
    if data.actor:
        description = f"{data.actor} ({data.level})\n\n{description}".strip()
    if description:
        lines.append(f"DESCRIPTION:{escape_text(description)}")
    if data.location:
        lines.append(f"LOCATION:{escape_text(data.location)}")
    if data.url:
        lines.append(f"URL:{data.url}")
    categories = [c for c in (data.level, data.kind, *data.tags) if c]
    if categories:
        lines.append("CATEGORIES:" + ",".join(escape_text(c) for c in dict.fromkeys(categories)))
    lines.append(f"STATUS:{str(data.status).upper()}")
    lines.append("TRANSP:TRANSPARENT")
    if data.actor:
        lines.append(f"X-CALSYNC-ACTOR:{escape_text(data.actor)}")
    if data.level:
        lines.append(f"X-CALSYNC-LEVEL:{escape_text(data.level)}")
    lines.append("END:VEVENT")
    return "".join(fold(line) for line in lines)


def calendar_header(meta: CalendarMeta) -> str:
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN",
             f"NAME:{escape_text(meta.name)}", f"X-WR-CALNAME:{escape_text(meta.name)}"]
    if meta.description:
        lines += [f"DESCRIPTION:{escape_text(meta.description)}",
                  f"X-WR-CALDESC:{escape_text(meta.description)}"]
    if meta.url:
        lines += [f"URL:{meta.url}", f"SOURCE;VALUE=URI:{meta.url}"]
    if meta.color:
        lines.append(f"X-APPLE-CALENDAR-COLOR:{meta.color}")
    lines += [f"REFRESH-INTERVAL;VALUE=DURATION:{meta.refresh}",
              f"X-PUBLISHED-TTL:{meta.refresh}"]
    return "".join(fold(line) for line in lines)


def iter_calendar(events: Iterable[Event], meta: CalendarMeta) -> Iterator[str]:
    """The feed in pieces, for streaming large calendars."""
    yield calendar_header(meta)
    for event in events:
        yield render_event(event)
    yield "END:VCALENDAR\r\n"


def render_calendar(events: Iterable[Event], meta: CalendarMeta) -> bytes:
    return "".join(iter_calendar(events, meta)).encode()
