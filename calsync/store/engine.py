"""Opening the database and bringing its schema up to date.

SQLite (the default) runs in WAL mode with foreign keys on and a busy timeout, so the
API can read while a sync writes. Any SQLAlchemy URL switches to PostgreSQL; a plain
`postgresql://` URL uses psycopg 3.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, CursorResult, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from calsync.errors import StoreError

__all__ = ["current_revision", "head_revision", "inserted_id", "make_engine", "upgrade"]

_MIGRATIONS = Path(__file__).with_name("migrations")


def make_engine(url: str, *, immediate: bool = False, **kwargs: Any) -> Engine:
    """An engine for `url`; creates the folder of a SQLite file if needed.

    `immediate` (the scheduler's writers): on SQLite every transaction starts with BEGIN
    IMMEDIATE, so several processes sharing one file take the write lock up front and
    wait on the busy timeout, instead of failing when a read turns into a write.
    """
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        kwargs.setdefault("connect_args", {"timeout": 30})
        engine = create_engine(parsed, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        if immediate:
            event.listen(engine, "connect", _driver_autocommit)
            event.listen(engine, "begin", _begin_immediate)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(parsed, **kwargs)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _driver_autocommit(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # SQLAlchemy's "begin" event issues BEGIN


def _begin_immediate(conn: Connection) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def _alembic_config(engine: Engine) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply every migration up to `revision` (idempotent)."""
    try:
        command.upgrade(_alembic_config(engine), revision)
    except SQLAlchemyError as exc:
        raise StoreError(f"migrating {engine.url.render_as_string(hide_password=True)} "
                         f"failed: {exc}") from exc


def head_revision() -> str | None:
    return ScriptDirectory(str(_MIGRATIONS)).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def inserted_id(result: CursorResult[Any]) -> int:
    """The primary key of the row a single-row INSERT just wrote."""
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])
