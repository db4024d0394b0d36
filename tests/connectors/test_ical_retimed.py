"""A recurring series whose time of day changes upstream keeps its occurrences' UIDs.

Through the real path: config -> `ical` connector (a local file) -> sync -> store -> feed.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from calsync.clock import FixedClock
from calsync.config import load_config
from calsync.feeds.ics import CalendarMeta, render_calendar
from calsync.model import EventData
from calsync.runtime import Runtime
from calsync.store.events import list_events
from calsync.sync import SyncReport
from calsync.sync.series import pair_retimed

SERIES = """BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//test//retimed//EN\r
BEGIN:VEVENT\r
UID:ks-weekly@umea.se\r
DTSTAMP:20260101T000000Z\r
DTSTART;TZID=Europe/Stockholm:20250602T{time}\r
DURATION:PT1H\r
RRULE:FREQ=WEEKLY;COUNT=119\r
SUMMARY:Kommunstyrelsens arbetsutskott\r
END:VEVENT\r
END:VCALENDAR\r
"""


def _runtime(tmp_path: Path, engine: Engine, clock: FixedClock) -> Runtime:
    path = tmp_path / "config.yaml"
    path.write_text("connectors:\n  umea:\n    type: ical\n    path: series.ics\n"
                    "    level: municipal\n    actor: Umeå kommun\n    kind: meeting\n",
                    encoding="utf-8")
    return Runtime.from_config(load_config(path), clock=clock, engine=engine)


def _sync(rt: Runtime) -> SyncReport:
    [report] = asyncio.run(rt.syncer().sync_many(rt.select_connectors()))
    return report


def test_retimed_series_updates_its_occurrences(tmp_path: Path, engine: Engine,
                                                clock: FixedClock) -> None:
    upstream = tmp_path / "series.ics"
    upstream.write_text(SERIES.format(time="213000"), encoding="utf-8", newline="")
    rt = _runtime(tmp_path, engine, clock)
    assert _sync(rt).added == 119
    with engine.connect() as conn:
        before = sorted(list_events(conn), key=lambda e: e.data.start_utc)

    upstream.write_text(SERIES.format(time="200000"), encoding="utf-8", newline="")
    report = _sync(rt)

    assert (report.outcome, report.added, report.changed, report.cancelled) == \
        ("ok", 0, 119, 0)
    with engine.connect() as conn:
        after = sorted(list_events(conn), key=lambda e: e.data.start_utc)
    assert [e.uid for e in after] == [e.uid for e in before]
    assert {e.sequence for e in after} == {1}
    assert {e.data.start.strftime("%H:%M") for e in after} == {"20:00"}
    assert after[0].external_uid.endswith("/20250602T180000Z")  # the new id is kept
    body = render_calendar(after, CalendarMeta(name="t"), language="en").decode()
    assert body.count("BEGIN:VEVENT") == 119
    assert "Cancelled:" not in body

    assert _sync(rt).outcome in ("ok", "not_modified")  # and the next sync is quiet
    with engine.connect() as conn:
        assert {e.sequence for e in list_events(conn)} == {1}


def test_a_new_occurrence_on_another_day_is_not_taken_for_a_retimed_one(
        tmp_path: Path, engine: Engine, clock: FixedClock) -> None:
    upstream = tmp_path / "series.ics"
    upstream.write_text(SERIES.format(time="213000"), encoding="utf-8", newline="")
    rt = _runtime(tmp_path, engine, clock)
    _sync(rt)
    # The series now starts a day later: other days, so cancellations and additions.
    upstream.write_text(SERIES.format(time="213000").replace("20250602", "20250603"),
                        encoding="utf-8", newline="")
    report = _sync(rt)
    assert report.outcome == "held"
    assert report.changed == 0


def _occurrence(series: str, start: datetime) -> EventData:
    return EventData(external_uid=f"{series}/{start.astimezone(UTC):%Y%m%dT%H%M%SZ}",
                     title="Möte", start=start, timezone="Europe/Stockholm")


def test_pairs_are_made_by_local_day_and_only_when_unambiguous() -> None:
    zone = ZoneInfo("Europe/Stockholm")
    # 00:30 local is the previous day in UTC: the pair is still found by the local day.
    old = _occurrence("s", datetime(2027, 3, 2, 0, 30, tzinfo=zone))
    new = _occurrence("s", datetime(2027, 3, 2, 1, 30, tzinfo=zone))
    assert old.external_uid.endswith("20270301T233000Z")
    assert pair_retimed([new], [old.external_uid]) == {new.external_uid: old.external_uid}
    # Two new occurrences that day: which one is the old one is a guess, so no pair.
    other = _occurrence("s", datetime(2027, 3, 2, 15, 0, tzinfo=zone))
    assert pair_retimed([new, other], [old.external_uid]) == {}
    # Another series, or an id that is not an occurrence, is never paired.
    assert pair_retimed([_occurrence("t", datetime(2027, 3, 2, 9, 0, tzinfo=zone))],
                        [old.external_uid]) == {}
    assert pair_retimed([new], ["s"]) == {}
