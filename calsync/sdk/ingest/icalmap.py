"""One group of raw VEVENTs (a UID's master and overrides) to calsync events.

Non-recurring groups take a fast path: the VEVENT is parsed alone and mapped directly.
Recurring groups (RRULE, RDATE, RECURRENCE-ID) are wrapped in a minimal VCALENDAR with
their calendar's X-WR-TIMEZONE and any VTIMEZONE no zone database knows, then expanded
within the horizon by recurring-ical-events (which also applies X-WR-TIMEZONE repair,
EXDATE in all its forms and moved or cancelled occurrences).

Identity: a single event is its UID; an occurrence is `UID/RECURRENCE-ID` (the original
start in UTC, or the date), so a moved occurrence keeps its identity. A VEVENT without a
UID gets `derived-<hash of source, raw DTSTART and SUMMARY>`: stable while those stay the
same, which is the best a feed without UIDs allows.
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import re
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

import recurring_ical_events
from icalendar import Calendar, Event

from calsync.errors import SkippableRecordError
from calsync.model import EventData, Status
from calsync.sdk.contract import Horizon
from calsync.sdk.ingest.compat import apply_fixes
from calsync.sdk.ingest.icalsplit import CalendarContext, IcalGroup, unfold
from calsync.sdk.ingest.timezones import iana_zone, zone_name

__all__ = ["derived_uid", "group_to_events"]

log = logging.getLogger("calsync.ingest.ical")

_TZID_PARAM = re.compile(r';TZID=("[^"]*"|[^:;\r\n]*)', re.I)
_DERIVE_FROM = re.compile(r"^(?:DTSTART|SUMMARY)[;:].*$", re.M | re.I)
_STATUS = {"CANCELLED": Status.CANCELLED, "CANCELED": Status.CANCELLED,
           "TENTATIVE": Status.TENTATIVE, "CONFIRMED": Status.CONFIRMED}


def group_to_events(group: IcalGroup, horizon: Horizon, *, source: str, default_tz: str,
                    max_occurrences: int = 5000) -> list[EventData]:
    """The events of one group that fall within the horizon."""
    ctx = group.context
    display_tz = ctx.x_wr_timezone or default_tz
    floating = ZoneInfo(display_tz)
    uid = group.uid or derived_uid(source, group.blocks[0])
    try:
        if not group.recurring:
            out = []
            for block in group.blocks:
                event: Any = Event.from_ical(block)
                apply_fixes(event, ctx)
                mapped = _map(event, uid, None, ctx, floating, display_tz)
                if mapped is not None and _overlaps(mapped, horizon):
                    out.append(mapped)
            return out
        calendar: Any = Calendar.from_ical(_mini_calendar(group))
        for component in calendar.walk("VEVENT"):
            apply_fixes(component, ctx)
        query = recurring_ical_events.of(calendar, skip_bad_series=True)
        occurrences = list(itertools.islice(
            query.between(horizon.start, horizon.end), max_occurrences + 1))
    except SkippableRecordError:
        raise
    except Exception as exc:
        raise SkippableRecordError(f"VEVENT {group.uid or '(no UID)'} cannot be read: "
                                   f"{exc.__class__.__name__}: {exc}") from exc
    if len(occurrences) > max_occurrences:
        log.warning("%s: %s has more than %d occurrences in the horizon; keeping the first "
                    "%d (raise max_occurrences to keep more)", source, group.uid,
                    max_occurrences, max_occurrences)
        occurrences = occurrences[:max_occurrences]
    out = []
    for occurrence in occurrences:
        rid = occurrence.get("RECURRENCE-ID")
        mapped = _map(occurrence, uid, rid, ctx, floating, display_tz)
        if mapped is not None:
            out.append(mapped)
    return out


def _mini_calendar(group: IcalGroup) -> str:
    ctx = group.context
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{ctx.prodid or '-//calsync//EN'}"]
    if ctx.x_wr_timezone:
        lines.append(f"X-WR-TIMEZONE:{ctx.x_wr_timezone}")
    needed = {m.strip('"') for block in group.blocks for m in _TZID_PARAM.findall(block)}
    zones = [ctx.vtimezones[t] for t in sorted(needed)
             if iana_zone(t) is None and t in ctx.vtimezones]
    text = "\r\n".join(lines) + "\r\n" + "".join(_with_eol(z) for z in zones)
    return text + "".join(_with_eol(b) for b in group.blocks) + "END:VCALENDAR\r\n"


def _with_eol(block: str) -> str:
    return block if block.endswith("\n") else block + "\r\n"


def derived_uid(source: str, block: str) -> str:
    """A stable id for a VEVENT without UID: source, raw DTSTART and SUMMARY."""
    flat = unfold(block)
    parts = [source] + [m.group(0).strip() for m in _DERIVE_FROM.finditer(flat)]
    return "derived-" + hashlib.blake2b("\x1f".join(parts).encode(),
                                        digest_size=8).hexdigest()


def _map(event: Any, uid: str, rid: Any, ctx: CalendarContext, floating: tzinfo,
         display_tz: str) -> EventData | None:
    start_prop = event.get("DTSTART")
    if start_prop is None:
        raise SkippableRecordError(f"VEVENT {uid} has no DTSTART")
    start, tzid = _instant(start_prop, ctx, floating)
    end = _end(event, start, ctx, floating)
    title = str(event.get("SUMMARY", "")).strip() or "(untitled)"
    external_uid = uid if rid is None else f"{uid}/{_rid_key(rid.dt)}"
    timezone = display_tz
    if isinstance(start, datetime):
        timezone = zone_name(start, tzid, display_tz)
        if timezone == "UTC" and ctx.x_wr_timezone:  # Google: UTC times, shown in X-WR
            timezone = ctx.x_wr_timezone
    categories = [str(c) for prop in _as_list(event.get("CATEGORIES"))
                  for c in getattr(prop, "cats", [prop])]
    attrs = {"category": categories[0], "categories": ", ".join(categories)} \
        if categories else {}
    status = _STATUS.get(str(event.get("STATUS", "")).strip().upper(), Status.CONFIRMED)
    url = event.get("URL")
    location = str(event.get("LOCATION", "")).strip()
    return EventData(
        external_uid=external_uid, title=title, start=start, end=end,
        timezone=timezone,
        description=str(event.get("DESCRIPTION", "")).strip(),
        url=str(url) if url else None, location=location or None, status=status,
        attrs=attrs, source_fields=_organizer(event.get("ORGANIZER")))


def _organizer(prop: Any) -> dict[str, str] | None:
    """ORGANIZER for mapping rules: `organizer` is its name (CN) or else its address."""
    if prop is None:
        return None
    address = str(prop).removeprefix("mailto:").removeprefix("MAILTO:")
    name = str(getattr(prop, "params", {}).get("CN", "")).strip()
    return {"organizer": name or address, "organizer_email": address}


def _instant(prop: Any, ctx: CalendarContext, floating: tzinfo
             ) -> tuple[datetime | date, str | None]:
    value = prop.dt
    tzid = prop.params.get("TZID")
    if isinstance(value, datetime):
        if value.tzinfo is None:
            zone = ctx.zone_for(str(tzid)) if tzid else None
            value = value.replace(tzinfo=zone or floating)
        return value, str(tzid) if tzid else None
    if isinstance(value, date):
        return value, None
    raise SkippableRecordError(f"unsupported date value {value!r}")


def _end(event: Any, start: datetime | date, ctx: CalendarContext, floating: tzinfo
         ) -> datetime | date | None:
    prop = event.get("DTEND")
    end: datetime | date | None = None
    if prop is not None:
        end, _ = _instant(prop, ctx, floating)
    elif event.get("DURATION") is not None:
        duration = event["DURATION"].dt
        if isinstance(duration, timedelta):
            end = start + duration
    if end is None:
        return None
    if isinstance(start, datetime):
        if not isinstance(end, datetime) or end < start:
            return None
        return end
    if isinstance(end, datetime) or end <= start:
        return None
    return end


def _rid_key(value: Any) -> str:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return value.strftime("%Y%m%dT%H%M%S")
        return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    if isinstance(value, date):
        return value.strftime("%Y%m%d")
    return str(value)


def _overlaps(event: EventData, horizon: Horizon) -> bool:
    end = event.end_utc or event.start_utc
    return end >= horizon.start and event.start_utc < horizon.end


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]
