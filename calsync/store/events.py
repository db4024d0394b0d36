"""The events table's owner: the unified timeline, its revisions, what moved since a date,
and the writes a sync applies (the sync decides what changes, `calsync.sync.apply`).

Functions take an open SQLAlchemy `Connection` so callers decide the transaction.
Cheap filters (time range, level, kind, status, source) run in SQL; the rest of a
`Selector` (actor globs, tags, attributes) is applied in Python with the same
`Selector.matches` every other part of calsync uses, so all agree on what matches.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    and_,
    bindparam,
    exists,
    func,
    insert,
    or_,
    select,
    update,
)

from calsync.model import Event, EventData, Status
from calsync.selectors import Selector
from calsync.steps import ACTUAL, EXPECTED, step_key, step_role
from calsync.store.search import matching, searchable
from calsync.store.sources import seen_again
from calsync.store.tables import event_revisions, events

__all__ = [
    "Revision",
    "add_events",
    "add_revisions",
    "changes_since",
    "count_by_level_status",
    "count_events",
    "count_matching",
    "event_columns",
    "event_counts_by_source",
    "event_values",
    "events_by_ids",
    "events_page",
    "filtered",
    "get_event",
    "iter_events",
    "known_of",
    "list_events",
    "not_superseded",
    "rekey",
    "revisions_of",
    "row_to_event",
    "rows_by_ids",
    "step_columns",
    "touch_seen",
    "update_events",
]


@dataclass(frozen=True, slots=True)
class Revision:
    """One change to an event: what changed (`changes`: field -> [old, new]), when, why."""

    event_uid: str
    at: datetime
    change: str
    sequence: int
    changes: dict[str, list[Any]]
    reason: str | None
    sync_id: int | None

    def as_dict(self) -> dict[str, Any]:
        return {"event_uid": self.event_uid, "at": self.at.isoformat(), "change": self.change,
                "sequence": self.sequence, "changes": self.changes, "reason": self.reason,
                "sync_id": self.sync_id}


def event_values(data: EventData) -> dict[str, Any]:
    """Column values for the upstream part of an event."""
    return {
        "external_uid": data.external_uid,
        "level": data.level or "",
        "actor": data.actor or "",
        "kind": data.kind or "",
        "title": data.title,
        "description": data.description,
        "url": data.url,
        "location": data.location,
        "tags": "," + ",".join(data.tags) + "," if data.tags else "",
        "attrs": dict(data.attrs),
        "all_day": data.all_day,
        "start_at": data.start_utc,
        "end_at": data.end_utc,
        "timezone": data.timezone,
        "status": str(data.status),
        **step_columns(data),
        "search_text": searchable(data.actor or "", data.title, data.description,
                                  data.attrs),
    }


def step_columns(data: EventData) -> dict[str, str | None]:
    key = step_key(data.actor, data.attrs)
    return {"step_key": key, "step_role": step_role(data.attrs) if key else None}


def not_superseded() -> ColumnElement[bool]:
    """Rows that are not an expectation superseded by an actual (not cancelled) event."""
    actual = events.alias("actual")
    return or_(events.c.step_role.is_(None), events.c.step_role != EXPECTED,
               ~exists().where(actual.c.step_key == events.c.step_key,
                               actual.c.step_role == ACTUAL,
                               actual.c.status != str(Status.CANCELLED)))


def row_to_data(row: Mapping[Any, Any]) -> EventData:
    start_at: datetime = row["start_at"]
    end_at: datetime | None = row["end_at"]
    start: date | datetime
    end: date | datetime | None
    if row["all_day"]:
        start = start_at.date()
        end = end_at.date() if end_at is not None else None
    else:
        zone = ZoneInfo(row["timezone"])
        start = start_at.astimezone(zone)
        end = end_at.astimezone(zone) if end_at is not None else None
    return EventData(
        external_uid=row["external_uid"], title=row["title"], start=start, end=end,
        timezone=row["timezone"], level=row["level"], actor=row["actor"], kind=row["kind"],
        description=row["description"], url=row["url"], location=row["location"],
        tags=decode_tags(row["tags"]),
        status=Status(row["status"]), attrs=row["attrs"] or {},
    )


def event_columns() -> list[ColumnElement[Any]]:
    """What to select for `row_to_event`: the row, with `last_seen` the event's last
    sighting (`calsync.store.sources.seen_again`), not the column as written."""
    return [*(c for c in events.c if c.name != "last_seen"),
            seen_again(events.c.source, events.c.last_seen).label("last_seen")]


def row_to_event(row: Mapping[Any, Any]) -> Event:
    return Event(
        id=row["id"], uid=row["uid"], source=row["source"], data=row_to_data(row),
        sequence=row["sequence"], content_hash=row["content_hash"],
        first_seen=row["first_seen"], last_seen=row["last_seen"], updated_at=row["updated_at"],
    )


def decode_tags(encoded: str | None) -> tuple[str, ...]:
    """Tags are stored as `,a,b,` so that SQL can match one with LIKE '%,a,%'."""
    return tuple(encoded.strip(",").split(",")) if encoded else ()


def filtered(stmt: Select[Any], *, start: datetime | None, end: datetime | None,
             selector: Selector | None, q: str | None,
             superseded: bool = False) -> Select[Any]:
    """Add the SQL-side filters to a select over `events` (the rest of the selector is
    checked in Python by `Selector.matches`; callers that stream rows must apply it).
    Expectations an actual event supersedes are left out unless `superseded`."""
    if not superseded:
        stmt = stmt.where(not_superseded())
    if start is not None:
        start = start.astimezone(UTC)
        stmt = stmt.where(or_(events.c.end_at > start,
                              and_(events.c.end_at.is_(None), events.c.start_at >= start)))
    if end is not None:
        stmt = stmt.where(events.c.start_at < end.astimezone(UTC))
    if selector is not None:
        if selector.level is not None:
            stmt = stmt.where(events.c.level.in_(selector.level))
        if selector.kind is not None:
            stmt = stmt.where(events.c.kind.in_(selector.kind))
        if selector.status is not None:
            stmt = stmt.where(events.c.status.in_([str(s) for s in selector.status]))
        if selector.source is not None:
            stmt = stmt.where(events.c.source.in_(selector.source))
        if selector.tags is not None:
            for tag in selector.tags.all:
                stmt = stmt.where(events.c.tags.contains(f",{tag},", autoescape=True))
            if selector.tags.any:
                stmt = stmt.where(or_(*(events.c.tags.contains(f",{t},", autoescape=True)
                                        for t in selector.tags.any)))
    if q:
        stmt = stmt.where(matching(q))
    return stmt


def iter_events(conn: Connection, *, start: datetime | None = None,
                end: datetime | None = None, selector: Selector | None = None,
                q: str | None = None) -> Iterator[Event]:
    """Events overlapping [start, end) that match `selector`, in time order."""
    stmt = filtered(select(*event_columns()), start=start, end=end, selector=selector, q=q)
    stmt = stmt.order_by(events.c.start_at, events.c.id)
    for row in conn.execute(stmt).mappings():
        event = row_to_event(row)
        if selector is None or selector.matches(event.data, event.source):
            yield event


def list_events(conn: Connection, *, start: datetime | None = None,
                end: datetime | None = None, selector: Selector | None = None,
                q: str | None = None, limit: int | None = None, offset: int = 0
                ) -> list[Event]:
    out: list[Event] = []
    for i, event in enumerate(iter_events(conn, start=start, end=end, selector=selector, q=q)):
        if i < offset:
            continue
        if limit is not None and len(out) >= limit:
            break
        out.append(event)
    return out


def count_matching(conn: Connection, *, start: datetime | None = None,
                   end: datetime | None = None, selector: Selector | None = None,
                   q: str | None = None) -> int:
    """How many events `iter_events` yields, counted by the database: exact only for a
    selector that `filtered` puts wholly into SQL (no actor globs, `where` or none-tags;
    see `calsync.feeds.publish.python_only`)."""
    stmt = filtered(select(func.count()).select_from(events), start=start, end=end,
                    selector=selector, q=q)
    return int(conn.execute(stmt).scalar_one())


def events_page(conn: Connection, *, start: datetime | None = None,
                end: datetime | None = None, selector: Selector | None = None,
                q: str | None = None, limit: int, offset: int = 0
                ) -> tuple[list[Event], int]:
    """`iter_events`' rows `offset` to `offset + limit` and how many match in all, paged
    and counted by the database in one statement (a window count: one scan of the
    range, as `iter_events`' own); the same condition on `selector` as `count_matching`."""
    stmt = filtered(select(*event_columns(), func.count().over().label("matches")), start=start,
                    end=end, selector=selector, q=q)
    stmt = stmt.order_by(events.c.start_at, events.c.id).limit(limit).offset(offset)
    rows = conn.execute(stmt).mappings().all()
    if not rows:  # past the end (or nothing): the count alone
        total = count_matching(conn, start=start, end=end, selector=selector, q=q) \
            if offset else 0
        return [], total
    return [row_to_event(row) for row in rows], int(rows[0]["matches"])


def count_events(conn: Connection, *, source: str | None = None) -> int:
    stmt = select(func.count()).select_from(events)
    if source is not None:
        stmt = stmt.where(events.c.source == source)
    return int(conn.execute(stmt).scalar_one())


def get_event(conn: Connection, uid: str) -> Event | None:
    row = conn.execute(select(*event_columns()).where(events.c.uid == uid)).mappings().first()
    return row_to_event(row) if row is not None else None


def revisions_of(conn: Connection, event_id: int) -> list[Revision]:
    stmt = (select(event_revisions, events.c.uid)
            .join(events, events.c.id == event_revisions.c.event_id)
            .where(event_revisions.c.event_id == event_id)
            .order_by(event_revisions.c.at, event_revisions.c.id))
    return [_revision(row) for row in conn.execute(stmt).mappings()]


def changes_since(conn: Connection, since: datetime, *, selector: Selector | None = None
                  ) -> tuple[list[Event], list[Revision]]:
    """What moved since `since`: events first seen after it, and every revision after it."""
    since = since.astimezone(UTC)
    stmt = filtered(select(*event_columns()), start=None, end=None, selector=selector, q=None)
    stmt = stmt.where(events.c.first_seen >= since).order_by(events.c.first_seen, events.c.id)
    added = [e for e in map(row_to_event, conn.execute(stmt).mappings())
             if selector is None or selector.matches(e.data, e.source)]
    rev_stmt = (select(event_revisions, events.c.uid)
                .join(events, events.c.id == event_revisions.c.event_id)
                .where(event_revisions.c.at >= since)
                .order_by(event_revisions.c.at, event_revisions.c.id))
    rows = list(conn.execute(rev_stmt).mappings())
    if selector is not None and rows:
        ids = {row["event_id"] for row in rows}
        keep = {e.id for e in map(row_to_event, conn.execute(
            select(*event_columns()).where(events.c.id.in_(ids))).mappings())
            if selector.matches(e.data, e.source)}
        rows = [row for row in rows if row["event_id"] in keep]
    return added, [_revision(row) for row in rows]


def _revision(row: Mapping[Any, Any]) -> Revision:
    return Revision(event_uid=row["uid"], at=row["at"], change=row["change"],
                    sequence=row["sequence"], changes=row["changes"], reason=row["reason"],
                    sync_id=row["sync_id"])


def events_by_ids(conn: Connection, ids: Iterable[int]) -> list[Event]:
    """The events with these ids (those that exist), in id order."""
    wanted = sorted(set(ids))
    found: list[Event] = []
    for i in range(0, len(wanted), 500):
        rows = conn.execute(select(*event_columns()).where(events.c.id.in_(wanted[i:i + 500]))
                            .order_by(events.c.id))
        found += [row_to_event(r) for r in rows.mappings()]
    return found


def count_by_level_status(conn: Connection) -> list[tuple[str, str, int]]:
    """(level, status, count) of the stored events, for /metrics."""
    return [(level, status, count) for level, status, count in conn.execute(
        select(events.c.level, events.c.status, func.count())
        .group_by(events.c.level, events.c.status)
        .order_by(events.c.level, events.c.status))]


def distinct_actors(conn: Connection) -> set[str]:
    """Every actor some stored event has (for `calsync check`'s "did you mean")."""
    return {actor for (actor,) in conn.execute(select(events.c.actor).distinct()) if actor}


def event_counts_by_source(conn: Connection) -> dict[str, dict[str, int]]:
    """source -> {status: count}."""
    out: dict[str, dict[str, int]] = {}
    stmt = select(events.c.source, events.c.status, func.count()).group_by(
        events.c.source, events.c.status)
    for source, status, count in conn.execute(stmt):
        out.setdefault(source, {})[status] = count
    return out


# -- writing (what `calsync.sync.apply` decided) ---------------------------------------------

_CHUNK = 500


def known_of(conn: Connection, source: str) -> list[tuple[Any, ...]]:
    """What a sync compares upstream with: (id, external_uid, record_key, content_hash,
    status, end_at or else start_at) of every stored event of `source` (one time per row:
    reading them is most of a small re-sync's set-up)."""
    c = events.c
    return [tuple(row) for row in conn.execute(select(
        c.id, c.external_uid, c.record_key, c.content_hash, c.status,
        func.coalesce(c.end_at, c.start_at),
    ).where(c.source == source))]


def add_events(conn: Connection, rows: list[dict[str, Any]]) -> list[int]:
    """Insert full event rows; their ids, in the order given (matched by `uid`: asking the
    database to return them in order made SQLite insert one row per statement)."""
    if not rows:
        return []
    ids = {uid: id_ for uid, id_ in conn.execute(
        insert(events).returning(events.c.uid, events.c.id), rows)}
    return [ids[row["uid"]] for row in rows]


def rows_by_ids(conn: Connection, ids: Sequence[int]) -> dict[int, Any]:
    """The full rows of these events, by id (the store's row format: `row_to_data`)."""
    out: dict[int, Any] = {}
    for chunk in _chunks(ids):
        for row in conn.execute(select(events).where(events.c.id.in_(chunk))).mappings():
            out[row["id"]] = row
    return out


def update_events(conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
    """Set columns of events by id (`event_id`; every row names the same columns): one
    statement for all, where one per event was most of a small re-sync's writes."""
    if rows:
        conn.execute(update(events).where(events.c.id == bindparam("event_id")), rows)


def add_revisions(conn: Connection, revisions: list[dict[str, Any]]) -> None:
    if revisions:
        conn.execute(insert(event_revisions), revisions)


def rekey(conn: Connection, keys: Sequence[tuple[int, str]]) -> None:
    """Give events (id, record key) pairs their new record keys."""
    if keys:
        conn.execute(update(events).where(events.c.id == bindparam("event_id"))
                     .values(record_key=bindparam("key")),
                     [{"event_id": i, "key": k} for i, k in keys])


def touch_seen(conn: Connection, ids: Sequence[int], now: datetime) -> None:
    for chunk in _chunks(ids):
        conn.execute(update(events).where(events.c.id.in_(chunk)).values(last_seen=now))


def _chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for i in range(0, len(ids), _CHUNK):
        yield ids[i:i + _CHUNK]
