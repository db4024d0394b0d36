"""Crashes and zombies with real processes: a worker killed with SIGKILL in the middle of
a sync has its run taken over by exactly one other instance, the store holds the old or
the new data of that source and never a mix, and a frozen worker that wakes up late
changes nothing."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from calsync.config import load_config
from calsync.runtime import Runtime
from calsync.store.tables import events, sync_runs
from calsync.store.tables import scheduler_runs as runs
from tests.scheduler.support import Worker, events_file, fetches, wait_for

CONFIG = """
connectors:
  big:
    type: tests.scheduler.support:SlowFileConnector
    level: regional
    actor: Region Västerbotten
    kind: meeting
    file: big.json
    log: fetches.jsonl
    delay: {delay}
    max_removal_share: 1.0
    schedule: {{every: PT1H}}
scheduler:
  dispatch_interval: 0.2
  lease: 2
  heartbeat: {heartbeat}
  max_attempts: 3
  shutdown_grace: 20
"""


def setup_store(tmp_path: Path, write_config: Callable[..., Path], engine: Engine,
                delay: float, n: int, heartbeat: float = 0.5) -> Path:
    """The source synced once with v1 by hand; upstream now publishes v2."""
    config = write_config(CONFIG.format(delay=delay, heartbeat=heartbeat))
    events_file(tmp_path / "big.json", "v1", n)
    runtime = Runtime.from_config(load_config(config), engine=engine)
    [report] = asyncio.run(runtime.syncer().sync_many(runtime.select_connectors()))
    assert report.outcome == "ok" and report.added == n
    (tmp_path / "fetches.jsonl").unlink()
    events_file(tmp_path / "big.json", "v2", n)
    return config


def versions(engine: Engine) -> Counter[str]:
    with engine.connect() as conn:
        return Counter(title.split()[0] for title in conn.execute(
            select(events.c.title).where(events.c.source == "big")).scalars())


def the_run(engine: Engine) -> dict[str, Any] | None:
    with engine.connect() as conn:
        row = conn.execute(select(runs).where(runs.c.job == "big")).mappings().first()
    return dict(row) if row is not None else None


def busy_elsewhere(engine: Engine, owner: str) -> bool:
    with engine.connect() as conn:
        return conn.execute(select(runs.c.id).where(
            runs.c.owner == owner, runs.c.state == "running", runs.c.job != "big")
        ).first() is not None


def ok_syncs(engine: Engine) -> int:
    with engine.connect() as conn:
        return len(conn.execute(select(sync_runs.c.id).where(
            sync_runs.c.source == "big", sync_runs.c.outcome == "ok")).all()) - 1  # seed


def watch_until_done(engine: Engine, n: int, timeout: float = 60.0) -> list[Counter[str]]:
    """Poll the store until the run succeeded; every snapshot must be all-v1 or all-v2."""
    seen: list[Counter[str]] = []
    deadline = time.monotonic() + timeout
    while True:
        snapshot = versions(engine)
        seen.append(snapshot)
        assert snapshot in (Counter(v1=n), Counter(v2=n)), f"a mix in the store: {snapshot}"
        run = the_run(engine)
        if run is not None and run["outcome"] is not None and snapshot == Counter(v2=n):
            return seen
        assert time.monotonic() < deadline, f"never finished: {run}"
        time.sleep(0.05)


@pytest.mark.parametrize("moment", ["fetching", "writing"])
def test_sigkill_mid_sync_is_taken_over_once(db: tuple[str, Engine], tmp_path: Path,
                                             write_config: Callable[..., Path],
                                             moment: str) -> None:
    url, engine = db
    n = 3000 if moment == "writing" else 300
    # A fetch of 3 s leaves room for the kill 0.3 s after its start was seen, also when a
    # loaded machine takes a second or more to notice it (1 s was too tight at load 14).
    delay = 1.0 if moment == "writing" else 3.0
    config = setup_store(tmp_path, write_config, engine, delay=delay, n=n)
    log = tmp_path / "fetches.jsonl"
    workers = [Worker(config, url, f"w{i}") for i in range(3)]
    try:
        for worker in workers:
            worker.wait_started()
        stage = "start" if moment == "fetching" else "end"
        wait_for(lambda: any(e["event"] == stage for e in fetches(log)), 30,
                 f"a fetch to {stage}")
        first = fetches(log)[0]
        victim = next(w for w in workers if w.pid == first["pid"])
        time.sleep(0.3 if moment == "fetching" else 0.05)
        victim.kill()
        killed_at = the_run(engine)
        watch_until_done(engine, n)
        survivors = [w for w in workers if w is not victim]
        time.sleep(1.0)  # give any (wrong) second takeover the chance to show
    finally:
        codes = [w.stop() for w in workers if w.proc.poll() is None]
    assert codes == [0, 0], "\n".join(w.text() for w in workers)
    run = the_run(engine)
    assert run is not None and run["state"] == "succeeded"
    assert versions(engine) == Counter(v2=n)
    assert ok_syncs(engine) == 1  # the new data was committed exactly once
    starts = [e["pid"] for e in fetches(log) if e["event"] == "start"]
    if run["attempt"] == 1:
        # The kill came after the commit (possible when "writing" is quick): nothing to
        # take over, and nobody did.
        assert moment == "writing" and run["owner"] == victim.name and starts == [victim.pid]
        assert killed_at is not None and killed_at["state"] == "succeeded"
    else:
        assert (run["attempt"], run["failures"]) == (2, 1)
        assert run["owner"] in {w.name for w in survivors}
        assert starts[0] == victim.pid and len(starts) == 2 and starts[1] != victim.pid
        taker = next(w for w in survivors if w.name == run["owner"])
        assert "takes over big" in taker.text()
        others = [w for w in survivors if w is not taker]
        assert all("takes over" not in w.text() for w in others)


def test_a_frozen_worker_that_wakes_up_late_changes_nothing(
        db: tuple[str, Engine], tmp_path: Path, write_config: Callable[..., Path]) -> None:
    url, engine = db
    n = 200
    # The zombie is frozen between two heartbeats and outside its other jobs' transactions:
    # a process frozen inside a transaction would hold its locks (on SQLite the one write
    # lock) until it wakes, which no lease can help with.
    config = setup_store(tmp_path, write_config, engine, delay=2.0, n=n, heartbeat=0.9)
    log = tmp_path / "fetches.jsonl"
    workers = [Worker(config, url, f"w{i}") for i in range(2)]
    try:
        for worker in workers:
            worker.wait_started()
        wait_for(lambda: fetches(log), 30, "a fetch to start")
        zombie = next(w for w in workers if w.pid == fetches(log)[0]["pid"])
        wait_for(lambda: not busy_elsewhere(engine, zombie.name), 5, "its other jobs")
        os.kill(zombie.pid, signal.SIGSTOP)
        watch_until_done(engine, n)
        after = the_run(engine)
        assert after is not None and after["owner"] != zombie.name and after["attempt"] == 2
        events_file(tmp_path / "big.json", "v3", n)  # what the zombie would now read
        os.kill(zombie.pid, signal.SIGCONT)
        wait_for(lambda: "taken over by another instance" in zombie.text()
                 or "lost its lease" in zombie.text(), 30, "the zombie to notice")
        time.sleep(0.5)
        assert zombie.proc.poll() is None  # it lives on, as a healthy instance
    finally:
        for w in workers:
            if w.proc.poll() is None:  # a no-op unless an assertion failed above
                os.kill(w.pid, signal.SIGCONT)
        codes = [w.stop() for w in workers]
    assert codes == [0, 0], "\n".join(w.text() for w in workers)
    assert versions(engine) == Counter(v2=n)
    assert the_run(engine) == after
    assert ok_syncs(engine) == 1
