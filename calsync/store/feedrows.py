"""The queries a feed runs over the events table, beside `calsync.store.events`.

A feed (`calsync.feeds.publish`) is the rows its selectors pick, inside the day's bounds
(`calsync.feeds.window`): the subscription window [start, end) and the retention of
cancelled events (`cutoff`). `FeedRows` is that selection; its methods are the few
questions a feed asks of it (a fingerprint aggregate, its zones, its ordered keys, the
moments the bounds last moved a row), so the SQL over `events` stays in the store and
the feeds layer never names a table. The events table has two store modules only
because one would pass 400 lines: both are the store's, and nothing else queries it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, and_, case, func, or_, select

from calsync.model import Event, Status
from calsync.selectors import Selector
from calsync.store.events import event_columns, filtered, row_to_event
from calsync.store.sources import last_sync_run_id
from calsync.store.tables import events

__all__ = ["FeedRows", "store_version", "window_edges"]

_KEY_COLUMNS = (events.c.id, events.c.uid, events.c.sequence, events.c.content_hash)


@dataclass(frozen=True, slots=True)
class FeedRows:
    """The rows of one feed on one day: `selectors` inside [start, end), cancelled rows
    only while updated at or after `cutoff`."""

    selectors: Sequence[Selector]
    start: datetime | None
    end: datetime | None
    cutoff: datetime

    def where(self, stmt: Select[Any]) -> Select[Any]:
        for selector in self.selectors:
            stmt = filtered(stmt, start=None, end=None, selector=selector, q=None,
                            superseded=True)  # the window's filter below leaves them out
        stmt = filtered(stmt, start=self.start, end=self.end, selector=None, q=None)
        return stmt.where(or_(events.c.status != str(Status.CANCELLED),
                              events.c.updated_at >= self.cutoff))

    def summary(self, conn: Connection) -> tuple[Any, ...]:
        """(count, newest updated_at, sum of sequences, max id, sum of ids, sum of their
        squares, latest start): the version of the rows, in one aggregate."""
        c = events.c
        return tuple(conn.execute(self.where(select(
            func.count(), func.max(c.updated_at), func.coalesce(func.sum(c.sequence), 0),
            func.coalesce(func.max(c.id), 0), func.coalesce(func.sum(c.id), 0),
            func.coalesce(func.sum(c.id * c.id), 0), func.max(c.start_at),
        ).select_from(events))).one())

    def newest(self, conn: Connection) -> Any:
        """The newest `updated_at` of the rows (raw: a string on SQLite aggregates)."""
        return conn.execute(self.where(select(func.max(events.c.updated_at)))).scalar()

    def timed_events(self, conn: Connection) -> Iterator[Event]:
        """The rows with a time zone other than UTC, as events."""
        rows = conn.execute(self.where(select(*event_columns()).where(_timed()))).mappings()
        return map(row_to_event, rows)

    def zone_spans(self, conn: Connection) -> list[tuple[str, Any, Any]]:
        """(zone, first start, last end) of the rows with a time zone other than UTC."""
        last = func.max(case((events.c.end_at.is_(None), events.c.start_at),
                             else_=events.c.end_at))
        stmt = self.where(select(events.c.timezone, func.min(events.c.start_at), last)
                          .where(_timed()).group_by(events.c.timezone))
        return [(zone, first, final) for zone, first, final in conn.execute(stmt)]

    def ordered_events(self, conn: Connection) -> Iterator[Event]:
        """The rows in time order, as events (for pages that show a feed's events)."""
        stmt = self.where(select(*event_columns())).order_by(events.c.start_at, events.c.id)
        return map(row_to_event, conn.execute(stmt).mappings())

    def keys(self, conn: Connection, batch: int) -> Iterator[tuple[int, str, int, str]]:
        """(id, uid, sequence, content hash) of the rows in time order, streamed."""
        stmt = self.where(select(*_KEY_COLUMNS)).order_by(events.c.start_at, events.c.id)
        for row in conn.execute(stmt.execution_options(yield_per=batch)):
            yield (row[0], row[1], row[2], row[3])


def _timed() -> ColumnElement[bool]:
    return and_(events.c.all_day.is_(False), events.c.timezone != "UTC")


def window_edges(conn: Connection, selectors: Sequence[Selector], *, cutoff: datetime,
                 left_before: datetime | None) -> tuple[Any, Any]:
    """Over the rows `selectors` pick, whatever the day's bounds: the newest
    `updated_at` of a cancelled row retired before `cutoff`, and (with `left_before`)
    the latest end of a row that ended before it. None where there is none."""
    left = (or_(events.c.end_at <= left_before,
                and_(events.c.end_at.is_(None), events.c.start_at < left_before))
            if left_before is not None else None)
    gone = and_(events.c.status == str(Status.CANCELLED), events.c.updated_at < cutoff)
    columns: list[Any] = [func.max(case((gone, events.c.updated_at)))]
    if left is not None:
        columns.append(func.max(case((left, func.coalesce(events.c.end_at,
                                                          events.c.start_at)))))
    stmt = select(*columns).select_from(events)
    for selector in selectors:
        stmt = filtered(stmt, start=None, end=None, selector=selector, q=None)
    row = conn.execute(stmt).one()
    return row[0], (row[1] if left is not None else None)


def store_version(conn: Connection) -> tuple[Any, ...]:
    """A cheap token that changes whenever any event may have changed: the newest
    `updated_at`, the highest event id and the highest sync run id (index lookups, no
    scan). Events are never deleted (they are cancelled), every change sets
    `updated_at` to the sync's time, and every sync adds a run, so a feed's fingerprint
    computed under one token holds until the token changes."""
    return tuple(conn.execute(select(
        select(func.max(events.c.updated_at)).scalar_subquery(),
        select(func.max(events.c.id)).scalar_subquery(),
        last_sync_run_id())).one())
