"""Shared fixtures: a frozen clock, databases (SQLite and PostgreSQL), config files.

PostgreSQL tests use the server on 127.0.0.1:5432 (user postgres, trust auth, database
`test`), each test in a schema of its own that is dropped afterwards. Without a server
they skip with the reason; with CALSYNC_REQUIRE_POSTGRES=1 (CI) a missing server fails.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

from calsync.clock import FixedClock
from calsync.config import load_config
from calsync.runtime import Runtime
from calsync.store.engine import make_engine, upgrade

PG_BASE = os.environ.get("CALSYNC_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REQUIRE_PG = os.environ.get("CALSYNC_REQUIRE_POSTGRES", "") in ("1", "true", "yes")
NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
REPO = Path(__file__).resolve().parent.parent

_pg_status: str | None = None


def _postgres_available() -> str | None:
    """None if the server answers, else why not (checked once per session)."""
    global _pg_status
    if _pg_status is None:
        try:
            eng = create_engine(PG_BASE, connect_args={"connect_timeout": 3})
            with eng.connect() as conn:
                conn.execute(text("SELECT 1"))
            eng.dispose()
            _pg_status = ""
        except Exception as exc:
            _pg_status = f"PostgreSQL at {PG_BASE} is not reachable: {exc.__class__.__name__}"
    return _pg_status or None


def require_postgres() -> None:
    reason = _postgres_available()
    if reason:
        if REQUIRE_PG:
            pytest.fail(f"{reason} (CALSYNC_REQUIRE_POSTGRES=1 makes PostgreSQL required)")
        pytest.skip(reason)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a fresh schema, dropped afterwards."""
    require_postgres()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_BASE)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{PG_BASE}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'calsync.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str:
    """Both databases: every test using it runs once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return str(request.getfixturevalue("sqlite_url"))
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = make_engine(db_url)
    upgrade(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def sqlite_engine(sqlite_url: str) -> Iterator[Engine]:
    eng = make_engine(sqlite_url)
    upgrade(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def write_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Path]:
    """Write a config file (and extra files: `dir__name=text`) into a temp folder that
    becomes the working directory, as when a user runs calsync in a project folder."""
    monkeypatch.chdir(tmp_path)

    def write(text: str, name: str = "config.yaml", **files: str) -> Path:
        for rel, content in files.items():
            target = tmp_path / rel.replace("__", "/")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(content, encoding="utf-8")
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


@pytest.fixture
def make_runtime(clock: FixedClock) -> Callable[..., Runtime]:
    """Runtime from a config file on a given engine, with the frozen clock."""

    def make(config_path: Path, engine: Engine) -> Runtime:
        return Runtime.from_config(load_config(config_path), clock=clock, engine=engine)

    return make
