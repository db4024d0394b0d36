"""Bounded recurrence expansion: the work is limited before it starts, not after.

recurring-ical-events (through dateutil) walks a rule from its DTSTART and lists every
occurrence of the window it is asked for, so a hostile or careless rule costs what it
says: `FREQ=DAILY;INTERVAL=0` never ends, `FREQ=SECONDLY` or `COUNT=1000000` fill
gigabytes, however few occurrences are kept afterwards. So before expanding, every RRULE
of a series is screened:

- a rule dateutil cannot read (an `UNTL=` typo) or with `INTERVAL` below 1 is broken:
  the series keeps its DTSTART as one event and the sync reports the rule as skipped;
- the walk from DTSTART to the end of the horizon is estimated from FREQ, INTERVAL and
  the BY-lists (an over-estimate); beyond `WALK_BUDGET` steps the rule is too dense to
  expand and is treated like a broken one, with the reason;
- the window asked for is narrowed around now so that it holds about `cap`
  occurrences, upcoming first: a daily series keeps its future dates, not the earliest
  ones from the start of the past horizon.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from dateutil.rrule import rrulestr

from calsync.errors import one_line
from calsync.sdk.contract import Horizon
from calsync.sdk.ingest.words import quoted

__all__ = ["WALK_BUDGET", "BrokenRule", "expansion_window", "nearest_first", "screen_rules"]

WALK_BUDGET = 250_000
"""Most rule steps dateutil may take for one series (about a second, a few MB)."""

_PER_DAY = {"SECONDLY": 86_400.0, "MINUTELY": 1_440.0, "HOURLY": 24.0, "DAILY": 1.0,
            "WEEKLY": 1 / 7, "MONTHLY": 1 / 28, "YEARLY": 1 / 365}
_EXPANDING = ("BYSECOND", "BYMINUTE", "BYHOUR", "BYDAY", "BYMONTHDAY", "BYYEARDAY",
              "BYWEEKNO", "BYMONTH")
_PART = re.compile(r"([A-Z]+)=([^;]*)")


class BrokenRule(Exception):
    """A rule calsync does not expand; the message says why, in words."""


@dataclass(frozen=True, slots=True)
class Rate:
    """How many occurrences a series has per day at most (an over-estimate)."""

    per_day: float
    count: int | None
    until: datetime | None


def screen_rules(rules: list[str], start: datetime | date, horizon: Horizon) -> Rate:
    """Check every RRULE of a series; the series' combined rate. Raises BrokenRule."""
    if not rules:  # RDATEs only: as many as the text lists
        return Rate(0.0, None, None)
    total, counts, untils = 0.0, [], []
    for rule in rules:
        rate = _screen(rule, start)
        total += rate.per_day
        counts.append(rate.count)
        untils.append(rate.until)
    walk_to = _utc(horizon.end)
    count = None if None in counts else sum(c or 0 for c in counts)
    until = None if None in untils else max(u for u in untils if u is not None)
    if until is not None:
        walk_to = min(walk_to, until)
    steps = max(0.0, (walk_to - _utc(start)).total_seconds() / 86_400) * total
    if count is not None:
        steps = min(steps, float(count))
    if steps > WALK_BUDGET:
        raise BrokenRule(f"the rule is too dense to expand (about {steps:,.0f} occurrences "
                         f"from DTSTART to the end of the horizon; calsync expands at most "
                         f"{WALK_BUDGET:,} per series)")
    return Rate(total, count, until)


def _screen(rule: str, start: datetime | date) -> Rate:
    text = rule.strip().upper().removeprefix("RRULE:")
    parts = dict(_PART.findall(text))
    freq = parts.get("FREQ")
    if freq not in _PER_DAY:
        raise BrokenRule(f"the rule {quoted(rule)} has no valid FREQ")
    try:
        interval = int(parts.get("INTERVAL", "1"))
    except ValueError:
        raise BrokenRule(f"the rule {quoted(rule)} has an INTERVAL that is not a number") from None
    if interval < 1:
        raise BrokenRule(f"the rule {quoted(rule)} repeats every {interval} periods (INTERVAL "
                         "must be 1 or more)")
    parsed: Any = None
    problem: Exception | None = None
    # UNTIL in UTC needs an aware DTSTART, a floating UNTIL a naive one: try both.
    for dtstart in (_naive(start), _utc(start)):
        try:
            parsed = rrulestr(text, dtstart=dtstart, cache=False)
            break
        except (ValueError, TypeError, OverflowError) as exc:
            problem = problem or exc
    if parsed is None:
        raise BrokenRule(f"the rule {quoted(rule)} cannot be read "
                         f"({one_line(str(problem), 80)})")
    expansion = 1
    for name in _EXPANDING:
        if name in parts:
            expansion *= max(1, len(parts[name].split(",")))
    until = parsed._until
    return Rate(per_day=_PER_DAY[freq] / interval * expansion,
                count=parsed._count,
                until=_utc(until) if until is not None else None)


def expansion_window(rate: Rate, start: datetime | date, horizon: Horizon, now: datetime,
                     cap: int) -> tuple[datetime, datetime]:
    """The part of the horizon to expand: all of it when it holds at most about `cap`
    occurrences, else the upcoming `cap` from now (and the past nearest to now when the
    future holds fewer)."""
    begin, end = horizon.start, horizon.end
    days = (end - begin).total_seconds() / 86_400
    if rate.per_day * days <= cap:
        return begin, end
    future = max(0.0, (end - now).total_seconds() / 86_400)
    wanted = cap / rate.per_day  # days that hold about `cap` occurrences
    if wanted <= future:
        return now, now + timedelta(days=wanted)
    return max(begin, now - timedelta(days=wanted - future)), end


def nearest_first(starts: list[datetime], now: datetime) -> list[int]:
    """Indexes of `starts` in the order occurrences are kept: upcoming ones from now
    on, then past ones from the most recent back."""
    upcoming = sorted((i for i, s in enumerate(starts) if s >= now), key=lambda i: starts[i])
    past = sorted((i for i, s in enumerate(starts) if s < now), key=lambda i: starts[i],
                  reverse=True)
    return upcoming + past


def _naive(value: datetime | date) -> datetime:
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    return datetime(value.year, value.month, value.day)


def _utc(value: datetime | date) -> datetime:
    if isinstance(value, datetime):
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime(value.year, value.month, value.day, tzinfo=UTC)
