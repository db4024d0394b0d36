"""Opening the database and bringing its schema up to date.

SQLite (the default) runs in WAL mode with foreign keys on and a busy timeout, so the
API can read while a sync writes. Any SQLAlchemy URL switches to PostgreSQL; a plain
`postgresql://` URL uses psycopg 3.
"""

from __future__ import annotations

import ast
import functools
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Connection,
    CursorResult,
    Engine,
    column,
    create_engine,
    event,
    inspect,
    select,
    table,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from calsync.errors import StoreError

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig

__all__ = ["POOL_SIZE", "current_revision", "database_problem", "head_revision", "inserted_id",
           "make_engine", "revision_of", "upgrade"]

# Connections kept open per process, plus as many again on demand; a caller that still
# finds none waits POOL_TIMEOUT seconds and then gets an error (the API answers 503 with
# Retry-After) instead of waiting for good. The web app admits POOL_SIZE connection
# holders at a time (calsync.web.deps), so the overflow is the margin for the rest.
POOL_SIZE = 16
POOL_TIMEOUT = 10

_MIGRATIONS = Path(__file__).with_name("migrations")


def make_engine(url: str, *, immediate: bool = False, **kwargs: Any) -> Engine:
    """An engine for `url`; creates the folder of a SQLite file if needed.

    `immediate` (the scheduler's writers): on SQLite every transaction starts with BEGIN
    IMMEDIATE, so several processes sharing one file take the write lock up front and
    wait on the busy timeout, instead of failing when a read turns into a write.
    """
    parsed = make_url(url)
    if parsed.database not in (None, "", ":memory:"):  # memory databases use one connection
        kwargs.setdefault("pool_size", POOL_SIZE)
        kwargs.setdefault("max_overflow", POOL_SIZE)
        kwargs.setdefault("pool_timeout", POOL_TIMEOUT)
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


def database_problem(exc: SQLAlchemyError) -> str:
    """What went wrong, in words a person can act on: the driver's own first line (e.g.
    "database or disk is full"), never the SQL statement or its bound parameters, which
    SQLAlchemy's message carries and which once reached /api/sources as a 4.8 KB dump."""
    orig = getattr(exc, "orig", None)
    source = orig if orig is not None else exc
    first = (str(source).strip().splitlines() or [""])[0]
    first = first.split("[SQL:")[0].strip()[:200]
    name = source.__class__.__name__
    return f"{name}: {first}" if first else name


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
    # Alembic only where migrations run: checking the revision does without it (below).
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply every migration up to `revision` (idempotent)."""
    from alembic import command

    try:
        command.upgrade(_alembic_config(engine), revision)
    except SQLAlchemyError as exc:
        raise StoreError(f"migrating {engine.url.render_as_string(hide_password=True)} "
                         f"failed: {exc}") from exc


_VERSION_TABLE = "alembic_version"  # Alembic's, holding the revision a database is at
_REVISION_LINE = re.compile(r"^(revision|down_revision)\s*(?::[^=\n]*)?=\s*(.+?)\s*$",
                            re.MULTILINE)


@functools.cache
def head_revision() -> str | None:
    """The newest revision of this code's schema: the one no migration names as its
    `down_revision`.

    Read from the version files' `revision = ...` lines, not with Alembic's
    `ScriptDirectory`, which imports Alembic and executes every migration module: a
    tenth of a second of each command that checks the schema first (`calsync
    evaluate` among them) and of every /readyz. `tests/store/test_migrations.py` checks
    that both agree; kept for the process, as the code it describes is.
    """
    revisions: set[str] = set()
    parents: set[str | None] = set()
    for path in sorted((_MIGRATIONS / "versions").glob("*.py")):
        found = {m[1]: m[2] for m in _REVISION_LINE.finditer(path.read_text("utf-8"))}
        if "revision" not in found:
            continue
        revisions.add(ast.literal_eval(found["revision"]))
        down = ast.literal_eval(found.get("down_revision", "None"))
        parents.update(down if isinstance(down, tuple | list) else [down])
    heads = sorted(revisions - parents)
    if len(heads) > 1:
        raise StoreError(f"several migration heads: {', '.join(heads)}")
    return heads[0] if heads else None


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (None before its first migration): Alembic's
    version table, read as `MigrationContext.get_current_revision` reads it, without
    importing Alembic."""
    with engine.connect() as conn:
        return revision_of(conn)


def revision_of(conn: Connection) -> str | None:
    """`current_revision` on an open connection (`/readyz` checks it with the database)."""
    if not inspect(conn).has_table(_VERSION_TABLE):
        return None
    stored: list[Any] = list(conn.execute(
        select(column("version_num")).select_from(table(_VERSION_TABLE))).scalars())
    found = [str(v) for v in stored]
    if len(found) > 1:
        raise StoreError(f"the database is at several schema revisions: {', '.join(found)}")
    return found[0] if found else None


def inserted_id(result: CursorResult[Any]) -> int:
    """The primary key of the row a single-row INSERT just wrote."""
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])
