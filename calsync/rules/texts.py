"""Every sentence the rules say to people, in one place.

Findings are read by coordinators, not by the admin who wrote the rule: dates are local
dates written out ("14 May 2027"), durations are words ("6 months", "25 days"), events
are named by title and owner, and nothing here mentions selector names, ISO durations,
slack figures or UTC instants. Keeping the wording together lets it move into message
catalogs (Swedish and English) without hunting through the rule kinds.
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache

from dateutil.relativedelta import relativedelta

__all__ = [
    "addressed",
    "cap_reached",
    "day",
    "days",
    "duration",
    "fix_by",
    "fix_from",
    "fix_passed",
    "info_gap",
    "planning_note",
    "weekday_day",
    "when",
    "with_owner",
]

_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@lru_cache(maxsize=8192)
def day(d: date) -> str:
    """`14 May 2027` (cached: findings repeat the same few thousand days)."""
    return f"{d.day} {_MONTHS[d.month - 1]} {d.year}"


def weekday_day(d: date) -> str:
    """`Friday 13 February 2026`."""
    return f"{_WEEKDAYS[d.weekday()]} {day(d)}"


def _count(n: int, unit: str) -> str:
    return f"{n} {unit}" if n == 1 else f"{n} {unit}s"


def days(n: float) -> str:
    """`1 day`, `25 days`, `1.5 days` (the sign is the caller's business)."""
    n = abs(n)
    if float(n).is_integer():
        return _count(int(n), "day")
    return f"{n:.1f} days"


def duration(delta: relativedelta | None) -> str:
    """An ISO duration in words: P6M is `6 months`, P1Y2M `1 year 2 months`, P0D `0 days`."""
    if delta is None:
        return "0 days"
    weeks, rest = (delta.days // 7, 0) if delta.days % 7 == 0 else (0, delta.days)
    parts = [_count(value, unit) for value, unit in (
        (delta.years, "year"), (delta.months, "month"), (weeks, "week"), (rest, "day"),
        (delta.hours, "hour"), (delta.minutes, "minute")) if value]
    return " ".join(parts) if parts else "0 days"


def with_owner(title: str, owner: str) -> str:
    """`Skellefteå kommun: Budget 2028`, without doubling a prefix the title already has."""
    if not owner or title.startswith(owner):
        return title
    return f"{owner}: {title}"


def cap_reached(rule_id: str, cap: int) -> str:
    return (f"rule {rule_id} found more than {cap} misalignments; only the first {cap} are "
            f"shown. Narrow the rule's events or raise its max_findings.")


def info_gap(owner: str, what: str, deadline: date) -> str:
    return f"No date is known for {owner}'s {what}; the deadline is {day(deadline)}."


def planning_note(actor: str, effective: date) -> str:
    who = f"{actor} sets this date" if actor else "this date is set elsewhere"
    return (f"planning note: {who}; the effective deadline is {weekday_day(effective)}, "
            "plan to be ready by then")


def when(first: date, text: str) -> str:
    """An event's time as people read it: ISO dates in `text` written out."""
    return _when(text) or day(first)


@lru_cache(maxsize=65536)
def _when(text: str) -> str:
    return _ISO_DATE.sub(lambda m: day(date.fromisoformat(m.group(0))), text)


def fix_passed(latest: date) -> str:
    return (f"the latest date that satisfies the rule, {day(latest)}, has passed; "
            "reschedule or record an exception")


def fix_by(verb: str, latest: date, earliest: date | None, meeting: str | None,
           meeting_day: date | None) -> str:
    text = (f"{verb} between {day(earliest)} and {day(latest)}" if earliest is not None
            else f"{verb} by {day(latest)}")
    if meeting is not None and meeting_day is not None:
        text += f"; your last meeting before then is {meeting} on {day(meeting_day)}"
    return text


def fix_from(verb: str, earliest: date, meeting: str | None, meeting_day: date | None) -> str:
    text = f"{verb} to {day(earliest)} or later"
    if meeting is not None and meeting_day is not None:
        text += f"; your first meeting from then is {meeting} on {day(meeting_day)}"
    return text


def addressed(owner: str, text: str) -> str:
    """A fix addressed to the organisation that can act on it."""
    return f"{owner}: {text}"
