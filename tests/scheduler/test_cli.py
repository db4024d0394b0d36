"""`calsync serve` runs the scheduler beside the API (or not, with --no-scheduler);
`calsync sources` shows each connector's next run and whether it is stale."""

from __future__ import annotations

import asyncio
import re
import socket
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, select

from calsync.cli import cli
from calsync.config import load_config
from calsync.runtime import Runtime
from calsync.scheduler.hooks import Hooks
from calsync.scheduler.worker import Scheduler
from calsync.store.engine import make_engine, upgrade
from calsync.store.tables import scheduler_runs as runs
from tests.scheduler.support import Worker, events_file, wait_for

CONFIG = """
connectors:
  council:
    type: tests.support:FileConnector
    level: municipal
    actor: Umeå kommun
    kind: meeting
    file: council.json
    schedule: {every: PT1S}
  manual:
    type: tests.support:FileConnector
    kind: meeting
    file: council.json
scheduler: {dispatch_interval: 0.2, lease: 5, default_schedule: null}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def ledger(engine: Engine) -> list[tuple[str, str]]:
    with engine.connect() as conn:
        return [(r.job, r.state) for r in conn.execute(select(runs.c.job, runs.c.state))]


@pytest.mark.parametrize("scheduler", [True, False], ids=["with-scheduler", "no-scheduler"])
def test_serve_with_and_without_the_scheduler(sqlite_url: str, tmp_path: Path,
                                             write_config: Callable[..., Path],
                                             scheduler: bool) -> None:
    config = write_config(CONFIG)
    events_file(tmp_path / "council.json", "v1", 3)
    engine = make_engine(sqlite_url)
    upgrade(engine)
    port = free_port()
    args = ["--port", str(port)] + ([] if scheduler else ["--no-scheduler"])
    server = Worker(config, sqlite_url, "serve", *args, command="serve")
    try:
        wait_for(lambda: _healthy(port), 30, "the API to answer")
        if scheduler:
            wait_for(lambda: ledger(engine).count(("council", "succeeded")) >= 2, 30,
                     "two scheduled syncs")
        else:
            time.sleep(1.5)
            assert ledger(engine) == []
    finally:
        code = server.stop()
    assert code == 0, server.text()
    assert ("Scheduler: on" in server.text()) is scheduler
    assert "running" not in {state for _, state in ledger(engine)}
    assert all(job in ("council", "__evaluate__", "__outbox__") for job, _ in ledger(engine))


def _healthy(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def test_sources_shows_next_run_and_staleness(
        sqlite_url: str, tmp_path: Path, write_config: Callable[..., Path],
        monkeypatch: pytest.MonkeyPatch) -> None:
    config = write_config(CONFIG)
    events_file(tmp_path / "council.json", "v1", 3)
    monkeypatch.setenv("CALSYNC_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("COLUMNS", "250")
    assert CliRunner().invoke(cli, ["db", "upgrade"]).exit_code == 0
    runtime = Runtime.from_config(load_config(config), engine=make_engine(sqlite_url))
    scheduler = Scheduler(runtime, engine=runtime.engine, instance_id="a", hooks=Hooks())

    async def once() -> None:
        await scheduler.dispatch()
        await scheduler.wait_idle()
        await scheduler.shutdown()

    asyncio.run(once())
    result = CliRunner().invoke(cli, ["sources"])
    assert result.exit_code == 0, result.output
    assert "next run" in result.output and "stale" in result.output
    council = next(line for line in result.output.splitlines() if "council" in line)
    manual = next(line for line in result.output.splitlines() if "manual" in line)
    assert re.search(r"│ \d{4}-\d\d-\d\d \d\d:\d\d +│ no ", council)  # next run; not stale
    assert "never synced" in manual and "│ —" in manual  # by hand only: no next run
