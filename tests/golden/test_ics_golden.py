"""Real-world iCalendar files (`tests/golden/ics/`, copied from `../shared/fixtures/ics/` with
the provenance README, so CI needs nothing beside the repository) through
the `ical` connector: expected event counts and instants, checked by hand against each
file (noted per case). A wide horizon (2000–2040) keeps old fixtures in view; infinite
rules are cut by the horizon or by `max_occurrences`."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from calsync.clock import FixedClock
from calsync.config import load_config
from calsync.errors import FeedParseError
from calsync.model import EventData, Status
from calsync.runtime import build_connectors
from calsync.sdk.contract import Bookmark, FetchContext, Horizon, Snapshot
from calsync.sdk.http import make_client
from tests.conftest import NOW

ICS = Path(__file__).resolve().parent / "ics"
HORIZON = Horizon(datetime(2000, 1, 1, tzinfo=UTC), datetime(2040, 1, 1, tzinfo=UTC))


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


# file -> (event count, {external_uid: (start, end)} for the events checked one by one)
GOLDEN: dict[str, tuple[int, dict[str, tuple[Any, Any]]]] = {
    # DTSTART;TZID=UTC+11 23:00, defined only by the file's VTIMEZONE (+11:00).
    "icalendar__bad-tzid-utc-plus-11.ics": (1, {
        "1961094_636238800000000000": (utc(2017, 2, 28, 12, 0), utc(2017, 2, 28, 12, 30))}),
    # Plain UTC times; X-WR-TIMEZONE (London) differs from the VTIMEZONE (Berlin).
    "icalendar__google-utc-events-valarms.ics": (1, {
        "79fs7pkqvht9m5igs0vjv1sfra@google.com": (utc(2024, 10, 4, 18, 15),
                                                   utc(2024, 10, 4, 19, 0))}),
    # Two all-day biweekly series from 2024-07-01, EXDATE 07-15 given as a GMT Standard
    # Time DATE-TIME, UNTIL 2024-07-28T23:00Z = 07-29 00:00 London: 07-01 and 07-29 each;
    # plus one timed event, 18:30 "GMT Standard Time" (BST, UTC+1) = 17:30 UTC.
    "icalendar__outlook-exchange-windows-tzid-allday.ics": (5, {
        "111/20240701": (date(2024, 7, 1), date(2024, 7, 8)),
        "111/20240729": (date(2024, 7, 29), date(2024, 8, 5)),
        "040000008200E00074C5B7101A82E00800000000EF8046288216DB01000000000000000010000000"
        "0D748168D60A25439FA3E76297E80CB0": (utc(2024, 10, 4, 17, 30), utc(2024, 10, 4, 18))}),
    # Daily 03:00Z, COUNT=4 from 06-09, EXDATE;VALUE=DATE 06-11 removes the 11th.
    "icaljs__exdate-date-vs-utc-datetime.ics": (3, {
        "123/20240609T030000Z": (utc(2024, 6, 9, 3), utc(2024, 6, 9, 3)),
        "123/20240612T030000Z": (utc(2024, 6, 12, 3), utc(2024, 6, 12, 3))}),
    # All-day MO–FR from 2012-08-03, infinite: capped at max_occurrences (5000) in the
    # 40-year horizon; the first is Friday 08-03, the next Monday 08-06.
    "icaljs__google-allday-weekday-rrule.ics": (5000, {
        "4pfh824gvims850j0gar361t04@google.com/20120803": (date(2012, 8, 3), date(2012, 8, 4)),
        "4pfh824gvims850j0gar361t04@google.com/20120806": (date(2012, 8, 6), date(2012, 8, 7))}),
    # Weekly TU 16:15 Berlin from 2019-10-15 UNTIL 2020-02-04T15:14:59Z: 16 dates, nine
    # EXDATEs (UTC, folded comma list) leave 7; DURATION 1h30.
    "rie__davx5-ical4j-exdate-list-full-vtimezone.ics": (7, {
        "f0f31ddb-6918-46af-a5a1-0a7254fbce71/20191029T151500Z": (utc(2019, 10, 29, 15, 15),
                                                                  utc(2019, 10, 29, 16, 45)),
        "f0f31ddb-6918-46af-a5a1-0a7254fbce71/20200128T151500Z": (utc(2020, 1, 28, 15, 15),
                                                                  utc(2020, 1, 28, 16, 45))}),
    # Last Friday monthly 21:30 Berlin from 2021-11-26; the 2021-12-31 occurrence moved to
    # 12-17 (override listed before its master) and keeps its identity. 2021-11 .. 2039-12
    # is 218 months.
    "rie__google-moved-occurrence-recurrence-id.ics": (218, {
        "38m812jicsrer5gorh3mlp7qhc@google.com/20211126T203000Z": (
            utc(2021, 11, 26, 20, 30), utc(2021, 11, 26, 20, 30)),
        "38m812jicsrer5gorh3mlp7qhc@google.com/20211231T203000Z": (
            utc(2021, 12, 17, 20, 30), utc(2021, 12, 17, 20, 30))}),
    # Yearly 08-01 19:00 Los Angeles from 2014, EXDATE 2016, the 2014 one moved to 18:30:
    # 2014..2039 is 26 years, less 2016.
    "rie__google-yearly-exdate-override-valarm.ics": (25, {
        "aogpprh4bolu8ckmop49ca6404@google.com/20140802T020000Z": (utc(2014, 8, 2, 1, 30),
                                                                   utc(2014, 8, 2, 2, 30)),
        "aogpprh4bolu8ckmop49ca6404@google.com/20150802T020000Z": (utc(2015, 8, 2, 2),
                                                                   utc(2015, 8, 2, 3))}),
    # Weekly COUNT=8 00:30 Berlin from 2019-03-04; two EXDATEs in UTC: 6 remain; the
    # 2019-04-01 one is after the switch to summer time (22:30Z).
    "rie__nextcloud-sabre-exdate-utc.ics": (6, {
        "SX2CURHKFTKKFFU3VUD7K/20190303T233000Z": (utc(2019, 3, 3, 23, 30),
                                                   utc(2019, 3, 4, 0, 0)),
        "SX2CURHKFTKKFFU3VUD7K/20190331T223000Z": (utc(2019, 3, 31, 22, 30),
                                                   utc(2019, 3, 31, 23, 0))}),
    # No UID: DTSTART plus 12 RDATEs, the first equal to DTSTART: 12 occurrences.
    "rie__rdate-data-ical-no-uid.ics": (12, {}),
    # Daily COUNT=3 22:00 Berlin; the middle one STATUS:CANCELLED (kept, as cancelled).
    "rie__thunderbird-cancelled-occurrence.ics": (3, {
        "b65c2b5b-b785-4edc-9560-e0379036d1f2/20200129T210000Z": (utc(2020, 1, 29, 21),
                                                                  utc(2020, 1, 29, 22))}),
    # Floating 21:00 with X-WR-TIMEZONE Europe/Brussels (summer time): 19:00 UTC.
    "rie__x-wr-timezone-floating.ics": (1, {
        "match_1025179": (utc(2021, 9, 16, 19), utc(2021, 9, 16, 20, 45))}),
    # Three all-day events, no UID, no DTSTAMP, no DTEND (one day each).
    "simrishamn_budgetprocess_excerpt.ics": (3, {}),
}


def events_of(path: Path, tmp_path: Path, name: str = "golden") -> list[EventData]:
    config = tmp_path / "config.yaml"
    config.write_text(f"connectors:\n  {name}:\n    type: ical\n    level: municipal\n"
                      f"    actor: Test\n    kind: meeting\n    path: {path}\n",
                      encoding="utf-8")
    [connector] = build_connectors(load_config(config)).values()

    async def fetch() -> Any:
        async with make_client() as http:
            return await connector.fetch(FetchContext(http, FixedClock(NOW), Bookmark(),
                                                      HORIZON))

    snapshot = asyncio.run(fetch())
    assert isinstance(snapshot, Snapshot)
    return [e for r in snapshot.records for e in connector.to_events(r, HORIZON)]


def test_every_fixture_has_a_golden_case() -> None:
    assert {p.name for p in ICS.glob("*.ics")} == set(GOLDEN)


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_golden_counts_and_instants(name: str, tmp_path: Path) -> None:
    count, expected = GOLDEN[name]
    found = events_of(ICS / name, tmp_path)
    assert len(found) == count
    by_uid = {e.external_uid: e for e in found}
    assert len(by_uid) == count, "external ids must be unique"
    for uid, (start, end) in expected.items():
        event = by_uid[uid]
        got = (event.start_utc, event.end_utc) if isinstance(start, datetime) \
            else (event.start, event.end)
        assert got == (start, end), uid


def test_cancelled_occurrence_is_kept_as_cancelled(tmp_path: Path) -> None:
    found = events_of(ICS / "rie__thunderbird-cancelled-occurrence.ics", tmp_path)
    assert [e.status for e in sorted(found, key=lambda e: e.start_utc)] == [
        Status.CONFIRMED, Status.CANCELLED, Status.CONFIRMED]


def test_display_zones_are_iana_names(tmp_path: Path) -> None:
    zones = {name: {e.timezone for e in events_of(ICS / name, tmp_path)} for name in (
        "icalendar__bad-tzid-utc-plus-11.ics", "rie__x-wr-timezone-floating.ics",
        "icalendar__google-utc-events-valarms.ics")}
    assert zones == {"icalendar__bad-tzid-utc-plus-11.ics": {"Etc/GMT-11"},
                     "rie__x-wr-timezone-floating.ics": {"Europe/Brussels"},
                     "icalendar__google-utc-events-valarms.ics": {"Europe/London"}}


def test_missing_uids_are_derived_stably(tmp_path: Path) -> None:
    path = ICS / "simrishamn_budgetprocess_excerpt.ics"
    first = [e.external_uid for e in events_of(path, tmp_path)]
    again = [e.external_uid for e in events_of(path, tmp_path)]
    other = [e.external_uid for e in events_of(path, tmp_path, name="another")]
    assert first == again and len(set(first)) == 3
    assert all(uid.startswith("derived-") for uid in first)
    assert set(first).isdisjoint(other)  # the source is part of a derived id
    rdate = events_of(ICS / "rie__rdate-data-ical-no-uid.ics", tmp_path)
    assert len({e.external_uid.split("/")[0] for e in rdate}) == 1  # one series


def test_multiple_calendars_in_one_file(tmp_path: Path) -> None:
    two = tmp_path / "two.ics"
    two.write_text((ICS / "rie__x-wr-timezone-floating.ics").read_text() + "\n" +
                   (ICS / "simrishamn_budgetprocess_excerpt.ics").read_text(),
                   encoding="utf-8")
    found = events_of(two, tmp_path)
    assert len(found) == 4
    floating = next(e for e in found if e.external_uid == "match_1025179")
    assert floating.start_utc == utc(2021, 9, 16, 19)  # its own calendar's X-WR-TIMEZONE
    assert {e.timezone for e in found if e.all_day} == {"Europe/Stockholm"}


@pytest.mark.parametrize(("content", "message"), [
    ("<html><body>Not found</body></html>", "not an iCalendar file"),
    ("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\nDTSTART:2027", "cut off"),
])
def test_unreadable_files_are_a_clear_error(tmp_path: Path, content: str,
                                            message: str) -> None:
    bad = tmp_path / "bad.ics"
    bad.write_text(content, encoding="utf-8")
    with pytest.raises(FeedParseError, match=message) as info:
        events_of(bad, tmp_path)
    assert info.value.connector == "golden"
