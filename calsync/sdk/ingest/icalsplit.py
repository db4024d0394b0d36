"""Splitting an iCalendar payload into per-UID groups of raw VEVENT text, without parsing.

A sync of a large feed is dominated by parsing. Splitting is cheap (plain string search over
the text), so calsync splits first and keys every group by a hash of its raw text plus its
calendar's context (VTIMEZONEs, X-WR-TIMEZONE, PRODID): a group whose key the store already
holds is unchanged and is never parsed again. Overrides (RECURRENCE-ID) share their master's
UID and so land in its group, which is what expansion needs. A VEVENT without a UID is a
group of its own.

Parsing is still icalendar's, one group at a time (`calsync.sdk.ingest.icalmap`); only the
cutting is by hand, because it matters for memory: measured on the benchmark's 10k-event
policy calendar (bench/calendars.py, 2026-12-02), `Calendar.from_ical` of the whole text
holds 69 MiB of component tree beside the 42 MiB process, while splitting and parsing group
by group holds 18 MiB (the groups' raw text) for the same CPU time (3.3 s vs 3.4 s) and
the same events (tests/golden, tests/mapping); at 100k events the whole tree alone would be
about 700 MiB, most of the peak-memory target.

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

from calsync.errors import FeedParseError
from calsync.sdk.contract import Record, record_key
from calsync.sdk.ingest.timezones import iana_zone, offset_zone

__all__ = ["CalendarContext", "IcalGroup", "split_calendar", "split_records", "unfold"]

_MARKER = re.compile(r"^(BEGIN|END):([A-Za-z-]+)", re.M | re.I)
_FOLD = re.compile(r"\r?\n[ \t]")
_TZID_LINE = re.compile(r"^TZID(?:;[^:\r\n]*)?:(.*?)\r?$", re.M | re.I)
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
    base_url: str | None = None  # the feed's address: relative URLs are resolved against it
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


def split_calendar(text: str, base_url: str | None = None) -> list[IcalGroup]:
    """Every VEVENT group in `text`, in order of first appearance. A UID that appears in
    several VCALENDARs (concatenated feeds) keeps its newest copy (`newest_first`)."""
    if "BEGIN:VCALENDAR" not in text and "begin:vcalendar" in text.lower():
        text = _MARKER.sub(lambda m: m.group(0).upper(), text)  # lower-case producers
    calendars = _blocks(text, "VCALENDAR")
    if not calendars:
        # What it looks like, never its bytes: the message is shown on the open
        # /api/sources, and an upstream's (or a local file's) content is not ours to show.
        raise FeedParseError(f"not an iCalendar file (no BEGIN:VCALENDAR; {_looks_like(text)})",
                             detailed_error=text[:2000])
    groups: list[IcalGroup] = []
    at: dict[str, int] = {}
    for body in calendars:
        for group in _split_one(body, base_url):
            if group.uid is None or group.uid not in at:
                if group.uid is not None:
                    at[group.uid] = len(groups)
                groups.append(group)
            elif _version(_masters(group)[0]) > _version(_masters(groups[at[group.uid]])[0]):
                groups[at[group.uid]] = group
    return groups


_SEQUENCE = re.compile(r"^SEQUENCE[;:][^\r\n]*?(-?\d+)\s*$", re.M | re.I)
_STAMP = re.compile(r"^(?:LAST-MODIFIED|DTSTAMP)[;:][^\r\n]*?(\d{8}T\d{6})", re.M | re.I)


def _version(block: str) -> tuple[int, str]:
    """How new a copy of a VEVENT is: SEQUENCE, then the later of LAST-MODIFIED and
    DTSTAMP (RFC 5545's order for telling copies apart)."""
    sequence = _SEQUENCE.search(block)
    stamps = _STAMP.findall(block)
    return (int(sequence.group(1)) if sequence else 0, max(stamps, default=""))


def _masters(group: IcalGroup) -> tuple[str, ...]:
    """The group's blocks without RECURRENCE-ID (normally one), else all of them."""
    masters = tuple(b for b in group.blocks if "RECURRENCE-ID" not in b.upper())
    return masters or group.blocks


def _newest_master(blocks: list[str]) -> tuple[str, ...]:
    """One UID's blocks with only the newest master, when a file repeats it."""
    if len(blocks) < 2:  # most groups: no copy of every block upper-cased
        return tuple(blocks)
    masters = [b for b in blocks if "RECURRENCE-ID" not in b.upper()]
    if len(masters) < 2:
        return tuple(blocks)
    newest = max(masters, key=_version)  # the first of equals, as before
    return tuple(b for b in blocks if b is newest or b not in masters)


def _looks_like(text: str) -> str:
    head = text.lstrip()[:1]
    if not head:
        return "the body is empty"
    if head == "<":
        return "it looks like an HTML or XML page"
    if head in "{[":
        return "it looks like JSON"
    return "it is some other text"


def _blocks(text: str, name: str) -> list[str]:
    """The `BEGIN:name … END:name` blocks of `text` (with their line end), found with
    plain string search: this runs over every byte of every payload."""
    begin, end = f"BEGIN:{name}", f"END:{name}"
    found = []
    at = _line_start(text, begin, 0)
    while at >= 0:
        stop = text.find("\n" + end, at)
        if stop < 0:
            raise FeedParseError(f"the calendar is cut off ({begin} without {end}); "
                                 "keeping the last good data", detailed_error=text[-2000:])
        stop += 1 + len(end)
        if text.startswith("\r\n", stop):
            stop += 2
        elif text.startswith("\n", stop):
            stop += 1
        found.append(text[at:stop])
        at = _line_start(text, begin, stop)
    return found


def _line_start(text: str, marker: str, start: int) -> int:
    """Index of the next `marker` that begins a line (not one quoted inside a value)."""
    at = text.find(marker, start)
    while at > 0 and text[at - 1] != "\n":
        at = text.find(marker, at + 1)
    return at


def _uid(block: str) -> str:
    at = block.find("\nUID")
    if at < 0:
        return ""
    colon = block.find(":", at)
    stop = block.find("\n", at + 1)
    if colon < 0 or stop < 0 or colon > stop:
        return ""
    if not block.startswith((" ", "\t"), stop + 1):
        return block[colon + 1:stop].strip()
    while block.startswith((" ", "\t"), stop + 1):  # folded
        stop = block.find("\n", stop + 1)
    return unfold(block[colon + 1:stop]).strip()


def split_records(text: str, base_url: str | None = None) -> list[Record]:
    """`split_calendar` as sync records, keyed by raw text plus calendar context; the UID
    is the record's identity (its stored events are kept if it cannot be read)."""
    return [Record(record_key(g.context.key, *g.blocks), g, identity=g.uid)
            for g in split_calendar(text, base_url)]


def _split_one(body: str, base_url: str | None) -> list[IcalGroup]:
    vtimezones: dict[str, str] = {}
    for block in _blocks(body, "VTIMEZONE"):
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
        vtimezones=vtimezones, base_url=base_url,
        key=record_key(header.get("PRODID", ""), x_wr or "", *sorted(vtimezones.values())))
    by_uid: dict[str, list[str]] = {}
    recurring: dict[str, bool] = {}
    order: list[str | tuple[str]] = []
    for block in _blocks(body, "VEVENT"):
        uid = _uid(block)
        # A substring test over-approximates (text may mention RRULE): that only sends a
        # group down the slower, always-correct path.
        is_recurring = "RRULE" in block or "RDATE" in block or "RECURRENCE-ID" in block
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
            groups.append(IcalGroup(item, _newest_master(by_uid[item]), context,
                                    recurring[item]))
    return groups
