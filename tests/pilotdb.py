"""The bundled Västerbotten pilot, synced and evaluated once per test module, on SQLite
and on PostgreSQL, with the frozen clock (2026-11-29 12:00 UTC).

Syncing the pilot takes most of a minute on a loaded machine; the agenda, digest and
what-if tests only read it (or compare it before and after), so a module shares one.
Use: `from tests.pilotdb import pilot` in a test module (pytest finds the fixture).
"""

from __future__ import annotations

import asyncio
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, MetaData, create_engine, select, text

from calsync.alerts.evaluate import evaluate_and_update
from calsync.clock import FixedClock
from calsync.config import load_config
from calsync.runtime import Runtime
from calsync.store.engine import make_engine, upgrade
from calsync.web.app import create_app
from tests.conftest import NOW, PG_BASE, REPO, require_postgres

__all__ = ["pilot", "served_pilot", "snapshot", "sync_enabled", "synced_pilot"]


def sync_enabled(runtime: Runtime) -> Runtime:
    """`runtime` with only its enabled connectors, each synced once (all must succeed)."""
    runtime.connectors = {n: c for n, c in runtime.connectors.items() if c.config.enabled}
    reports = asyncio.run(runtime.syncer().sync_many(runtime.select_connectors()))
    assert all(r.ok for r in reports), [r.error for r in reports]
    return runtime


def synced_pilot(engine: Engine, clock: FixedClock, config: Path = REPO / "config.yaml"
                 ) -> Runtime:
    """The pilot's enabled connectors synced into `engine` and its rules evaluated (the
    alerts stored, as after `calsync sync`)."""
    runtime = sync_enabled(Runtime.from_config(load_config(config), clock=clock,
                                               engine=engine))
    evaluate_and_update(engine=engine, config=runtime.config, clock=clock)
    return runtime


@contextmanager
def served_pilot(folder: Path) -> Iterator[TestClient]:
    """A copy of the bundled config and schedules in `folder`, synced into SQLite there
    and served (the feeds' tests read it as a subscriber would)."""
    shutil.copy(REPO / "config.yaml", folder / "config.yaml")
    shutil.copytree(REPO / "schedules", folder / "schedules")
    engine = make_engine(f"sqlite:///{folder / 'pilot.db'}")
    try:
        upgrade(engine)
        runtime = synced_pilot(engine, FixedClock(NOW), folder / "config.yaml")
        with TestClient(create_app(runtime)) as client:
            yield client
    finally:
        engine.dispose()


@pytest.fixture(scope="module",
                params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def pilot(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
          ) -> Iterator[Runtime]:
    mp = pytest.MonkeyPatch()
    mp.chdir(REPO)
    mp.setenv("COLUMNS", "200")
    admin = schema = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('pilot') / 'calsync.db'}"
    else:
        require_postgres()
        schema = f"t_{uuid.uuid4().hex[:12]}"
        admin = create_engine(PG_BASE)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = f"{PG_BASE}?options=-csearch_path%3D{schema}"
    engine = make_engine(url)
    try:
        upgrade(engine)
        yield synced_pilot(engine, FixedClock(NOW))
    finally:
        engine.dispose()
        mp.undo()
        if admin is not None:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()


def snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table: equal snapshots mean nothing was written."""
    meta = MetaData()
    meta.reflect(engine)
    with engine.connect() as conn:
        return {name: sorted(map(tuple, conn.execute(select(table))), key=repr)
                for name, table in meta.tables.items()}
