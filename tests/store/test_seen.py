"""An event's last sighting, on SQLite and on PostgreSQL: a "not modified" sync records it
once on the source (`sources.applied_at` + `last_success_at`) instead of rewriting every
row, and every read gives the same `last_seen` the per-row rewrite gave."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Connection, Engine, insert, select

from calsync.clock import FixedClock
from calsync.model import Event, Status
from calsync.runtime import Runtime
from calsync.store.engine import _alembic_config, make_engine, upgrade
from calsync.store.events import changes_since, events_by_ids, events_page, get_event
from calsync.store.feedrows import FeedRows
from calsync.store.sources import get_source_state, save_source_state
from calsync.store.tables import events, sources
from calsync.sync import SyncReport
from tests.conftest import NOW
from tests.store.test_sync_store import CONFIG, FUTURE
from tests.support import write_events

PAST = {"id": "p", "title": "Last week's meeting", "start": "2026-11-20T09:00:00+01:00"}
GONE = {"id": "g", "title": "Withdrawn hearing", "start": "2027-03-01T10:00:00+01:00"}
HOUR = timedelta(hours=1)


def sync(runtime: Runtime) -> SyncReport:
    [report] = asyncio.run(runtime.syncer().sync_many(runtime.select_connectors()))
    return report


def every_read(runtime: Runtime) -> list[dict[str, Event]]:
    """The events of the store through each read that builds an `Event`."""
    with runtime.engine.connect() as conn:
        page, _ = events_page(conn, limit=100)
        ids = [e.id for e in page]
        added, _ = changes_since(conn, NOW - timedelta(days=1))
        rows = FeedRows(selectors=[], start=None, end=None, cutoff=NOW - timedelta(days=400))
        reads = [page, events_by_ids(conn, ids), added, list(rows.ordered_events(conn)),
                 [e for uid in (e.uid for e in page) if (e := get_event(conn, uid))]]
    return [{e.external_uid: e for e in read} for read in reads]


def seen(runtime: Runtime) -> dict[str, datetime]:
    """Each event's last sighting; every read must agree on it."""
    [first, *others] = every_read(runtime)
    got = {uid: e.last_seen for uid, e in first.items()}
    for other in others:
        assert {uid: e.last_seen for uid, e in other.items()} == got
    return got


def written(runtime: Runtime) -> dict[str, datetime]:
    """The `last_seen` column as stored."""
    with runtime.engine.connect() as conn:
        return dict(conn.execute(select(events.c.external_uid, events.c.last_seen)).all())


def test_an_unchanged_resync_confirms_what_the_last_sync_saw(
        tmp_path: Path, engine: Engine, write_config: Callable[..., Path],
        make_runtime: Callable[..., Runtime]) -> None:
    file = tmp_path / "events.json"
    write_events(file, [*FUTURE, PAST, GONE])
    runtime = make_runtime(write_config(CONFIG), engine)
    clock = runtime.clock
    assert isinstance(clock, FixedClock)
    assert sync(runtime).added == 6
    clock.advance(HOUR)  # the past event and an upcoming one leave the feed
    write_events(file, FUTURE)
    report = sync(runtime)
    assert (report.outcome, report.unchanged, report.cancelled) == ("ok", 4, 1)
    kept = {"p": NOW, "g": NOW}  # not seen since the first sync: never confirmed again
    assert seen(runtime) == {**dict.fromkeys("abcd", NOW + HOUR), **kept}

    clock.advance(HOUR)
    report = sync(runtime)
    assert (report.outcome, report.unchanged) == ("not_modified", 4)
    assert seen(runtime) == {**dict.fromkeys("abcd", NOW + 2 * HOUR), **kept}
    assert written(runtime) == {**dict.fromkeys("abcd", NOW + HOUR), **kept}  # no row write

    clock.advance(HOUR)  # a failure in between confirms nothing ...
    file.write_text('{"fail": "retriable"}', encoding="utf-8")
    assert sync(runtime).outcome == "failed"
    assert seen(runtime) == {**dict.fromkeys("abcd", NOW + 2 * HOUR), **kept}
    clock.advance(HOUR)  # ... and the same feed afterwards confirms the same events
    write_events(file, FUTURE)
    report = sync(runtime)
    assert (report.outcome, report.unchanged) == ("not_modified", 4)
    assert seen(runtime) == {**dict.fromkeys("abcd", NOW + 4 * HOUR), **kept}

    clock.advance(HOUR)  # a sync that writes again: rows carry their own sighting
    write_events(file, [dict(FUTURE[0], title="KS (moved)"), *FUTURE[1:]])
    report = sync(runtime)
    assert (report.outcome, report.changed, report.unchanged) == ("ok", 1, 3)
    assert seen(runtime) == written(runtime) == {**dict.fromkeys("abcd", NOW + 5 * HOUR),
                                                 **kept}
    statuses = {k: e.status for k, e in every_read(runtime)[0].items()}
    assert statuses["g"] == Status.CANCELLED and statuses["p"] == Status.CONFIRMED


@pytest.fixture
def at_0018(db_url: str) -> Engine:
    engine = make_engine(db_url)
    upgrade(engine, "0018_event_search_text")
    return engine


def test_migration_0019_keeps_every_last_sighting_both_ways(at_0018: Engine) -> None:
    """Before 0019 every success rewrote the rows it confirmed, so the source's
    `last_success_at` is when its last sync saw them; down again, the rows a later
    "not modified" sync confirmed get that time written back."""
    engine = at_0018
    try:
        then, before = NOW - timedelta(days=1), NOW - timedelta(days=9)
        with engine.begin() as conn:
            conn.execute(insert(sources).values(name="s", type="ical", bookmark={},
                                                last_success_at=then))
            conn.execute(insert(events), [_row("now", then), _row("old", before),
                                          dict(_row("other", before), source="t")])
        upgrade(engine)
        with engine.begin() as conn:
            state = get_source_state(conn, "s")
            assert state.applied_at == then
            assert _sightings(conn) == {"now": then, "old": before, "other": before}
            save_source_state(conn, replace(state, last_success_at=NOW))  # a 304 at NOW
            assert _sightings(conn) == {"now": NOW, "old": before, "other": before}
        command.downgrade(_alembic_config(engine), "0018_event_search_text")
        with engine.connect() as conn:
            assert dict(conn.execute(select(events.c.external_uid, events.c.last_seen))
                        .all()) == {"now": NOW, "old": before, "other": before}
    finally:
        engine.dispose()


def _sightings(conn: Connection) -> dict[str, datetime]:
    found = [get_event(conn, f"{uid}@calsync") for uid in ("now", "old", "other")]
    return {e.external_uid: e.last_seen for e in found if e is not None}


def _row(uid: str, seen_at: datetime) -> dict[str, object]:
    return {"uid": f"{uid}@calsync", "source": "s", "external_uid": uid, "level": "eu",
            "actor": "a", "kind": "decision", "title": "t", "description": "", "tags": "",
            "attrs": {}, "all_day": True, "start_at": datetime(2027, 1, 1, tzinfo=UTC),
            "end_at": None, "timezone": "UTC", "status": "confirmed", "sequence": 0,
            "content_hash": "h", "first_seen": seen_at, "last_seen": seen_at,
            "updated_at": seen_at}
