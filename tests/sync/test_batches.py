"""A sync larger than one plan batch (`Syncer(batch=4, memory_batches=1)`: spilled to
disk from the second batch on) stores what one batch in memory stores, and is still all
or nothing when the upstream breaks half-way or the sync is held back; on SQLite and
PostgreSQL, with real HTTP servers on 127.0.0.1."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from calsync.clock import FixedClock
from calsync.config import load_config
from calsync.runtime import Runtime
from calsync.sdk.http import make_client
from calsync.store.events import list_events, revisions_of
from calsync.store.sources import get_source_state, recent_sync_runs
from calsync.sync import Syncer, SyncReport
from tests.reliability.upstream import Answer, Upstream

BATCH = 4
ICAL = {"Content-Type": "text/calendar; charset=utf-8"}


@pytest.fixture
def upstream() -> Iterator[Upstream]:
    with Upstream() as running:
        yield running


def ical(singles: range, *, title: str = "Möte", series: int = 2) -> bytes:
    """Single events `singles` (one a week from 2027-01-04) and `series` weekly series of
    five occurrences each: with BATCH = 4, many batches."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//calsync//tests//EN"]
    for i in singles:
        lines += ["BEGIN:VEVENT", f"UID:single-{i}", "DTSTAMP:20261101T000000Z",
                  f"DTSTART:{20270104 + 7 * (i % 3) + 100 * (i % 9)}T090000Z",
                  f"SUMMARY:{title} {i}", "END:VEVENT"]
    for j in range(series):
        lines += ["BEGIN:VEVENT", f"UID:series-{j}", "DTSTAMP:20261101T000000Z",
                  f"DTSTART:2027030{j + 1}T130000Z", "RRULE:FREQ=WEEKLY;COUNT=5",
                  f"SUMMARY:Serie {j}", "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return ("\r\n".join(lines) + "\r\n").encode()


def runtime(tmp_path: Path, engine: Engine, clock: FixedClock, body: str) -> Runtime:
    path = tmp_path / "config.yaml"
    path.write_text(f"connectors:\n{body}", encoding="utf-8")
    return Runtime.from_config(load_config(path), clock=clock, engine=engine)


def ical_source(name: str, url: str) -> str:
    return (f"  {name}:\n    type: ical\n    url: {url}\n    level: municipal\n"
            f"    actor: Vindelns kommun\n    kind: meeting\n")


def sync(rt: Runtime, name: str, *, batch: int = BATCH, **kwargs: Any) -> SyncReport:
    async def once() -> SyncReport:
        async with make_client() as http:
            return await Syncer(rt.engine, rt.config, rt.clock, batch=batch,
                                memory_batches=1).sync(rt.connectors[name], http, **kwargs)

    return asyncio.run(once())


def stored(rt: Runtime, source: str) -> dict[str, tuple[Any, ...]]:
    with rt.engine.connect() as conn:
        return {e.external_uid: (e.title, e.start, e.status, e.sequence)
                for e in list_events(conn) if e.source == source}


def test_many_batches_write_what_one_batch_writes(
        tmp_path: Path, engine: Engine, clock: FixedClock, upstream: Upstream) -> None:
    """Two sources read one feed, one planned in batches of 4, one in a single batch:
    cold, changed (a retitled, a removed, an added event) and unchanged syncs store the
    same events, sequences and revisions, and hand the fence the same number of ids."""
    upstream.answers["/feed.ics"] = Answer(200, ical(range(15)), ICAL)
    url = upstream.url("/feed.ics")
    rt = runtime(tmp_path, engine, clock, ical_source("small", url) + ical_source("one", url))
    touched: dict[str, list[int]] = {"small": [], "one": []}

    def fence(name: str) -> Any:
        return lambda _conn, ids: touched[name].append(len(ids)) or True

    def both() -> tuple[SyncReport, SyncReport]:
        return (sync(rt, "small", fence=fence("small")),
                sync(rt, "one", batch=10_000, fence=fence("one")))

    cold = both()
    assert [r.added for r in cold] == [25, 25]
    upstream.answers["/feed.ics"] = Answer(200, ical([*range(1, 15), 40], title="Ny"), ICAL)
    changed = both()
    assert [(r.added, r.changed, r.cancelled, r.unchanged) for r in changed] == \
        [(1, 14, 1, 10)] * 2
    assert [r.outcome for r in both()] == ["not_modified"] * 2
    assert stored(rt, "small") == stored(rt, "one")
    assert stored(rt, "small")["single-0"][2] == "cancelled"
    assert touched["small"] == touched["one"] == [25, 16, 0]
    with rt.engine.connect() as conn:
        revisions = {source: sorted((r.change, r.sequence) for e in list_events(conn)
                                    if e.source == source for r in revisions_of(conn, e.id))
                     for source in ("small", "one")}
    assert revisions["small"] == revisions["one"] and len(revisions["small"]) == 15


def test_a_truncated_feed_larger_than_a_batch_keeps_the_last_good_data(
        tmp_path: Path, engine: Engine, clock: FixedClock, upstream: Upstream) -> None:
    """The upstream's body stops half-way (no END:VCALENDAR): the sync fails, every event
    keeps what the last good sync stored, the run and the source say why."""
    upstream.answers["/feed.ics"] = Answer(200, ical(range(20)), ICAL)
    rt = runtime(tmp_path, engine, clock, ical_source("kommun", upstream.url("/feed.ics")))
    assert sync(rt, "kommun").added == 30
    good = stored(rt, "kommun")
    body = ical(range(20), title="Ändrat")
    upstream.answers["/feed.ics"] = Answer(200, body[:len(body) * 2 // 3], ICAL)
    report = sync(rt, "kommun")
    assert (report.outcome, report.error_kind) == ("failed", "fatal")
    assert "cut off" in (report.error or "")
    assert stored(rt, "kommun") == good
    with rt.engine.connect() as conn:
        assert [r.outcome for r in recent_sync_runs(conn, "kommun")] == ["failed", "ok"]
        assert get_source_state(conn, "kommun", "ical").consecutive_failures == 1


def test_a_payload_that_breaks_after_several_batches_writes_nothing(
        tmp_path: Path, engine: Engine, clock: FixedClock, upstream: Upstream) -> None:
    """A connector that streams its records finds line 14 unreadable, after three
    batches were planned: the sync fails and none of them is written, neither on the
    first sync (nothing stored) nor on a later one (the last good titles stay)."""
    def body(title: str, broken: bool) -> bytes:
        lines = [f'{{"id": "e{i}", "title": "{title} {i}", '
                 f'"start": "2027-0{1 + i % 9}-10T09:00:00+01:00"}}' for i in range(20)]
        if broken:
            lines[13] = '{"id": "e13", "title": "cut'
        return "\n".join(lines).encode()

    upstream.answers["/lines"] = Answer(200, body("Möte", broken=True))
    rt = runtime(tmp_path, engine, clock, "  lines:\n    type: tests.sync.lines:LinesConnector"
                 f"\n    url: {upstream.url('/lines')}\n    level: municipal\n"
                 "    actor: Vindelns kommun\n    kind: meeting\n")
    report = sync(rt, "lines")
    assert (report.outcome, report.added) == ("failed", 0)
    assert "line 14" in (report.error or "")
    assert stored(rt, "lines") == {}
    upstream.answers["/lines"] = Answer(200, body("Möte", broken=False))
    assert sync(rt, "lines").added == 20
    good = stored(rt, "lines")
    upstream.answers["/lines"] = Answer(200, body("Ändrat", broken=True))
    assert sync(rt, "lines").outcome == "failed"
    assert stored(rt, "lines") == good
    with rt.engine.connect() as conn:
        assert [r.outcome for r in recent_sync_runs(conn, "lines")] == \
            ["failed", "ok", "failed"]


def test_a_held_sync_larger_than_a_batch_writes_none_of_its_batches(
        tmp_path: Path, engine: Engine, clock: FixedClock, upstream: Upstream) -> None:
    """The mass-removal guard decides after the last batch: a payload that replaces every
    event is held, and the new events of its earlier batches are not stored either."""
    upstream.answers["/feed.ics"] = Answer(200, ical(range(10), series=0), ICAL)
    rt = runtime(tmp_path, engine, clock, ical_source("kommun", upstream.url("/feed.ics")))
    assert sync(rt, "kommun").added == 10
    good = stored(rt, "kommun")
    upstream.answers["/feed.ics"] = Answer(200, ical(range(100, 118), series=0), ICAL)
    report = sync(rt, "kommun")
    assert (report.outcome, report.held_removals) == ("held", 10)
    assert stored(rt, "kommun") == good
    accepted = sync(rt, "kommun", accept_removals=True)
    assert (accepted.outcome, accepted.added, accepted.cancelled) == ("ok", 18, 10)
