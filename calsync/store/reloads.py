"""The config generation and each instance's answer to it (tables `config_reloads` and
`config_instances`): the shared half of reloading, see `calsync.reload`.

A reload that was asked for and validated is a new row in `config_reloads`; its id is
the *generation*. Every running instance polls `latest_generation` (one indexed read)
and, when it grows, re-reads its config and writes what came of it to its own row in
`config_instances`, which `calsync reload` and `GET /api/config` read back. Times are
database time, so instances on different hosts agree on which of them were seen lately.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, delete, func, insert, select, update

from calsync.store.clock import db_now, db_time
from calsync.store.tables import config_instances, config_reloads

__all__ = ["InstanceState", "announce", "forget_instance", "instance_states",
           "latest_generation", "record_instance", "requested_by", "touch_instance"]

_KEEP = 100  # reload requests kept; older ones are history nobody asks for


@dataclass(frozen=True, slots=True)
class InstanceState:
    instance: str
    role: str
    generation: int
    sha256: str
    loaded_at: datetime
    attempted_at: datetime
    error: str | None
    seen_at: datetime


def latest_generation(conn: Connection) -> int:
    """The newest generation asked for (0: no reload ever)."""
    found = conn.execute(select(func.max(config_reloads.c.id))).scalar_one_or_none()
    return int(found or 0)


def requested_by(conn: Connection, generation: int) -> str | None:
    """Who asked for `generation` (None: pruned, or never asked)."""
    found: str | None = conn.execute(select(config_reloads.c.requested_by).where(
        config_reloads.c.id == generation)).scalar_one_or_none()
    return found


def announce(conn: Connection, by: str, sha256: str) -> int:
    """Ask every instance to reload: a new generation, returned."""
    generation: int = conn.execute(insert(config_reloads).values(
        requested_at=db_time(conn.dialect.name), requested_by=by, sha256=sha256)
        .returning(config_reloads.c.id)).scalar_one()
    conn.execute(delete(config_reloads).where(config_reloads.c.id <= generation - _KEEP))
    return generation


def record_instance(conn: Connection, instance: str, role: str, generation: int,
                    sha256: str, *, applied: bool, error: str | None) -> None:
    """This instance's answer to `generation`: applied (running on `sha256` since now),
    or refused with `error` (still running on the config it had)."""
    now = db_now(conn)
    values = {"role": role, "generation": generation, "attempted_at": now, "error": error,
              "seen_at": now}
    if applied:
        values |= {"sha256": sha256, "loaded_at": now}
    done = conn.execute(update(config_instances)
                        .where(config_instances.c.instance == instance).values(**values))
    if done.rowcount == 0:
        conn.execute(insert(config_instances).values(
            instance=instance, **{"sha256": sha256, "loaded_at": now, **values}))


def touch_instance(conn: Connection, instance: str, *, stale_after: float) -> bool:
    """Still running; and rows not touched for `stale_after` seconds are removed: they are
    of instances that stopped without saying so (killed, or their host lost). False: this
    instance has no row (removed so while the database was away from it)."""
    found = conn.execute(update(config_instances)
                         .where(config_instances.c.instance == instance)
                         .values(seen_at=db_time(conn.dialect.name))).rowcount > 0
    cutoff = db_time(conn.dialect.name, -stale_after)
    conn.execute(delete(config_instances).where(config_instances.c.seen_at < cutoff))
    return found


def forget_instance(conn: Connection, instance: str) -> None:
    """A clean stop: this instance no longer answers reloads."""
    conn.execute(delete(config_instances).where(config_instances.c.instance == instance))


def instance_states(conn: Connection, *, seen_within: float | None = None
                    ) -> list[InstanceState]:
    """The instances, by name; with `seen_within` seconds, only those seen that lately."""
    query = select(config_instances).order_by(config_instances.c.instance)
    if seen_within is not None:
        query = query.where(config_instances.c.seen_at >= db_time(conn.dialect.name,
                                                                   -seen_within))
    return [InstanceState(**row._mapping) for row in conn.execute(query)]
