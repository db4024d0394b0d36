"""Leases on rows: the one claim / renew / release / expire state machine.

Two kinds of rows are worked on by exactly one instance at a time: the scheduler's
runs (`scheduler_runs`, see `calsync.scheduler.ledger`) and the notifications waiting
to be sent (`notification_outbox`, see `calsync.alerts.notify.outbox`). Both hold the
same three columns, under their own names:

    owner   who holds the row (an instance id)
    token   the fencing token: it grows with every claim, so a holder that wakes up
            late (a long GC pause, a frozen VM, a killed process) can write nothing
    until   when the lease runs out, in **database time** (`calsync.store.clock`), so
            instances whose own clocks disagree still agree on when it lapsed

and move through the same states, each one conditional SQL statement (atomic on
PostgreSQL across instances, and on SQLite with its one writer):

    free     until IS NULL (never held, or released) or until < now (lapsed)
    claim    UPDATE owner = me, token + 1, until = now + lease WHERE <caller's> AND free
             (a first claim may INSERT the row with `taken(first=True)` instead)
    renew    UPDATE until = now + lease WHERE fenced (key, owner, token)
    release  UPDATE until = NULL, <caller's outcome> WHERE fenced; zero rows means the
             lease was taken over meanwhile and the caller's outcome is not recorded
    expire   UPDATE until = now - 1s WHERE <caller's>: lapse at once (a restart under
             the same instance id knows its old holders are dead)

What a row *is* (running, waiting, pending, sent) stays the owning module's business:
the caller adds its own conditions and values to each statement.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Table, and_, or_, update
from sqlalchemy.sql.dml import Update

from calsync.store.clock import db_time

__all__ = ["Held", "Leases"]


@dataclass(frozen=True, slots=True)
class Held:
    """A lease one holder has on one row: every later write must name all three."""

    key: int
    owner: str
    token: int


class Leases:
    """The lease columns of one table, and the statements that move a lease."""

    def __init__(self, table: Table, dialect: str, *, key: str = "id", owner: str = "owner",
                 token: str = "attempt", until: str = "lease_until") -> None:
        self.table = table
        self.dialect = dialect
        self.key = table.c[key]
        self.owner = table.c[owner]
        self.token = table.c[token]
        self.until = table.c[until]

    def now(self, offset: float = 0.0) -> ColumnElement[datetime]:
        """Database time (plus `offset` seconds), as an SQL expression."""
        return db_time(self.dialect, offset)

    # -- conditions -----------------------------------------------------------------------

    def lapsed(self) -> ColumnElement[bool]:
        """Held once, and its holder stopped renewing it in time."""
        return self.until < self.now()

    def free(self) -> ColumnElement[bool]:
        """Nobody holds it now: never held, released, or lapsed."""
        return or_(self.until.is_(None), self.lapsed())

    def fenced(self, held: Held) -> ColumnElement[bool]:
        """This row, still held by this holder under this token."""
        return and_(self.key == held.key, self.owner == held.owner,
                    self.token == held.token)

    # -- values ---------------------------------------------------------------------------

    def taken(self, owner: str, seconds: float, *, first: bool = False) -> dict[str, Any]:
        """The values of a claim: this owner, the next token, a lease of `seconds`."""
        token: Any = 1 if first else self.token + 1
        return {self.owner.key: owner, self.token.key: token,
                self.until.key: self.now(seconds)}

    def renewed(self, seconds: float) -> dict[str, Any]:
        return {self.until.key: self.now(seconds)}

    def ended(self) -> dict[str, Any]:
        return {self.until.key: None}

    # -- statements -----------------------------------------------------------------------

    def claim(self, owner: str, seconds: float, *where: ColumnElement[bool],
              **values: Any) -> Update:
        """The statement that makes the free rows matching `where` held by `owner`.

        Every statement here is returned for the caller to execute (with RETURNING where
        it needs the row) in its own transaction, next to its own writes.
        """
        return update(self.table).where(*where, self.free()).values(
            **self.taken(owner, seconds), **values)

    def renew(self, held: Held, seconds: float, *where: ColumnElement[bool],
              **values: Any) -> Update:
        """The statement that extends the lease by `seconds` from now, if and only if
        `held` still holds it (zero rows otherwise)."""
        return update(self.table).where(self.fenced(held), *where).values(
            **self.renewed(seconds), **values)

    def release(self, held: Held, *where: ColumnElement[bool], **values: Any) -> Update:
        """The statement that ends the lease with the caller's outcome (`values`), if and
        only if `held` still holds it (zero rows otherwise)."""
        return update(self.table).where(self.fenced(held), *where).values(
            **self.ended(), **values)

    def expire(self, *where: ColumnElement[bool]) -> Update:
        """The statement that makes the leases of the rows matching `where` lapse now
        (an instance restarting under its old id knows its old holders are dead)."""
        return update(self.table).where(*where).values({self.until: self.now(-1.0)})
