"""Named fixes for known producers' quirks, applied to parsed VEVENTs before mapping.

Each fix has a name (so logs and docs can say what was repaired), a test of whether it
applies to a calendar (usually by PRODID) and a function that repairs one component in
place. Quirks that icalendar, x-wr-timezone and recurring-ical-events already handle
(Windows TZIDs, X-WR-TIMEZONE, EXDATE forms, folding) are not repeated here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from calsync.sdk.ingest.icalsplit import CalendarContext

__all__ = ["FIXES", "Fix", "apply_fixes"]


@dataclass(frozen=True, slots=True)
class Fix:
    name: str
    applies: Callable[[CalendarContext], bool]
    repair: Callable[[Any], None]


def _exchange_allday(event: Any) -> None:
    """Exchange/Outlook may write an all-day event as midnight-to-midnight DATE-TIMEs and
    say so only in X-MICROSOFT-CDO-ALLDAYEVENT; make it a real all-day event."""
    if str(event.get("X-MICROSOFT-CDO-ALLDAYEVENT", "")).upper() != "TRUE":
        return
    for name in ("DTSTART", "DTEND"):
        prop = event.get(name)
        value = getattr(prop, "dt", None)
        if isinstance(value, datetime) and value.time() == time(0):
            day: date = value.date()
            del event[name]
            event.add(name, day)


FIXES: tuple[Fix, ...] = (
    Fix("exchange-allday", lambda ctx: "microsoft" in ctx.prodid.lower(), _exchange_allday),
)


def apply_fixes(event: Any, context: CalendarContext) -> None:
    for fix in FIXES:
        if fix.applies(context):
            fix.repair(event)
