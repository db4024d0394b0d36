"""Time zones as real feeds spell them, turned into instants and IANA names.

Feeds name zones in four ways: IANA names (fine), Windows names ("W. Europe Standard
Time", which icalendar maps), names only their own VTIMEZONE defines ("UTC+11",
"(UTC+01:00) Amsterdam, Berlin, …"), and nothing at all (floating times, meant in the
calendar's X-WR-TIMEZONE or, failing that, the zone configured for the connector).
calsync stores instants plus an IANA zone name for display, so every path ends in both.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

__all__ = ["iana_zone", "offset_zone", "zone_name"]

_OFFSET = re.compile(r"(?:UTC|GMT)\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?", re.IGNORECASE)


@lru_cache(maxsize=1)
def _available() -> frozenset[str]:
    return frozenset(available_timezones())


@lru_cache(maxsize=512)
def iana_zone(tzid: str | None) -> str | None:
    """The IANA name a TZID stands for, if it is one or a known Windows name."""
    if not tzid:
        return None
    name = tzid.strip().strip('"')
    if name in ("UTC", "Z", "GMT", "Etc/UTC"):
        return "UTC"
    if name in _available():
        return name
    if name in WINDOWS_TO_OLSON:
        return WINDOWS_TO_OLSON[name]
    # Some producers prefix the IANA name: "/freeassociation.sourceforge.net/Europe/Oslo".
    for cut in range(1, name.count("/")):
        tail = name.split("/", cut)[-1]
        if tail in _available():
            return tail
    return None


def offset_zone(tzid: str | None) -> tzinfo | None:
    """A fixed-offset zone from names like "UTC+11" or "(UTC+01:00) Amsterdam"."""
    match = _OFFSET.search(tzid or "")
    if match is None:
        return None
    sign, hours, minutes = match.group(1), int(match.group(2)), int(match.group(3) or 0)
    delta = timedelta(hours=hours, minutes=minutes)
    return timezone(-delta if sign == "-" else delta)


def zone_name(value: datetime, tzid: str | None, fallback: str) -> str:
    """The IANA name to display `value` in: its own zone if it has a name, else `fallback`.

    Whole-hour fixed offsets become Etc/GMT∓N (note POSIX's inverted sign).
    """
    tz = value.tzinfo
    if isinstance(tz, ZoneInfo):
        return tz.key
    if tz is UTC or (tz is not None and value.utcoffset() == timedelta(0) and not tzid):
        return "UTC"
    named = iana_zone(tzid)
    if named is not None:
        return named
    offset = value.utcoffset()
    if offset is not None and offset.total_seconds() % 3600 == 0:
        hours = int(offset.total_seconds() // 3600)
        if hours == 0:
            return "UTC"
        if -12 <= hours <= 14:
            candidate = f"Etc/GMT{-hours:+d}"
            try:
                ZoneInfo(candidate)
                return candidate
            except ZoneInfoNotFoundError:
                pass
    return fallback
