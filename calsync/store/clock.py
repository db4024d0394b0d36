"""The database's clock: the one time every instance agrees on.

Leases (the scheduler's run ledger, the notification outbox) are measured in database
time, so instances whose own clocks drift apart still agree on when a lease ran out.
`db_time` is the clock as an SQL expression (for use inside a statement), `db_now` its
value read once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, literal_column, select, type_coerce
from sqlalchemy.sql.elements import ColumnElement

from calsync.store.tables import UTCDateTime

__all__ = ["db_now", "db_time"]


def db_time(dialect: str, offset: float = 0.0) -> ColumnElement[datetime]:
    """The database's clock (plus `offset` seconds) as an SQL expression."""
    if dialect == "postgresql":
        expr: ColumnElement[Any] = func.statement_timestamp()
        if offset:
            expr = expr + literal_column(f"interval '{offset:.6f} seconds'")
        return type_coerce(expr, UTCDateTime)
    # SQLite stores instants as 'YYYY-MM-DD HH:MM:SS.ffffff' (UTC): produce exactly that,
    # so comparisons with stored values are plain text comparisons.
    text_now = func.strftime("%Y-%m-%d %H:%M:%f", "now", f"{offset:+.6f} seconds")
    return type_coerce(text_now.concat("000"), UTCDateTime)


def db_now(conn: Connection) -> datetime:
    """The database's current time, as an aware UTC datetime."""
    value: datetime = conn.execute(select(db_time(conn.dialect.name))).scalar_one()
    return value
