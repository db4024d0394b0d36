"""Declarative field mapping for the many agencies that publish lists, not calendars.

An admin says where each event field lives in an upstream record (`title: name`,
`start: dates.0.from`), which date formats to try and what the upstream's status words
mean; this module turns one record into one event with exactly that, and nothing else.
It is pure, so a mapping can be tested against a saved record.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import Field

from calsync.errors import SkippableRecordError
from calsync.model import EventData, Status
from calsync.sdk.contract import Options

__all__ = ["FieldMap", "get_path", "map_record", "parse_when", "status_of", "valid_end"]

_STATUS_WORDS = {
    "cancelled": Status.CANCELLED, "canceled": Status.CANCELLED, "inställt": Status.CANCELLED,
    "inställd": Status.CANCELLED, "installt": Status.CANCELLED, "avlyst": Status.CANCELLED,
    "tentative": Status.TENTATIVE, "preliminary": Status.TENTATIVE,
    "preliminär": Status.TENTATIVE, "preliminärt": Status.TENTATIVE,
    "confirmed": Status.CONFIRMED, "scheduled": Status.CONFIRMED,
}


class FieldMap(Options):
    """Where each event field is in an upstream record: a dotted path (`a.b.0.c`) in
    JSON, a column name in CSV. Only `title` and `start` are required."""

    title: str = Field(description="Path of the event title.")
    start: str = Field(description="Path of the start date or date-time.")
    uid: str | None = Field(None, description="Path of the upstream's stable id; without "
                                              "it an id is derived from title and start.")
    end: str | None = Field(None, description="Path of the end date or date-time.")
    url: str | None = Field(None, description="Path of a link to the event's page.")
    status: str | None = Field(None, description="Path of a status word (see status_map).")
    description: str | None = Field(None, description="Path of a longer text.")
    location: str | None = Field(None, description="Path of the place.")
    tags: str | None = Field(None, description="Path of a list (or comma-separated text) "
                                               "of tags.")
    category: str | None = Field(None, description="Path of a category, offered to "
                                                   "`mapping:` rules as `category`.")


def get_path(item: Any, path: str) -> Any:
    """The value at a dotted path; a key containing dots is tried whole first."""
    if isinstance(item, Mapping) and path in item:
        return item[path]
    value = item
    for part in path.split("."):
        if isinstance(value, Mapping):
            value = value.get(part)
        elif isinstance(value, list) and part.lstrip("-").isdigit():
            index = int(part)
            value = value[index] if -len(value) <= index < len(value) else None
        else:
            return None
        if value is None:
            return None
    return value


def parse_when(value: Any, formats: list[str], tz: str) -> datetime | date | None:
    """A date or aware datetime from `value`, trying each format in turn.

    "iso" is ISO 8601 (a bare date stays a date); other formats are strptime patterns,
    a pattern without time fields gives a date. Naive times are in zone `tz`; numbers are
    Unix seconds (milliseconds when large). Empty values are None.
    """
    if value is None or value == "":
        return None
    zone = ZoneInfo(tz)
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = value / 1000 if value > 100_000_000_000 else value
        return datetime.fromtimestamp(seconds, UTC)
    text = str(value).strip()
    for fmt in formats:
        try:
            if fmt == "iso":
                if len(text) == 10:
                    return date.fromisoformat(text)
                parsed = datetime.fromisoformat(text)
            else:
                parsed = datetime.strptime(text, fmt)
                if not any(f in fmt for f in ("%H", "%I", "%M", "%S", "%X", "%c")):
                    return parsed.date()
        except ValueError:
            continue
        return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=zone)
    raise SkippableRecordError(f"cannot read {text!r} as a date with formats "
                               f"{', '.join(formats)}")


def status_of(value: Any, status_map: Mapping[str, Status]) -> Status:
    if value is None:
        return Status.CONFIRMED
    word = str(value).strip().lower()
    lowered = {k.lower(): v for k, v in status_map.items()}
    return lowered.get(word) or _STATUS_WORDS.get(word) or Status.CONFIRMED


def map_record(item: Any, fields: FieldMap, *, formats: list[str], tz: str,
               status_map: Mapping[str, Status], source: str) -> EventData:
    """One upstream record as an event, per the admin's field mapping."""
    title = _text(get_path(item, fields.title))
    start = parse_when(get_path(item, fields.start), formats, tz)
    if not title or start is None:
        raise SkippableRecordError(f"record without {'title' if not title else 'start'}: "
                                   f"{str(item)[:120]}")
    end = parse_when(get_path(item, fields.end), formats, tz) if fields.end else None
    if not valid_end(start, end):
        end = None
    uid = _text(get_path(item, fields.uid)) if fields.uid else ""
    if not uid:
        uid = "derived-" + hashlib.blake2b(f"{source}\x1f{start.isoformat()}\x1f{title}"
                                           .encode(), digest_size=8).hexdigest()
    tags_value = get_path(item, fields.tags) if fields.tags else None
    if isinstance(tags_value, str):
        tags = tuple(t.strip() for t in tags_value.split(",") if t.strip())
    elif isinstance(tags_value, list):
        tags = tuple(_text(t) for t in tags_value if _text(t))
    else:
        tags = ()
    category = _text(get_path(item, fields.category)) if fields.category else ""
    return EventData(
        external_uid=uid, title=title, start=start, end=end, timezone=tz,
        description=_text(get_path(item, fields.description)) if fields.description else "",
        url=_text(get_path(item, fields.url)) or None if fields.url else None,
        location=_text(get_path(item, fields.location)) or None if fields.location else None,
        tags=tags,
        status=status_of(get_path(item, fields.status) if fields.status else None,
                         status_map),
        attrs={"category": category} if category else {}, source_fields=item)


def valid_end(start: datetime | date, end: datetime | date | None) -> bool:
    if isinstance(start, datetime):
        return isinstance(end, datetime) and end >= start
    return end is not None and not isinstance(end, datetime) and end > start


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(_text(v) for v in value if v is not None)
    return str(value).strip()
