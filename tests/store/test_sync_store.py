"""The store and the sync semantics, on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError

from calsync.clock import FixedClock
from calsync.model import EventData, Status
from calsync.runtime import Runtime
from calsync.sdk.http import make_client
from calsync.selectors import Selector
from calsync.store.engine import current_revision, head_revision
from calsync.store.events import changes_since, get_event, list_events, revisions_of
from calsync.store.sources import get_source_state, recent_sync_runs, start_sync_run
from calsync.store.tables import events
from calsync.sync import SyncReport
from tests.support import write_events

CONFIG = """
connectors:
  upstream:
    type: tests.support:FileConnector
    level: municipal
    actor: Vindelns kommun
    kind: meeting
    file: events.json
"""

FUTURE = [
    {"id": "a", "title": "KS", "start": "2027-01-10T09:00:00+01:00",
     "end": "2027-01-10T12:00:00+01:00"},
    {"id": "b", "title": "KF", "start": "2027-02-14"},
    {"id": "c", "title": "Budget", "start": "2027-06-01", "end": "2027-06-03",
     "tags": ["budget"]},
    {"id": "d", "title": "Summer meeting", "start": "2027-06-20T17:00:00+02:00"},
]


@pytest.fixture
def setup(tmp_path: Path, engine: Engine, write_config: Callable[..., Path],
          make_runtime: Callable[..., Runtime]) -> tuple[Runtime, Path]:
    path = write_config(CONFIG)
    write_events(tmp_path / "events.json", FUTURE)
    return make_runtime(path, engine), tmp_path / "events.json"


def sync(runtime: Runtime, **kwargs: Any) -> SyncReport:
    [report] = asyncio.run(runtime.syncer().sync_many(runtime.select_connectors(), **kwargs))
    return report


def stored(runtime: Runtime) -> dict[str, Any]:
    with runtime.engine.connect() as conn:
        return {e.external_uid: e for e in list_events(conn)}


def test_migrations_reach_head(engine: Engine) -> None:
    assert current_revision(engine) == head_revision() is not None


def test_first_sync_adds_and_keeps_times_exact(setup: tuple[Runtime, Path]) -> None:
    runtime, _ = setup
    report = sync(runtime)
    assert (report.outcome, report.added, report.changed, report.cancelled) == ("ok", 4, 0, 0)
    got = stored(runtime)
    ks = got["a"]
    assert ks.data.start == datetime(2027, 1, 10, 8, 0, tzinfo=UTC)
    assert isinstance(ks.start, datetime)
    assert ks.start.utcoffset() == timedelta(hours=1)  # back in the source's zone
    assert (ks.level, ks.actor, ks.kind, ks.sequence) == ("municipal", "Vindelns kommun",
                                                          "meeting", 0)
    budget = got["c"]
    assert budget.all_day and budget.start == date(2027, 6, 1) and budget.end == date(2027, 6, 3)
    assert budget.tags == ("budget",)
    kf = got["b"]
    assert kf.end == date(2027, 2, 15)  # all-day default end is exclusive, next day
    assert ks.uid.endswith("@calsync") and len({e.uid for e in got.values()}) == 4


def test_resync_unchanged_is_a_touch(setup: tuple[Runtime, Path]) -> None:
    runtime, _ = setup
    sync(runtime)
    before = stored(runtime)
    assert isinstance(runtime.clock, FixedClock)
    runtime.clock.advance(timedelta(hours=1))
    report = sync(runtime)
    assert (report.outcome, report.unchanged, report.added) == ("not_modified", 4, 0)
    after = stored(runtime)
    assert {k: v.uid for k, v in before.items()} == {k: v.uid for k, v in after.items()}
    assert all(after[k].last_seen == before[k].last_seen + timedelta(hours=1) for k in after)
    assert all(after[k].updated_at == before[k].updated_at for k in after)


def test_change_bumps_sequence_and_records_revision(setup: tuple[Runtime, Path]) -> None:
    runtime, file = setup
    sync(runtime)
    uid_before = stored(runtime)["a"].uid
    moved = [dict(FUTURE[0], start="2027-01-17T09:00:00+01:00",
                  end="2027-01-17T12:00:00+01:00", title="KS (moved)"), *FUTURE[1:]]
    write_events(file, moved)
    report = sync(runtime)
    assert (report.changed, report.unchanged, report.added) == (1, 3, 0)
    event = stored(runtime)["a"]
    assert event.uid == uid_before and event.sequence == 1 and event.title == "KS (moved)"
    with runtime.engine.connect() as conn:
        [rev] = revisions_of(conn, event.id)
    assert rev.change == "changed" and rev.sequence == 1
    assert rev.changes["title"] == ["KS", "KS (moved)"]
    assert rev.changes["start"] == ["2027-01-10T09:00:00+01:00", "2027-01-17T09:00:00+01:00"]


def test_disappeared_upcoming_event_is_cancelled_not_deleted(
        setup: tuple[Runtime, Path]) -> None:
    runtime, file = setup
    sync(runtime)
    write_events(file, FUTURE[1:])
    report = sync(runtime)
    assert (report.cancelled, report.unchanged) == (1, 3)
    gone = stored(runtime)["a"]
    assert gone.status == Status.CANCELLED and gone.sequence == 1
    with runtime.engine.connect() as conn:
        [rev] = revisions_of(conn, gone.id)
    assert rev.change == "cancelled" and "no longer published" in (rev.reason or "")
    # It comes back: restored, same identity.
    write_events(file, FUTURE)
    report = sync(runtime)
    assert report.changed == 1
    back = stored(runtime)["a"]
    assert back.uid == gone.uid and back.status == Status.CONFIRMED and back.sequence == 2
    with runtime.engine.connect() as conn:
        assert [r.change for r in revisions_of(conn, back.id)] == ["cancelled", "restored"]


def test_past_events_missing_upstream_are_left_alone(setup: tuple[Runtime, Path]) -> None:
    runtime, file = setup
    past = {"id": "old", "title": "Old meeting", "start": "2025-03-01"}
    write_events(file, [past, *FUTURE])
    sync(runtime)
    write_events(file, FUTURE)
    report = sync(runtime)
    assert report.cancelled == 0
    assert stored(runtime)["old"].status == Status.CONFIRMED


def test_mass_removal_is_held_until_accepted(setup: tuple[Runtime, Path]) -> None:
    runtime, file = setup
    sync(runtime)
    write_events(file, FUTURE[:1])  # would cancel 3 of 4 upcoming (75% > 50%)
    report = sync(runtime)
    assert report.outcome == "held" and report.held_removals == 3
    assert "--accept-removals" in (report.error or "")
    assert all(e.status == Status.CONFIRMED for e in stored(runtime).values())
    with runtime.engine.connect() as conn:
        state = get_source_state(conn, "upstream")
    assert state.anomaly is not None and state.anomaly["would_cancel"] == 3
    report = sync(runtime, accept_removals=True)
    assert (report.outcome, report.cancelled) == ("ok", 3)
    with runtime.engine.connect() as conn:
        assert get_source_state(conn, "upstream").anomaly is None


def test_failed_fetch_keeps_last_good_data(setup: tuple[Runtime, Path]) -> None:
    runtime, file = setup
    sync(runtime)
    before = stored(runtime)
    write_events(file, {"fail": "retriable"})
    report = sync(runtime)
    assert report.outcome == "failed" and report.error_kind == "retriable"
    after = stored(runtime)
    assert {k: (v.content_hash, v.sequence, v.status) for k, v in after.items()} == \
        {k: (v.content_hash, v.sequence, v.status) for k, v in before.items()}
    with runtime.engine.connect() as conn:
        state = get_source_state(conn, "upstream")
        runs = recent_sync_runs(conn, "upstream")
    assert state.consecutive_failures == 1 and "503" in (state.last_error or "")
    # The server's Retry-After (120 s) wins over the first backoff step (60 s).
    assert state.retry_at == runtime.clock.now() + timedelta(seconds=120)
    assert [r.outcome for r in runs] == ["failed", "ok"]
    write_events(file, {"fail": "fatal"})
    assert sync(runtime).error_kind == "fatal"
    with runtime.engine.connect() as conn:
        assert get_source_state(conn, "upstream").consecutive_failures == 2


def test_changes_since_reports_additions_and_revisions(setup: tuple[Runtime, Path]) -> None:
    runtime, file = setup
    sync(runtime)
    assert isinstance(runtime.clock, FixedClock)
    runtime.clock.advance(timedelta(days=7))
    mark = runtime.clock.now()
    write_events(file, [dict(FUTURE[0], title="KS extra"), *FUTURE[1:],
                        {"id": "e", "title": "New", "start": "2027-09-01"}])
    sync(runtime)
    with runtime.engine.connect() as conn:
        added, revs = changes_since(conn, mark)
        added_all, _ = changes_since(conn, mark - timedelta(days=30))
        only_budget, _ = changes_since(conn, mark - timedelta(days=30),
                                       selector=Selector(tags={"any": ["budget"]}))
    assert [e.external_uid for e in added] == ["e"]
    assert [(r.change, r.changes["title"]) for r in revs] == [("changed", ["KS", "KS extra"])]
    assert len(added_all) == 5 and [e.external_uid for e in only_budget] == ["c"]


def test_queries_filter_by_time_and_selector(setup: tuple[Runtime, Path]) -> None:
    runtime, _ = setup
    sync(runtime)
    with runtime.engine.connect() as conn:
        june = list_events(conn, start=datetime(2027, 6, 1, tzinfo=UTC),
                           end=datetime(2027, 7, 1, tzinfo=UTC))
        tagged = list_events(conn, selector=Selector(tags=["budget"]))
        by_actor = list_events(conn, selector=Selector(actor=["* kommun"]))
        none = list_events(conn, selector=Selector(level=["eu"]))
        text = list_events(conn, q="summer")
        page = list_events(conn, limit=2, offset=1)
        one = get_event(conn, june[0].uid)
    assert [e.external_uid for e in june] == ["c", "d"]
    assert [e.external_uid for e in tagged] == ["c"]
    assert len(by_actor) == 4 and none == [] and [e.external_uid for e in text] == ["d"]
    assert [e.external_uid for e in page] == ["b", "c"]
    assert one is not None and one.external_uid == "c"


def test_identity_is_unique_per_source(engine: Engine) -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    row = {"uid": "x@calsync", "source": "s", "external_uid": "e", "level": "eu", "actor": "a",
           "kind": "decision", "title": "t", "description": "", "tags": "", "attrs": {},
           "all_day": True, "start_at": now, "end_at": None, "timezone": "UTC",
           "status": "confirmed", "sequence": 0, "content_hash": "h", "first_seen": now,
           "last_seen": now, "updated_at": now}
    with engine.begin() as conn:
        conn.execute(events.insert(), row)
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(events.insert(), dict(row, uid="y@calsync"))
    with engine.connect() as conn:
        assert conn.execute(select(events.c.start_at)).scalar_one() == now


def test_naive_datetimes_are_refused(engine: Engine) -> None:
    with pytest.raises(Exception, match="naive"), engine.begin() as conn:
        conn.execute(events.insert(), {
            "uid": "n", "source": "s", "external_uid": "n", "level": "eu", "actor": "a",
            "kind": "k", "title": "t", "description": "", "tags": "", "attrs": {},
            "all_day": False, "start_at": datetime(2026, 1, 1), "timezone": "UTC",
            "status": "confirmed", "sequence": 0, "content_hash": "h",
            "first_seen": datetime(2026, 1, 1, tzinfo=UTC),
            "last_seen": datetime(2026, 1, 1, tzinfo=UTC),
            "updated_at": datetime(2026, 1, 1, tzinfo=UTC)})


def test_event_data_rejects_naive_and_inverted_times() -> None:
    with pytest.raises(ValueError, match="no time zone"):
        EventData(external_uid="x", title="t", start=datetime(2026, 1, 1))
    with pytest.raises(ValueError, match="before start"):
        EventData(external_uid="x", title="t", start=datetime(2026, 1, 2, tzinfo=UTC),
                  end=datetime(2026, 1, 1, tzinfo=UTC))
    with pytest.raises(ValueError, match="exclusive"):
        EventData(external_uid="x", title="t", start=date(2026, 1, 2), end=date(2026, 1, 2))


def test_a_sync_left_running_by_a_dead_process_is_closed_as_interrupted(
        setup: tuple[Runtime, Path]) -> None:
    runtime, _ = setup
    with runtime.engine.begin() as conn:
        start_sync_run(conn, "upstream", runtime.clock.now())  # its process then died
    sync(runtime)
    with runtime.engine.connect() as conn:
        runs = recent_sync_runs(conn, "upstream")
    assert [r.outcome for r in runs] == ["ok", "interrupted"]
    assert "stopped" in (runs[1].error or "") and runs[1].finished_at is not None


def test_a_sync_hands_its_fence_exactly_the_events_it_touched(
        setup: tuple[Runtime, Path]) -> None:
    """`apply_plan` returns the ids it added, changed or cancelled; the scheduler asks for
    rule evaluation of exactly those (no re-query by timestamp)."""
    runtime, feed = setup
    seen: list[list[int]] = []

    def fence(_conn: Any, touched: Any) -> bool:
        seen.append(sorted(touched))
        return True

    async def once() -> SyncReport:
        async with make_client() as http:
            [connector] = runtime.select_connectors()
            return await runtime.syncer().sync(connector, http, fence=fence)

    asyncio.run(once())
    ids = {e.external_uid: e.id for e in stored(runtime).values()}
    assert seen == [sorted(ids.values())]
    write_events(feed, [dict(FUTURE[0], title="KS (moved)"), FUTURE[1], FUTURE[3]])
    asyncio.run(once())
    assert seen[1] == sorted([ids["a"], ids["c"]])  # changed, cancelled; b and d untouched
