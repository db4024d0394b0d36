"""The database goes away under a running server (issue 17): every PostgreSQL connection of
the server is terminated while 64 clients are busy. Requests answer 200 or 503 with
Retry-After (never 500, never a hang), and the server serves again right after.

(The PostgreSQL server of this machine is shared, so it is not restarted: terminating the
server's own backends is the same event from the server's side.)"""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from calsync.runtime import Runtime
from calsync.store.engine import make_engine, upgrade
from tests.conftest import PG_BASE
from tests.reliability.conftest import hammer, serving
from tests.support import write_events
from tests.web.conftest import ADMIN, CONFIG, REGION, SYNCER, TOWN


def test_postgres_connections_killed_under_load(
        pg_url: str, write_config: Callable[..., Path], make_runtime: Callable[..., Runtime],
        monkeypatch: pytest.MonkeyPatch) -> None:
    name = f"calsync-outage-{uuid.uuid4().hex[:8]}"
    engine = make_engine(pg_url, connect_args={"application_name": name})
    upgrade(engine)
    path = write_config(CONFIG)
    write_events(path.parent / "town.json", TOWN)
    write_events(path.parent / "region.json", REGION)
    monkeypatch.setenv("CALSYNC_TEST_ADMIN", ADMIN)
    monkeypatch.setenv("CALSYNC_TEST_SYNCER", SYNCER)
    runtime = make_runtime(path, engine)
    reports = asyncio.run(runtime.syncer().sync_many(runtime.select_connectors()))
    assert all(r.outcome == "ok" for r in reports)
    admin = create_engine(PG_BASE)
    try:
        with serving(runtime) as live:
            killed: list[int] = []

            def kill() -> None:
                time.sleep(1.5)
                with admin.begin() as conn:
                    killed.extend(row[0] for row in conn.execute(text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE application_name = :name"), {"name": name}))

            killer = threading.Thread(target=kill)
            killer.start()
            outcomes = hammer(live, 64, 4.0)
            killer.join()
            assert killed, "no server connection was terminated"
            assert set(outcomes) <= {"200", "503"}, outcomes
            assert outcomes["200"] > 0
            deadline = time.monotonic() + 15
            while httpx.get(live.url("/api/events"), timeout=10).status_code != 200:
                assert time.monotonic() < deadline, "no recovery within 15 s"
                time.sleep(0.2)
    finally:
        admin.dispose()
        engine.dispose()
