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
import logging
import re
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any
from urllib.parse import urljoin, urlsplit
from zoneinfo import ZoneInfo

import recurring_ical_events
from icalendar import Calendar, Event

from calsync.errors import PartialRecordError, SkippableRecordError, one_line
from calsync.model import EventData, Status
from calsync.sdk.contract import Horizon
from calsync.sdk.ingest.compat import apply_fixes
from calsync.sdk.ingest.icalsplit import CalendarContext, IcalGroup, unfold
from calsync.sdk.ingest.occurrences import occurrences_between, reader
from calsync.sdk.ingest.recurrence import (
    BrokenRule,
    Rate,
    expansion_window,
    nearest_first,
    screen_rules,
)
from calsync.sdk.ingest.timezones import iana_zone, zone_name
from calsync.sdk.ingest.words import why

__all__ = ["derived_uid", "group_to_events"]

log = logging.getLogger("calsync.ingest.ical")

_TZID_PARAM = re.compile(r';TZID=("[^"]*"|[^:;\r\n]*)', re.I)
_DERIVE_FROM = re.compile(r"^(?:DTSTART|SUMMARY)[;:].*$", re.M | re.I)
_STATUS = {"CANCELLED": Status.CANCELLED, "CANCELED": Status.CANCELLED,
           "TENTATIVE": Status.TENTATIVE, "CONFIRMED": Status.CONFIRMED}


def group_to_events(group: IcalGroup, horizon: Horizon, *, source: str, default_tz: str,
                    max_occurrences: int = 5000) -> list[EventData]:
    """The events of one group that fall within the horizon. Whatever goes wrong with one
    group is a SkippableRecordError with the reason (found by fuzzing: a DURATION of
    P99999999D overflowed, outside any handler)."""
    try:
        return _group_to_events(group, horizon, source=source, default_tz=default_tz,
                                max_occurrences=max_occurrences)
    except SkippableRecordError:
        raise
    except Exception as exc:
        raise SkippableRecordError(f"{_name(group)} cannot be read: {why(exc)}") from exc


def _name(group: IcalGroup) -> str:
    """The record as a reason names it: its UID on one printable line, shortened."""
    return f"VEVENT {one_line(group.uid, 80)}" if group.uid else "VEVENT (no UID)"


def _group_to_events(group: IcalGroup, horizon: Horizon, *, source: str, default_tz: str,
                     max_occurrences: int) -> list[EventData]:
    ctx = group.context
    display_tz = ctx.x_wr_timezone or default_tz
    floating = ZoneInfo(display_tz)
    uid = group.uid or derived_uid(source, group.blocks[0])
    try:
        if not group.recurring:
            out = []
            for block in group.blocks:
                event: Any = Event.from_ical(block)
                _repair(event, ctx)
                mapped = _map(event, uid, None, ctx, floating, display_tz)
                if mapped is not None and _overlaps(mapped, horizon):
                    out.append(mapped)
            return out
        calendar: Any = Calendar.from_ical(_mini_calendar(group))
        components = list(calendar.walk("VEVENT"))
        for component in components:
            _repair(component, ctx)
        master = next((c for c in components if c.get("RECURRENCE-ID") is None), None)
        start = _instant(master["DTSTART"], ctx, floating)[0] if master is not None \
            and master.get("DTSTART") is not None else None
    except SkippableRecordError:
        raise
    except Exception as exc:
        raise SkippableRecordError(f"{_name(group)} cannot be read: {why(exc)}") from exc
    name = _name(group)
    rate = None
    if master is None or start is None:
        try:
            _screen_others(components, master, ctx, floating, horizon)
        except BrokenRule as exc:
            raise SkippableRecordError(f"{name}: its recurrence rule was skipped, {exc}"
                                       ) from None
    else:
        rules = [r.to_ical().decode() for r in _as_list(master.get("RRULE"))]
        try:
            rate = screen_rules(rules, start, horizon)
            _screen_others(components, master, ctx, floating, horizon)
        except BrokenRule as exc:
            raise PartialRecordError(
                f"{name}: its recurrence rule was skipped, {exc}; its first date (DTSTART) "
                "is kept as one event", _single(master, uid, ctx, floating, display_tz,
                                                horizon)) from None
    now = horizon.now or horizon.start
    try:
        occurrences, capped = _expand(calendar, rate, start, horizon, now, max_occurrences)
    except Exception as exc:
        if master is None:
            raise SkippableRecordError(f"{name} cannot be read: {why(exc)}") from exc
        raise PartialRecordError(
            f"{name}: its recurrence could not be expanded ({why(exc)});"
            " its first date (DTSTART) is kept as one event",
            _single(master, uid, ctx, floating, display_tz, horizon)) from exc
    out = []
    for occurrence in occurrences:
        rid = occurrence.get("RECURRENCE-ID")
        mapped = _map(occurrence, uid, rid, ctx, floating, display_tz)
        if mapped is not None:
            out.append(mapped)
    if len(out) > max_occurrences:
        capped = True
    if capped:
        order = nearest_first([e.start_utc for e in out], now)[:max_occurrences]
        out = [out[i] for i in sorted(order, key=lambda i: out[i].start_utc)]
        raise PartialRecordError(
            f"{name}: the series has more than {max_occurrences} occurrences in the horizon;"
            f" kept the {len(out)} nearest to now, upcoming first (raise max_occurrences to "
            "keep more)", out)
    return out


def _expand(calendar: Any, rate: Rate | None, start: datetime | date | None,
            horizon: Horizon, now: datetime, cap: int) -> tuple[list[Any], bool]:
    """The occurrences of a screened series: the whole horizon if it holds about `cap`,
    else a window around now widened until it holds `cap`. True if the horizon was not
    covered (the cap applied)."""
    query = recurring_ical_events.of(calendar, skip_bad_series=False)
    if rate is None or start is None:  # only overrides, or RDATEs: bounded by the text
        return occurrences_between(query, horizon.start, horizon.end), False
    factor = 1
    while True:
        window = expansion_window(rate, start, horizon, now, cap * factor)
        found = occurrences_between(query, *window)
        full = window == (horizon.start, horizon.end)
        if full or len(found) >= cap or factor >= 256:
            return found, not full
        factor *= 4


def _screen_others(components: list[Any], master: Any, ctx: CalendarContext,
                   floating: tzinfo, horizon: Horizon) -> None:
    """Every other component's rules too (found by fuzzing: a VEVENT nested in a broken
    one, with `FREQ=MINUTELY;COUNT=9999999`, was expanded unscreened for 7 minutes)."""
    for component in components:
        if component is master or component.get("DTSTART") is None:
            continue
        rules = [r.to_ical().decode() for r in _as_list(component.get("RRULE"))]
        if rules:
            screen_rules(rules, _instant(component["DTSTART"], ctx, floating)[0], horizon)


def _single(master: Any, uid: str, ctx: CalendarContext, floating: tzinfo,
            display_tz: str, horizon: Horizon) -> list[EventData]:
    """A series whose rule cannot be used, as its first date alone."""
    mapped = _map(master, uid, None, ctx, floating, display_tz)
    return [mapped] if mapped is not None and _overlaps(mapped, horizon) else []


_SINGLE = ("DTSTART", "DTEND", "DURATION", "SUMMARY", "DESCRIPTION", "LOCATION", "URL",
           "UID", "STATUS", "SEQUENCE", "RECURRENCE-ID")


def _repair(event: Any, ctx: CalendarContext) -> None:
    """Producer fixes, then what no producer means: a property RFC 5545 allows once given
    twice keeps the first; a DTEND before DTSTART or a negative DURATION is dropped (the
    event becomes an instant or a day) instead of shifting the occurrences."""
    apply_fixes(event, ctx)
    get = reader(event)
    for prop in _SINGLE:
        value = get(prop)
        if isinstance(value, list) and value:
            event[prop] = value[0]
    duration = getattr(get("DURATION"), "dt", None)
    if isinstance(duration, timedelta) and duration < timedelta(0):
        del event["DURATION"]
    start = getattr(get("DTSTART"), "dt", None)
    end = getattr(get("DTEND"), "dt", None)
    if start is not None and end is not None and type(start) is type(end):
        try:
            backwards = end < start
        except TypeError:  # naive against aware: leave it to mapping
            backwards = False
        if backwards:
            del event["DTEND"]


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
    get = reader(event)
    start_prop = get("DTSTART")
    if start_prop is None:
        raise SkippableRecordError(f"VEVENT {uid} has no DTSTART")
    start, tzid = _instant(start_prop, ctx, floating)
    end = _end(event, start, ctx, floating)
    title = str(get("SUMMARY", "")).strip() or "(untitled)"
    external_uid = uid if rid is None else f"{uid}/{_rid_key(rid.dt)}"
    timezone = display_tz
    if isinstance(start, datetime):
        timezone = zone_name(start, tzid, display_tz)
        if timezone == "UTC" and ctx.x_wr_timezone:  # Google: UTC times, shown in X-WR
            timezone = ctx.x_wr_timezone
    categories = [str(c) for prop in _as_list(get("CATEGORIES"))
                  for c in getattr(prop, "cats", [prop])]
    attrs = {"category": categories[0], "categories": ", ".join(categories)} \
        if categories else {}
    status = _STATUS.get(str(get("STATUS", "")).strip().upper(), Status.CONFIRMED)
    url = _link(get("URL"), ctx.base_url)
    location = str(get("LOCATION", "")).strip()
    return EventData(
        external_uid=external_uid, title=title, start=start, end=end,
        timezone=timezone,
        description=str(get("DESCRIPTION", "")).strip(),
        url=url, location=location or None, status=status,
        attrs=attrs, source_fields=_organizer(get("ORGANIZER")))


def _organizer(prop: Any) -> dict[str, str] | None:
    """ORGANIZER for mapping rules: `organizer` is its name (CN) or else its address."""
    if prop is None:
        return None
    address = str(prop).removeprefix("mailto:").removeprefix("MAILTO:")
    name = str(getattr(prop, "params", {}).get("CN", "")).strip()
    return {"organizer": name or address, "organizer_email": address}


def _link(value: Any, base: str | None) -> str | None:
    """An event's URL as a link that works: resolved against the feed's address when
    relative; only http(s) (a `javascript:` or `file:` link is dropped)."""
    text = str(value).strip() if value else ""
    if not text:
        return None
    if base:
        text = urljoin(base, text)
    return text if urlsplit(text).scheme.lower() in ("http", "https") else None


def _instant(prop: Any, ctx: CalendarContext, floating: tzinfo
             ) -> tuple[datetime | date, str | None]:
    value = prop.dt
    tzid = reader(prop.params)("TZID")
    if isinstance(value, datetime):
        if value.tzinfo is None:
            zone = ctx.zone_for(str(tzid)) if tzid else None
            value = value.replace(tzinfo=zone or floating)
        return value, str(tzid) if tzid else None
    if isinstance(value, date):
        return value, None
    raise SkippableRecordError(f"unsupported date value ({type(value).__name__})")


def _end(event: Any, start: datetime | date, ctx: CalendarContext, floating: tzinfo
         ) -> datetime | date | None:
    get = reader(event)
    prop = get("DTEND")
    end: datetime | date | None = None
    if prop is not None:
        end, _ = _instant(prop, ctx, floating)
    elif get("DURATION") is not None:
        duration = event["DURATION"].dt
        if isinstance(duration, timedelta):
            try:
                end = start + duration
            except OverflowError:  # a DURATION beyond the calendar: an instant
                return None
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
