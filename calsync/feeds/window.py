"""A feed's time-dependent selection: the subscription window and the retention of
cancelled events, as whole-UTC-day bounds, and the moment those bounds last moved a row.

A subscribed calendar wants a window that fits it (a year back, three ahead by default)
rather than 2014 to 2038; cancelled events stay for `keep_cancelled`. Both move with
today, but only at UTC midnight, so a feed's rows change at most once a day because of
them. `moved_at` gives the midnight when they last did, computed from the rows alone,
which makes Last-Modified honest for clients that only send If-Modified-Since.
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

__all__ = ["EPOCH", "Bounds", "Window", "aware", "bounds_for", "moved_at"]

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
