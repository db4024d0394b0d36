"""Bounded work per source (issue 17, item 2): hostile rules never run away, the cap keeps
the occurrences nearest to now, and a sync that reaches a bound keeps the rest."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine

from calsync.clock import FixedClock
from calsync.model import Status
from calsync.sync import SyncReport
from tests.reliability.ingest_support import calendar, runtime, stored, sync_file, vevent


def bounded_sync(folder: Path, engine: Engine, clock: FixedClock, text: str,
                 extra: str = "") -> SyncReport:
    """The sync in a thread, given two minutes: a runaway expansion fails the test
    instead of hanging the suite (before the fix INTERVAL=0 never returned)."""
    result: list[SyncReport] = []
    worker = threading.Thread(target=lambda: result.append(
        sync_file(folder, engine, clock, text, extra)), daemon=True)
    worker.start()
    worker.join(120)
    assert not worker.is_alive(), "the sync did not finish within 120 s"
    [report] = result
    return report


@pytest.mark.parametrize("rule", [
    "FREQ=DAILY;INTERVAL=0", "FREQ=WEEKLY;INTERVAL=-1", "FREQ=SECONDLY",
    "FREQ=MINUTELY;COUNT=2000000", "FREQ=HOURLY;BYMINUTE=0,5,10,15,20,25,30,35,40,45,50,55",
])
def test_hostile_rules_keep_dtstart_and_say_why(rule: str, tmp_path: Path,
                                                sqlite_engine: Engine,
                                                clock: FixedClock) -> None:
    text = calendar(vevent("bomb", "20261201T090000Z", extra=f"RRULE:{rule}"),
                    vevent("plain", "20270110T090000Z"))
    report = bounded_sync(tmp_path, sqlite_engine, clock, text)
    assert (report.outcome, report.added, report.skipped) == ("ok", 2, 1)
    [warning] = report.warnings
    assert "bomb" in warning and "recurrence rule was skipped" in warning
    assert stored(sqlite_engine)["bomb"].data.start_utc == datetime(2026, 12, 1, 9, tzinfo=UTC)


def test_cap_keeps_the_upcoming_occurrences(tmp_path: Path, sqlite_engine: Engine,
                                            clock: FixedClock) -> None:
    text = calendar(vevent("daily", "20200101T090000Z", extra="RRULE:FREQ=DAILY;COUNT=1000000"))
    report = bounded_sync(tmp_path, sqlite_engine, clock, text)
    assert (report.outcome, report.added) == ("ok", 5000)
    assert any("kept the 5000 nearest to now, upcoming first" in w for w in report.warnings)
    starts = sorted(e.data.start_utc for e in stored(sqlite_engine).values())
    now = clock.now()
    assert starts[-1] > datetime(2036, 11, 28, tzinfo=UTC)  # up to the horizon's end
    assert sum(s >= now for s in starts) == 3653  # every upcoming one, 2026-11-30 .. 2036-11-29
    assert starts[0] > now.replace(year=2022)  # the rest: the recent past, not 2021


def test_event_limit_stops_reading_and_keeps_the_rest(tmp_path: Path, sqlite_engine: Engine,
                                                      clock: FixedClock) -> None:
    weekly = [vevent(f"s{i}", "20261201T090000Z", f"Serie {i}", extra="RRULE:FREQ=WEEKLY")
              for i in range(3)]
    first = bounded_sync(tmp_path, sqlite_engine, clock, calendar(*weekly))
    assert (first.outcome, first.added) == ("ok", 3 * 522)
    # Every series changes its title; with max_events 500 only the first is read.
    changed = [w.replace("SUMMARY:Serie", "SUMMARY:Ny serie") for w in weekly]
    report = bounded_sync(tmp_path, sqlite_engine, clock, calendar(*changed),
                          "    max_events: 500\n")
    assert (report.outcome, report.changed, report.cancelled) == ("ok", 522, 0)
    assert any("stopped reading" in w and "max_events" in w for w in report.warnings)
    events = stored(sqlite_engine).values()
    assert all(e.status != Status.CANCELLED for e in events) and len(events) == 3 * 522
    assert {e.title.split(" ")[0] for e in events} == {"Ny", "Serie"}


def test_a_12_kb_feed_of_100_daily_series_is_bounded(tmp_path: Path, sqlite_engine: Engine,
                                                     clock: FixedClock) -> None:
    series = [vevent(f"d{i}", "20261201T090000Z", extra="RRULE:FREQ=DAILY")
              for i in range(100)]
    report = bounded_sync(tmp_path, sqlite_engine, clock, calendar(*series),
                          "    max_events: 10000\n")
    assert report.outcome == "ok"
    assert 10_000 <= report.added < 10_000 + 3653  # stops after the series that crossed it
    assert any("stopped reading" in w for w in report.warnings)


def test_a_local_file_is_bounded_by_max_bytes(tmp_path: Path, sqlite_engine: Engine,
                                              clock: FixedClock) -> None:
    """`max_bytes` bounded only HTTP bodies: a `path:` file was read whole, whatever its
    size (a path of /dev/zero never finished)."""
    text = calendar(*[vevent(f"e{i}", "20270110T090000Z") for i in range(20)])
    assert sync_file(tmp_path, sqlite_engine, clock, text).added == 20
    report = bounded_sync(tmp_path, sqlite_engine, clock, text + " " * 2000,
                          "    max_bytes: 2000\n")
    assert report.outcome == "failed" and "limit of 2,000 bytes" in (report.error or "")
    assert len(stored(sqlite_engine)) == 20  # the last good data stays
    zero = runtime(tmp_path, sqlite_engine, clock, "path: /dev/zero", "    max_bytes: 4096\n")
    [endless] = asyncio.run(zero.syncer().sync_many(zero.select_connectors()))
    assert endless.outcome == "failed" and "max_bytes" in (endless.error or "")


def test_a_rule_nested_in_a_broken_vevent_is_screened_too(tmp_path: Path, sqlite_engine: Engine,
                                                          clock: FixedClock) -> None:
    """Found by `scripts/fuzz` (10,000 mutated calendars): a VEVENT whose END line was
    mangled holds the next one, whose `FREQ=MINUTELY;COUNT=9999999` only the first
    component's rules were screened against; one feed took 7 minutes."""
    text = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20260320\r\n"
            "SUMMARY:Budgetskrivelse\r\nEND:\r\nRRULE:FREQ=DAILY;INTERVAL=0\r\n\r\n"
            "BEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20260615\r\nSUMMARY:KF beslutar\r\n"
            "RRULE:FREQ=MINUTELY;COUNT=9999999\r\nEND:VEVENT\r\n\r\n"
            "BEGIN:VEVENT\r\nUID:kf\r\nDTSTART;VALUE=DATE:20261026\r\nSUMMARY:KF skattesats\r\n"
            "END:VEVENT\r\nEND:VCALENDAR\r\n")
    report = bounded_sync(tmp_path, sqlite_engine, clock, text)
    assert report.outcome == "ok" and "kf" in stored(sqlite_engine)
    assert any("too dense" in w for w in report.warnings), report.warnings
