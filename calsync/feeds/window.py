"""A feed's time-dependent selection: the subscription window and the retention of
cancelled events, as whole-UTC-day bounds, and the moment those bounds last moved a row.

A subscribed calendar wants a window that fits it (a year back, three ahead by default)
rather than 2014 to 2038; cancelled events stay for `keep_cancelled`. Both move with
today, but only at UTC midnight, so a feed's rows change at most once a day because of
them. `moved_at` gives the midnight when they last did, computed from the rows alone,
which makes Last-Modified honest for clients that only send If-Modified-Since.

`DayBounds` keeps one feed's bounds for the rest of the UTC day where that provably gives
what `bounds_for` would: every repeat poll asks for them, and the relativedelta arithmetic
was a tenth of a 304's time (issue 18).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta
from sqlalchemy import Connection

from calsync.durations import format_duration
from calsync.selectors import Selector
from calsync.store.feedrows import window_edges

__all__ = ["EPOCH", "Bounds", "DayBounds", "Window", "aware", "bounds_for", "moved_at",
           "whole_days"]

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)  # Last-Modified of a feed that never had events
_ONE_DAY = timedelta(days=1)
_TICK = timedelta(microseconds=1)


@dataclass(frozen=True, slots=True)
class Window:
    """The subscription window: relative to today (`past`/`future`), or the query's
    absolute `start`/`end` instants. Bounds fall on whole UTC days."""

    past: relativedelta | None = None
    future: relativedelta | None = None
    start: datetime | None = None
    end: datetime | None = None

    def key(self) -> list[str | None]:
        """A stable text of the settings, for the feed's ETag."""
        return [format_duration(self.past) if self.past is not None else None,
                format_duration(self.future) if self.future is not None else None,
                self.start.isoformat() if self.start else None,
                self.end.isoformat() if self.end else None]


@dataclass(frozen=True, slots=True)
class Bounds:
    """The time-dependent part of a feed's selection on one day: cancelled events
    updated before `cutoff` are gone, and only events overlapping [start, end) are in."""

    cutoff: datetime
    start: datetime | None
    end: datetime | None


def _day(moment: datetime) -> datetime:
    return datetime.combine(moment.astimezone(UTC).date(), time(0), UTC)


def bounds_for(window: Window, keep_cancelled: relativedelta, now: datetime) -> Bounds:
    """The day's bounds: whole UTC days, so the selection moves at most once a day."""
    start = window.start or (_day(now - window.past) if window.past is not None else None)
    end = window.end or (_day(now + window.future) if window.future is not None else None)
    return Bounds(_day(now - keep_cancelled), start, end)


def whole_days(delta: relativedelta | None) -> bool:
    """Whether `delta` moves an instant by whole days only: no relative or absolute part
    below a day and a whole number of days, so that the date of `now ± delta` in UTC
    depends on the UTC date of `now` alone (its time of day passes through unchanged)."""
    if delta is None:
        return True
    return (not (delta.hours or delta.minutes or delta.seconds or delta.microseconds)
            and delta.hour is None and delta.minute is None and delta.second is None
            and delta.microsecond is None and delta.days == int(delta.days)
            and delta.leapdays == int(delta.leapdays))


class DayBounds:
    """`bounds_for` of one feed's settings, kept from one call for the rest of that UTC day.

    Kept only when it is provably the same answer: the instant is in UTC (`Clock`s give
    UTC; in another zone the arithmetic runs on local wall time) and every relative part
    is whole days (`whole_days`), so each bound is a function of the UTC date. Otherwise,
    and on any other day, the bounds are computed as `bounds_for` computes them."""

    __slots__ = ("_daily", "_keep", "_today", "_window")

    def __init__(self, window: Window, keep_cancelled: relativedelta) -> None:
        self._window = window
        self._keep = keep_cancelled
        self._daily = (whole_days(keep_cancelled) and whole_days(window.past)
                       and whole_days(window.future))
        self._today: tuple[datetime, datetime, Bounds] | None = None  # [from, until)

    def at(self, now: datetime) -> Bounds:
        today = self._today  # one read: another thread may replace it, never mutate it
        if today is not None and now.tzinfo is UTC and today[0] <= now < today[1]:
            return today[2]
        bounds = bounds_for(self._window, self._keep, now)
        if self._daily and now.tzinfo is UTC and now.year < 9999:
            midnight = _day(now)
            self._today = (midnight, midnight + _ONE_DAY, bounds)
        return bounds


def moved_at(conn: Connection, selectors: list[Selector], window: Window,
             keep_cancelled: relativedelta, bounds: Bounds, latest_start: Any, now: datetime
             ) -> datetime:
    """The last midnight the day's bounds changed the feed's rows: the newest row
    entering the window, the last one leaving it, the last cancelled one retired. It
    depends only on the rows, so it stays put while they do (If-Modified-Since clients
    then see a row that the window moved, which `updated_at` alone would hide)."""
    moments = []
    if latest_start is not None and window.future is not None and window.end is None:
        moments.append(_day(aware(latest_start) - window.future) + _ONE_DAY)
    left_before = (bounds.start if bounds.start is not None and window.past is not None
                   and window.start is None else None)
    retired, last_left = window_edges(conn, selectors, cutoff=bounds.cutoff,
                                      left_before=left_before)
    if retired is not None:
        moments.append(_day(aware(retired) + keep_cancelled) + _ONE_DAY)
    if last_left is not None:
        assert window.past is not None
        moments.append(_day(aware(last_left) + window.past + _ONE_DAY - _TICK))
    return min(max(moments, default=EPOCH), _day(now))


def aware(value: Any) -> datetime:
    """An aggregate's datetime as an aware UTC value, whatever the driver returned."""
    if isinstance(value, str):  # aggregate over a TypeDecorator comes back raw on SQLite
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
