"""No silent losses on ingest (issue 17 items 3–5 and 11, issue 13): every case here lost
or mangled data before, with the sync saying "ok"."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine

from calsync.clock import FixedClock
from calsync.model import Status
from calsync.store.sources import recent_sync_runs
from tests.reliability.ingest_support import calendar, runtime, stored, sync_file, vevent
from tests.reliability.upstream import Answer, Upstream


def test_unreadable_records_keep_their_stored_events(tmp_path: Path, sqlite_engine: Engine,
                                                     clock: FixedClock) -> None:
    good = [vevent(f"m{i}", f"202701{i % 28 + 1:02d}T090000Z") for i in range(60)]
    assert sync_file(tmp_path, sqlite_engine, clock, calendar(*good)).added == 60
    broken = [b.replace("DTSTART:2027", "DTSTART:2027-13-") if i < 10 else b
              for i, b in enumerate(good)]
    report = sync_file(tmp_path, sqlite_engine, clock, calendar(*broken))
    assert (report.outcome, report.cancelled, report.skipped) == ("ok", 0, 10)
    assert report.warnings and "m0" in report.warnings[0]
    events = stored(sqlite_engine)
    assert len(events) == 60 and all(e.status != Status.CANCELLED for e in events.values())


def test_broken_rrule_keeps_dtstart_and_is_reported(tmp_path: Path, sqlite_engine: Engine,
                                                    clock: FixedClock) -> None:
    text = calendar(vevent("ks", "20261215T090000Z", extra="RRULE:FREQ=MONTHLY;UNTL=20271231"))
    report = sync_file(tmp_path, sqlite_engine, clock, text)
    assert (report.outcome, report.added, report.skipped) == ("ok", 1, 1)
    assert "UNTL" in report.warnings[0] and "kept as one event" in report.warnings[0]
    assert list(stored(sqlite_engine)) == ["ks"]


def test_duplicate_uids_keep_the_newest_copy(tmp_path: Path, sqlite_engine: Engine,
                                             clock: FixedClock) -> None:
    old = vevent("kf", summary="Gammal", extra="SEQUENCE:1")
    new = vevent("kf", summary="Ny", extra="SEQUENCE:2")
    stamped = vevent("ks", summary="Senare", extra="LAST-MODIFIED:20261120T000000Z")
    report = sync_file(tmp_path, sqlite_engine, clock,
                       calendar(new, vevent("ks", summary="Tidigare")) + calendar(old, stamped))
    assert (report.outcome, report.added, report.skipped) == ("ok", 2, 0)
    assert {u: e.title for u, e in stored(sqlite_engine).items()} == {"kf": "Ny",
                                                                      "ks": "Senare"}


def test_two_dtstarts_keep_the_first(tmp_path: Path, sqlite_engine: Engine,
                                     clock: FixedClock) -> None:
    text = calendar(vevent("two", "20270110T090000Z", extra="DTSTART:20270111T090000Z"))
    report = sync_file(tmp_path, sqlite_engine, clock, text)
    assert (report.outcome, report.added, report.skipped) == ("ok", 1, 0)
    assert stored(sqlite_engine)["two"].data.start_utc == datetime(2027, 1, 10, 9, tzinfo=UTC)


def test_negative_duration_and_backwards_dtend_do_not_shift_occurrences(
        tmp_path: Path, sqlite_engine: Engine, clock: FixedClock) -> None:
    text = calendar(
        vevent("neg", "20261207T090000Z", extra="DURATION:-PT2H\nRRULE:FREQ=WEEKLY;COUNT=3"),
        vevent("back", "20261208T090000Z",
               extra="DTEND:20261208T070000Z\nRRULE:FREQ=WEEKLY;COUNT=3"))
    report = sync_file(tmp_path, sqlite_engine, clock, text)
    assert (report.outcome, report.added) == ("ok", 6)
    for event in stored(sqlite_engine).values():
        assert event.data.start_utc.hour == 9  # not moved two hours back
        assert event.data.end in (None, event.data.start)  # an instant


def test_nul_bytes_and_long_uids_never_block_a_source(tmp_path: Path, engine: Engine,
                                                      clock: FixedClock) -> None:
    """On PostgreSQL one NUL or a 600-character UID failed the whole transaction."""
    events = [vevent(f"e{i}", f"202701{i % 28 + 1:02d}T090000Z") for i in range(49)]
    events.append(vevent("nul", summary="Samman\x00träde"))
    events.append(vevent("x" * 600))
    report = sync_file(tmp_path, engine, clock, calendar(*events))
    assert (report.outcome, report.added) == ("ok", 51), report.error
    kept = stored(engine)
    assert kept["nul"].title == "Sammanträde"
    assert max(len(uid) for uid in kept) <= 500
    again = sync_file(tmp_path, engine, clock, calendar(*events) + " ")  # same ids again
    assert (again.added, again.cancelled) == (0, 0)


def test_latin1_feed_without_charset_is_decoded(tmp_path: Path, sqlite_engine: Engine,
                                                clock: FixedClock) -> None:
    body = calendar(vevent("a", summary="Sammanträde i Åsele")).encode("latin-1")
    with Upstream() as upstream:
        upstream.answers["/cal.ics"] = Answer(body=body,
                                              headers={"Content-Type": "text/calendar"})
        rt = runtime(tmp_path, sqlite_engine, clock, f"url: {upstream.url('/cal.ics')}")
        [report] = asyncio.run(rt.syncer().sync_many(rt.select_connectors()))
    assert report.outcome == "ok"
    assert stored(sqlite_engine)["a"].title == "Sammanträde i Åsele"


def test_relative_urls_resolve_and_javascript_links_are_dropped(
        tmp_path: Path, sqlite_engine: Engine, clock: FixedClock) -> None:
    body = calendar(vevent("rel", extra="URL:/moten/ks-2027.html"),
                    vevent("js", extra="URL:javascript:alert(1)")).encode()
    with Upstream() as upstream:
        upstream.answers["/kalender/cal.ics"] = Answer(
            body=body, headers={"Content-Type": "text/calendar; charset=utf-8"})
        rt = runtime(tmp_path, sqlite_engine, clock,
                     f"url: {upstream.url('/kalender/cal.ics')}")
        asyncio.run(rt.syncer().sync_many(rt.select_connectors()))
        base = upstream.base
    events = stored(sqlite_engine)
    assert events["rel"].data.url == f"{base}/moten/ks-2027.html"
    assert events["js"].data.url is None


ESC = "\x1b[2J\x1b[31mPWNED\x1b]0;t\x07"


def test_skip_reasons_are_words_not_upstream_bytes(tmp_path: Path, sqlite_engine: Engine,
                                                   clock: FixedClock) -> None:
    """The parser's messages quoted a 20 KB DTSTART, whole VEVENT blocks (with their
    newlines, which split one warning into several) and ESC sequences; the reasons are
    stored with the sync and shown on the open /api/sources and in the terminal."""
    text = calendar(vevent("long", "X" * 20_000), vevent("esc" + ESC, "2027" + ESC),
                    vevent("rr", "20270101T090000Z",
                           extra="RRULE:FREQ=DAILY;UNTL=" + "Y" * 5000 + ESC),
                    "BEGIN:VEVENT\r\nUID:nested\r\nBEGIN:VEVENT\r\nDTSTART:20270101\r\n"
                    "SUMMARY:SECRET-BLOCK\r\nEND:VEVENT\r\n",
                    vevent("ok", "20270110T090000Z"))
    report = sync_file(tmp_path, sqlite_engine, clock, text)
    assert report.outcome == "ok" and report.skipped >= 3
    lines = [*report.warnings, *report.skip_reasons]
    joined = "\n".join(lines)
    assert "XXXXXXXXXX" not in joined and "SECRET-BLOCK" not in joined, joined
    assert all(len(line) <= 400 and not any(c < " " for c in line) for line in lines)
    assert "its DTSTART is not a valid value" in joined
    assert "YYYY" * 30 not in joined and "UNTL" in joined  # the rule, quoted shortly
    with sqlite_engine.connect() as conn:
        run = recent_sync_runs(conn, "kommun", limit=1)[0].error
    assert run is not None and "\x1b" not in run and len(run) < 3000
    assert len(run.splitlines()) == len(report.warnings)  # one line per warning
