"""Keeping the identity of occurrences when a recurring series is retimed upstream.

An occurrence's id is `SERIES/RECURRENCE-ID`, and the RECURRENCE-ID is the occurrence's
original start. When a publisher moves a whole weekly meeting from 21:30 to 20:00, every
occurrence therefore comes back under a new id: without help the sync would cancel all of
them and add as many new ones (and hold that back as a mass removal). Subscribers would
see a "Cancelled:" copy beside every new event.

`pair_retimed` recognises the case: a new occurrence and a vanished one of the same series
on the same local day are one occurrence whose time of day changed. The sync then treats
the pair as a change of the stored event (same public UID, `sequence + 1`, its id updated
to the new one), never as a cancellation plus an addition. Only unambiguous pairs are
matched: exactly one new and one vanished occurrence of the series on that day.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from calsync.model import EventData

__all__ = ["occurrence_of", "pair_retimed", "series_of"]

# "SERIES/20261201T203000Z" (a UTC start) or "SERIES/20261201T203000" (a floating one).
_OCCURRENCE = re.compile(r"^(?P<series>.+)/(?P<key>\d{8}T\d{6}Z?)$")


def occurrence_of(external_uid: str) -> tuple[str, datetime] | None:
    """The series and the original start of an occurrence id (None for other ids; dates
    are all-day occurrences, whose day is their identity and never moves by retiming)."""
    match = _OCCURRENCE.match(external_uid)
    if match is None:
        return None
    key = match["key"]
    start = datetime.strptime(key.rstrip("Z"), "%Y%m%dT%H%M%S")
    return match["series"], start.replace(tzinfo=UTC) if key.endswith("Z") else start


def series_of(external_uid: str) -> str | None:
    """The series of an occurrence id (`occurrence_of` without parsing the start: a sync
    asks this of every stored event, and `strptime` was most of a re-sync's set-up)."""
    match = _OCCURRENCE.match(external_uid)
    return None if match is None else match["series"]


def _day(start: datetime, zone: str) -> date:
    if start.tzinfo is None:  # floating: the wall clock is the day
        return start.date()
    return start.astimezone(ZoneInfo(zone)).date()


def pair_retimed(added: Iterable[EventData], vanished: Iterable[str]
                 ) -> dict[str, str]:
    """New occurrence id -> vanished occurrence id, for occurrences of one series on the
    same local day (the day in the new occurrence's zone)."""
    new_by_day: dict[tuple[str, date], list[str]] = {}
    zones: dict[str, str] = {}
    for data in added:
        found = occurrence_of(data.external_uid)
        if found is None or data.all_day:
            continue
        series, start = found
        zones.setdefault(series, data.timezone)
        new_by_day.setdefault((series, _day(start, data.timezone)), []).append(
            data.external_uid)
    old_by_day: dict[tuple[str, date], list[str]] = {}
    for external_uid in vanished:
        found = occurrence_of(external_uid)
        if found is None or found[0] not in zones:
            continue
        series, start = found
        old_by_day.setdefault((series, _day(start, zones[series])), []).append(external_uid)
    return {new[0]: old[0] for day, new in new_by_day.items()
            if len(new) == 1 and len(old := old_by_day.get(day, [])) == 1}
