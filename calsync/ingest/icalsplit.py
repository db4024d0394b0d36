"""Splitting an iCalendar payload into per-UID groups of raw VEVENT text, without parsing.

A sync of a large feed is dominated by parsing. Splitting is cheap (regular expressions over
the text), so calsync splits first and keys every group by a hash of its raw text plus its
calendar's context (VTIMEZONEs, X-WR-TIMEZONE, PRODID): a group whose key the store already
holds is unchanged and is never parsed again. Overrides (RECURRENCE-ID) share their master's
UID and so land in its group, which is what expansion needs. A VEVENT without a UID is a
group of its own.

Several VCALENDARs in one file are split separately, each with its own context. A payload
with no VCALENDAR, or one cut off before END:VCALENDAR, is a FeedParseError: better to keep
the last good data than to cancel everything a truncated download left out.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import tzinfo
from typing import Any

from calsync.connector import Record, record_key
from calsync.errors import FeedParseError
from calsync.ingest.timezones import iana_zone, offset_zone

__all__ = ["CalendarContext", "IcalGroup", "split_calendar", "split_records", "unfold"]

_CALENDAR = re.compile(r"^BEGIN:VCALENDAR\s*?$(.*?)^END:VCALENDAR\s*?$", re.M | re.S | re.I)
_BEGIN_CALENDAR = re.compile(r"^BEGIN:VCALENDAR\s*?$", re.M | re.I)
_VEVENT = re.compile(r"^BEGIN:VEVENT\r?\n.*?^END:VEVENT\r?$\n?", re.M | re.S | re.I)
_VTIMEZONE = re.compile(r"^BEGIN:VTIMEZONE\r?\n.*?^END:VTIMEZONE\r?$\n?", re.M | re.S | re.I)
_FOLD = re.compile(r"\r?\n[ \t]")
_UID = re.compile(r"^UID(?:;[^:\r\n]*)?:(.*?)\r?$", re.M | re.I)
_TZID_LINE = re.compile(r"^TZID(?:;[^:\r\n]*)?:(.*?)\r?$", re.M | re.I)
_RECURRING = re.compile(r"^(?:RRULE|RDATE|RECURRENCE-ID)[;:]", re.M | re.I)
_HEADER_PROP = re.compile(r"^(PRODID|X-WR-TIMEZONE)(?:;[^:\r\n]*)?:(.*?)\r?$", re.M | re.I)


def unfold(text: str) -> str:
    """Undo RFC 5545 line folding (CRLF or LF followed by one space or tab)."""
    return _FOLD.sub("", text)


@dataclass(eq=False)
class CalendarContext:
    """What a VEVENT needs from its calendar: producer, X-WR-TIMEZONE and VTIMEZONEs."""

    prodid: str
    x_wr_timezone: str | None
    vtimezones: Mapping[str, str]
    key: str
    _zones: dict[str, tzinfo | None] = field(default_factory=dict, repr=False)

    def zone_for(self, tzid: str) -> tzinfo | None:
        """A tzinfo for a TZID no zone database knows: its VTIMEZONE, or an offset in its
        name ("UTC+11"); None if neither helps."""
        if tzid not in self._zones:
            self._zones[tzid] = self._build_zone(tzid)
        return self._zones[tzid]

    def _build_zone(self, tzid: str) -> tzinfo | None:
        raw = self.vtimezones.get(tzid)
        if raw is not None:
            from icalendar import Timezone

            try:
                component: Any = Timezone.from_ical(raw)
                built: tzinfo = component.to_tz()
                return built
            except Exception:  # a broken VTIMEZONE: fall back to the name
                pass
        return offset_zone(tzid)


@dataclass(frozen=True, slots=True)
class IcalGroup:
    """The raw VEVENTs of one UID (master and overrides) in one calendar."""

    uid: str | None
    blocks: tuple[str, ...]
    context: CalendarContext
    recurring: bool


def split_calendar(text: str) -> list[IcalGroup]:
    """Every VEVENT group in `text`, in order of first appearance."""
    if not _BEGIN_CALENDAR.search(text):
        head = text.lstrip()[:60].replace("\n", " ")
        raise FeedParseError(f"not an iCalendar file (no BEGIN:VCALENDAR; it starts with "
                             f"{head!r})", detailed_error=text[:2000])
    calendars = [m.group(1) for m in _CALENDAR.finditer(text)]
    if len(calendars) < len(_BEGIN_CALENDAR.findall(text)):
        raise FeedParseError("the calendar is cut off (BEGIN:VCALENDAR without "
                             "END:VCALENDAR); keeping the last good data",
                             detailed_error=text[-2000:])
    groups: list[IcalGroup] = []
    for body in calendars:
        groups += _split_one(body)
    return groups


def split_records(text: str) -> list[Record]:
    """`split_calendar` as sync records, keyed by raw text plus calendar context."""
    return [Record(record_key(g.context.key, *g.blocks), g) for g in split_calendar(text)]


def _split_one(body: str) -> list[IcalGroup]:
    vtimezones: dict[str, str] = {}
    for match in _VTIMEZONE.finditer(body):
        block = match.group(0)
        tzid = _TZID_LINE.search(unfold(block))
        if tzid:
            vtimezones[tzid.group(1).strip()] = block
    first = min((i for i in (body.find("BEGIN:VEVENT"), body.find("BEGIN:VTIMEZONE"))
                 if i >= 0), default=len(body))
    header = {name.upper(): value.strip()
              for name, value in _HEADER_PROP.findall(unfold(body[:first]))}
    x_wr = header.get("X-WR-TIMEZONE")
    context = CalendarContext(
        prodid=header.get("PRODID", ""), x_wr_timezone=iana_zone(x_wr) if x_wr else None,
        vtimezones=vtimezones,
        key=record_key(header.get("PRODID", ""), x_wr or "", *sorted(vtimezones.values())))
    by_uid: dict[str, list[str]] = {}
    recurring: dict[str, bool] = {}
    order: list[str | tuple[str]] = []
    for match in _VEVENT.finditer(body):
        block = match.group(0)
        flat = unfold(block) if "\n " in block or "\n\t" in block else block
        uid_match = _UID.search(flat)
        uid = uid_match.group(1).strip() if uid_match else ""
        is_recurring = _RECURRING.search(flat) is not None
        if not uid:
            order.append((block,))
            recurring[block] = is_recurring
            continue
        if uid not in by_uid:
            by_uid[uid] = []
            order.append(uid)
        by_uid[uid].append(block)
        recurring[uid] = recurring.get(uid, False) or is_recurring
    groups = []
    for item in order:
        if isinstance(item, tuple):
            groups.append(IcalGroup(None, item, context, recurring[item[0]]))
        else:
            groups.append(IcalGroup(item, tuple(by_uid[item]), context, recurring[item]))
    return groups
