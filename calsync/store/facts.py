"""The rules' read of the events table: every stored event as `EventFacts`, straight from
the driver, and the version of the table that tells an in-memory timeline whether to
reload (`calsync.alerts.kept`). Beside `calsync.store.events` (the table's other store
module), because that one would pass 400 lines with it.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Connection,
    Integer,
    cast,
    extract,
    func,
    or_,
    select,
)

from calsync.model import EventFacts, Status
from calsync.store.events import decode_tags
from calsync.store.tables import events

__all__ = ["changed_ids", "events_version", "iter_facts"]

_DECODER = json.JSONDecoder()
_SQLITE_HAS_UNIXEPOCH = sqlite3.sqlite_version_info >= (3, 38)  # unixepoch() is 3.38's


def _epoch(column: Any, dialect: str) -> ColumnElement[int]:
    """POSIX seconds of a stored UTC timestamp, computed by the database (in C, not a
    datetime per row in Python)."""
    if dialect == "sqlite":  # naive UTC text
        if _SQLITE_HAS_UNIXEPOCH:  # an integer already: an eighth of the read cheaper
            return func.unixepoch(column)
        return cast(func.strftime("%s", column), Integer)
    return cast(func.floor(extract("epoch", column)), BigInteger)


def iter_facts(conn: Connection, *, ids: Iterable[int] | None = None,
               cancelled: bool = False) -> Iterator[EventFacts]:
    """Stored events as `EventFacts` (every non-cancelled one, or those with `ids`; with
    `cancelled`, cancelled ones too), read as raw driver rows (fast).

    SQLAlchemy's per-row processing of the two timestamps and the JSON attributes costs
    more than evaluating the rules, so rows come straight from the driver with times as
    POSIX seconds computed in SQL, and are decoded here, where the table's encoding is
    known. Attribute and tag encodings repeat across events: each distinct text is
    decoded once and its value shared (the rules only read them).
    """
    if ids is None:
        yield from _facts(conn, None, cancelled)
        return
    wanted = sorted(set(ids))
    for i in range(0, len(wanted), 500):
        yield from _facts(conn, wanted[i:i + 500], cancelled)


def _facts(conn: Connection, ids: list[int] | None, cancelled: bool) -> Iterator[EventFacts]:
    c = events.c
    dialect = conn.dialect.name
    stmt = select(c.id, c.uid, c.source, c.external_uid, c.level, c.actor, c.kind, c.title,
                  c.description, c.url, c.location, c.tags, c.attrs, c.all_day,
                  _epoch(c.start_at, dialect), _epoch(c.end_at, dialect), c.timezone,
                  c.status, c.sequence)
    if not cancelled:
        stmt = stmt.where(c.status != str(Status.CANCELLED))
    if ids is not None:
        stmt = stmt.where(c.id.in_(ids))
    compiled = stmt.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    params = compiled.construct_params()
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        sql = str(compiled)
        if conn.dialect.paramstyle == "qmark":
            cursor.execute(sql, [params[k] for k in compiled.positiontup or ()])
        else:
            cursor.execute(sql, params)
        rows = cursor.fetchall()
    finally:
        cursor.close()
    # `raw_decode`: the texts are the JSON encoder's own, so `json.loads`'s whitespace
    # checks around the document (half its cost on these small objects) find nothing.
    loads = _DECODER.raw_decode
    new = tuple.__new__  # the named tuple's own constructor takes twice as long
    attrs_seen: dict[str, dict[str, Any]] = {}
    tags_seen: dict[str, tuple[str, ...]] = {}
    empty: dict[str, Any] = {}
    shared: dict[str, str] = {}
    share = shared.setdefault  # one object per distinct level, actor, kind…: the rules'
    # indexes and comparisons then meet the very same string (8 % of their time at 100k)
    for (id_, uid, source, external_uid, level, actor, kind, title, description, url,
         location, tags, attrs, all_day, start, end, timezone, status, sequence) in rows:
        if isinstance(attrs, str):
            decoded = attrs_seen.get(attrs)
            if decoded is None:
                try:
                    decoded = loads(attrs)[0]
                except ValueError:  # not the encoder's own text (leading blanks, say)
                    decoded = json.loads(attrs)
                decoded = attrs_seen[attrs] = decoded or empty
            attrs = decoded
        tag_tuple = tags_seen.get(tags) if tags else ()
        if tag_tuple is None:
            tag_tuple = tags_seen[tags] = decode_tags(tags)
        yield new(EventFacts, (id_, uid, share(source, source), external_uid,
                               share(level, level), share(actor, actor), share(kind, kind), title,
                               description, url, location, tag_tuple, attrs or empty,
                               bool(all_day), int(start), None if end is None else int(end),
                               share(timezone, timezone), share(status, status), sequence))


def events_version(conn: Connection) -> tuple[int, int, int, datetime | None]:
    """(rows, sum of sequences, highest id, newest `updated_at`) of the events table.

    Every added, changed or cancelled event moves one of the first three (a change or a
    cancellation adds one to its sequence; events are never deleted), whoever wrote it
    and whatever its clock said, so an in-memory copy that agrees on them holds what the
    store holds. The newest `updated_at` says where to look for changes next time.
    """
    c = events.c
    rows, sequences, top, newest = conn.execute(
        select(func.count(), func.coalesce(func.sum(c.sequence), 0),
               func.coalesce(func.max(c.id), 0), func.max(c.updated_at))).one()
    return int(rows), int(sequences), int(top), newest


def changed_ids(conn: Connection, *, after_id: int, updated_since: datetime | None
                ) -> list[int]:
    """Ids of events added after `after_id` or updated after `updated_since`.

    After, not at: a sync writes all its rows in one transaction with one `updated_at`,
    so the rows of the newest sync a reader saw are not re-read (after a first import,
    that was every row). A writer that did commit at that very instant after the read
    still changed the table's version, which the caller compares (`calsync.alerts.kept`).
    """
    c = events.c
    cond = c.id > after_id
    if updated_since is not None:
        cond = or_(cond, c.updated_at > updated_since)
    return list(conn.execute(select(c.id).where(cond)).scalars())
