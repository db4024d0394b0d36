"""Several `calsync worker` processes against one database (PostgreSQL, and one SQLite
file): over many ticks every (connector, tick) runs exactly once, and never two syncs of
one connector at a time."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from calsync.store.tables import scheduler_runs as runs
from calsync.store.tables import sync_runs
from tests.scheduler.support import Worker, events_file, fetches

SOURCES = ("alpha", "beta", "gamma")

CONFIG = """
connectors:
{connectors}
scheduler:
  dispatch_interval: 0.2
  lease: 12  # a heartbeat (1 s) late by 12 s on a loaded machine would be a takeover
  heartbeat: 1
  shutdown_grace: 15
  outbox_every: 1
"""

CONNECTOR = """  {name}:
    type: tests.scheduler.support:SlowFileConnector
    level: municipal
    actor: Vindelns kommun
    kind: meeting
    file: {name}.json
    log: fetches.jsonl
    delay: 0.15
    schedule: {{every: PT1S}}
"""


def ledger_rows(engine: Engine, job: str) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(
            select(runs).where(runs.c.job == job).order_by(runs.c.tick_at)).mappings()]


def no_overlap(spans: list[tuple[Any, Any]]) -> bool:
    ordered = sorted(spans)
    return all(end <= start for (_, end), (start, _) in pairwise(ordered))


def test_workers_run_every_tick_once(db: tuple[str, Engine], tmp_path: Path,
                                     write_config: Callable[..., Path]) -> None:
    url, engine = db
    config = write_config(CONFIG.format(connectors="".join(
        CONNECTOR.format(name=name) for name in SOURCES)))
    for name in SOURCES:
        events_file(tmp_path / f"{name}.json", "v1", 5)
    workers = [Worker(config, url, f"w{i}") for i in range(3)]
    try:
        for worker in workers:
            worker.wait_started()
        for version in ("v2", "v3", "v4", "v5"):  # upstream changes: evaluations too
            time.sleep(1.5)
            events_file(tmp_path / "alpha.json", version, 5)
        time.sleep(1.0)
    finally:
        codes = [worker.stop() for worker in workers]
    outputs = "\n".join(w.text() for w in workers)
    assert codes == [0, 0, 0], outputs
    assert "Traceback" not in outputs, outputs

    log = tmp_path / "fetches.jsonl"
    owners: set[str] = set()
    for name in SOURCES:
        rows = ledger_rows(engine, name)
        ticks = [r["tick_at"] for r in rows]
        # Every tick from the first to the last is in the ledger once, one second apart.
        assert all(b - a == timedelta(seconds=1) for a, b in pairwise(ticks)), ticks
        assert {r["state"] for r in rows} <= {"succeeded", "missed"}, rows
        done = [r for r in rows if r["state"] == "succeeded"]
        assert len(done) >= 5, rows
        owners |= {r["owner"] for r in done}
        with engine.connect() as conn:
            syncs = conn.execute(select(sync_runs).where(sync_runs.c.source == name)
                                 ).mappings().all()
        starts = [e for e in fetches(log, name) if e["event"] == "start"]
        ends = [e for e in fetches(log, name) if e["event"] == "end"]
        # Exactly one sync (and one fetch) per succeeded tick, nothing else.
        assert len(syncs) == len(done) == len(starts) == len(ends)
        assert sorted(r["sync_run_id"] for r in done) == sorted(s["id"] for s in syncs)
        assert {s["outcome"] for s in syncs} <= {"ok", "not_modified"}
        assert sum(s["added"] for s in syncs) == 5
        # Never two syncs of one connector at a time, by any clock we have.
        assert no_overlap([(s["started_at"], s["finished_at"]) for s in syncs])
        assert no_overlap([(r["started_at"], r["finished_at"]) for r in done])
        pids = sorted((s["at"], e["at"]) for s, e in zip(starts, ends, strict=True))
        assert no_overlap(pids)
    assert owners <= {"w0", "w1", "w2"}

    for singleton in ("__outbox__", "__evaluate__"):
        rows = ledger_rows(engine, singleton)
        assert rows, singleton
        assert "running" not in {r["state"] for r in rows}
        done = [r for r in rows if r["state"] == "succeeded"]
        assert done and no_overlap([(r["started_at"], r["finished_at"]) for r in done])
    outbox = [r["tick_at"] for r in ledger_rows(engine, "__outbox__")]
    assert all(b - a == timedelta(seconds=1) for a, b in pairwise(outbox)), outbox
    evaluations = ledger_rows(engine, "__evaluate__")
    merged = sum(1 for r in evaluations if r["state"] == "skipped")
    requested = sum(1 for r in evaluations if r["detail"] and r["detail"].get("sources"))
    assert requested == len(evaluations) and len(evaluations) >= 4
    assert merged + sum(1 for r in evaluations if r["state"] == "succeeded") + sum(
        1 for r in evaluations if r["state"] == "waiting") == len(evaluations)
    assert all(isinstance(r["tick_at"], datetime) for r in evaluations)
