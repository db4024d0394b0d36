"""The rules' timeline kept in memory between evaluations (`calsync.alerts.kept`) stays in
step with the store: file connectors synced into SQLite and PostgreSQL, evaluated again
and again, compared with a timeline loaded afresh after every step."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Connection, Engine, update

from calsync.alerts import store
from calsync.alerts.evaluate import evaluate_and_update, load_timeline
from calsync.alerts.kept import KeptTimeline, kept_for
from calsync.clock import FixedClock
from calsync.rules.engine import evaluate
from calsync.rules.timeline import Timeline
from calsync.runtime import Runtime
from calsync.store.tables import events
from tests.support import write_events

CONFIG = """\
timezone: Europe/Stockholm
connectors:
  kommun:
    type: tests.support:FileConnector
    file: kommun.json
    level: municipal
    actor: Skellefteå kommun
    kind: decision
  eu:
    type: tests.support:FileConnector
    file: eu.json
    level: eu
    actor: European Commission
    kind: deadline
alerts:
  past_due: alert
rules:
  R1:
    kind: precedes
    title: co-financing decided before the call closes
    a: {level: municipal, kind: decision, tags: [co-financing]}
    b: {level: eu, kind: deadline}
    join: nearest
"""

KOMMUN = [
    {"id": "cofin", "title": "Medfinansiering Norrsken", "start": "2027-06-01",
     "tags": ["co-financing"]},
    {"id": "other", "title": "Medfinansiering Polstjärnan", "start": "2027-09-01",
     "tags": ["co-financing"]},
]
EU = [
    {"id": "call", "title": "ERDF call closes", "start": "2027-05-14"},
    {"id": "call2", "title": "Interreg call closes", "start": "2027-08-13"},
]


def snapshot(timeline: Timeline) -> list[tuple[Any, ...]]:
    return [(i.id, i.uid, i.title, i.s, i.e, i.status, i.tags, sorted(i.attrs.items()))
            for i in timeline.items]


def fresh(engine: Engine, tz: str) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return snapshot(load_timeline(conn, tz))


class Project:
    def __init__(self, tmp_path: Path, engine: Engine, write_config: Callable[..., Path],
                 make_runtime: Callable[..., Runtime]) -> None:
        self.tmp = tmp_path
        self.engine = engine
        self.rt = make_runtime(write_config(CONFIG), engine)
        self.touched: list[int] = []
        write_events(tmp_path / "kommun.json", KOMMUN)
        write_events(tmp_path / "eu.json", EU)

    def sync(self) -> list[int]:
        """Sync every connector; the ids the syncs wrote (what the scheduler passes on)."""
        self.touched = []

        def fence(_conn: Connection, ids: Sequence[int]) -> bool:
            self.touched += ids
            return True

        async def run() -> None:
            async with httpx.AsyncClient() as http:
                for connector in self.rt.select_connectors():
                    report = await self.rt.syncer().sync(connector, http, fence=fence)
                    assert report.ok, report.error

        asyncio.run(run())
        return list(self.touched)

    def evaluate(self, ids: list[int] | None = None) -> Any:
        return evaluate_and_update(engine=self.engine, config=self.rt.config,
                                   clock=self.rt.clock, changed_event_ids=ids)

    @property
    def kept(self) -> KeptTimeline:
        found = kept_for(self.engine)
        assert found is not None
        return found

    def firing(self) -> list[str]:
        with self.engine.connect() as conn:
            return sorted(a.summary for a in store.list_alerts(
                conn, state="firing", now=self.rt.clock.now()))


def test_the_kept_timeline_follows_every_sync(tmp_path: Path, engine: Engine,
                                              write_config: Callable[..., Path],
                                              make_runtime: Callable[..., Runtime]) -> None:
    p = Project(tmp_path, engine, write_config, make_runtime)
    tz = p.rt.config.timezone
    p.sync()
    first = p.evaluate()
    assert first.alerts.as_dict()["opened"] == 2  # Norrsken and Polstjärnan are late
    assert (p.kept.loads, p.kept.refreshes) == (1, 0)
    kept = p.kept.timeline
    assert kept is not None and snapshot(kept) == fresh(engine, tz)

    # Nothing changed upstream: the same timeline object, selectors and all.
    assert p.sync() == []
    p.evaluate()
    assert p.kept.timeline is kept and (p.kept.loads, p.kept.refreshes) == (1, 0)

    # Upstream moves the late decision into time, adds one that is late, drops one.
    moved = [dict(KOMMUN[0], start="2027-05-03"),
             {"id": "new", "title": "Medfinansiering Aurora", "start": "2027-09-20",
              "tags": ["co-financing"]}]
    write_events(tmp_path / "kommun.json", moved)
    p.rt.clock = FixedClock(p.rt.clock.now() + timedelta(hours=1))
    ids = p.sync()
    assert len(ids) == 3  # one added, one changed, one cancelled
    summary = p.evaluate(ids)
    assert (p.kept.loads, p.kept.refreshes) == (1, 1)
    assert p.kept.timeline is not None and snapshot(p.kept.timeline) == fresh(engine, tz)
    titles = [i.title for i in p.kept.timeline.items]
    assert "Medfinansiering Polstjärnan" not in titles and "Medfinansiering Aurora" in titles
    assert summary.incremental and summary.alerts.as_dict()["resolved"] == 2
    assert len(summary.alerts.opened) == 1
    [firing] = p.firing()
    assert "Aurora" in firing

    # The rules find on the kept timeline what they find on one loaded afresh.
    now = p.rt.clock.now()
    with engine.connect() as conn:
        reloaded = load_timeline(conn, tz)
    assert [f.summary for f in evaluate(p.rt.config, p.kept.timeline, now).findings] == \
        [f.summary for f in evaluate(p.rt.config, reloaded, now).findings]


def test_changes_the_sync_did_not_report_are_found_by_the_store_version(
        tmp_path: Path, engine: Engine, write_config: Callable[..., Path],
        make_runtime: Callable[..., Runtime]) -> None:
    p = Project(tmp_path, engine, write_config, make_runtime)
    tz = p.rt.config.timezone
    p.sync()
    p.evaluate()
    # Another process syncs (this one is not told which ids): a full evaluation here
    # refreshes from what moved since, without reloading everything.
    write_events(tmp_path / "eu.json", [dict(EU[0], start="2027-06-30"), EU[1]])
    p.rt.clock = FixedClock(p.rt.clock.now() + timedelta(hours=1))
    p.sync()
    summary = p.evaluate()
    assert (p.kept.loads, p.kept.refreshes) == (1, 1)
    assert p.kept.timeline is not None and snapshot(p.kept.timeline) == fresh(engine, tz)
    assert summary.alerts.as_dict()["resolved"] == 1  # the call moved after the decision


def test_a_writer_whose_clock_was_behind_makes_it_reload(
        tmp_path: Path, engine: Engine, write_config: Callable[..., Path],
        make_runtime: Callable[..., Runtime]) -> None:
    p = Project(tmp_path, engine, write_config, make_runtime)
    tz = p.rt.config.timezone
    p.sync()
    p.evaluate()
    # A change stamped a day in the past (a skewed clock): not "updated since" the kept
    # timeline, but its sequence moved, so the version disagrees and everything reloads.
    kept = p.kept.timeline
    assert kept is not None
    cofin = next(i for i in kept.items if i.title == "Medfinansiering Norrsken")
    with engine.begin() as conn:
        conn.execute(update(events).where(events.c.id == cofin.id).values(
            title="Medfinansiering Norrsken (flyttad)", sequence=events.c.sequence + 1,
            updated_at=p.rt.clock.now() - timedelta(days=1)))
    p.evaluate()
    assert p.kept.loads == 2
    assert p.kept.timeline is not None and snapshot(p.kept.timeline) == fresh(engine, tz)
    assert any("(flyttad)" in a for a in p.firing())
