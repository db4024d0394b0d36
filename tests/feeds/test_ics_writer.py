"""The iCalendar writer's pieces: folding, escaping, and VTIMEZONEs that agree with the
zone database at every instant (read back by dateutil's independent VTIMEZONE parser)."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from dateutil.tz import tzical
from hypothesis import given
from hypothesis import strategies as st

from calsync.feeds.ics import content, escape_text, fold
from calsync.feeds.vtimezone import vtimezone


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n"),
               max_size=400))
def test_fold_respects_octets_and_characters(text: str) -> None:
    line = "DESCRIPTION:" + text
    folded = fold(line)
    assert folded.endswith("\r\n")
    physical = folded[:-2].split("\r\n")
    assert all(len(part.encode()) <= 75 for part in physical)
    assert all(part.startswith(" ") for part in physical[1:])
    assert "".join([physical[0], *(p[1:] for p in physical[1:])]) == line  # unfolds back


def test_escape_text() -> None:
    assert escape_text("a,b;c\\d\ne\r\nf") == "a\\,b\\;c\\\\d\\ne\\nf"


ZONES = ["Europe/Stockholm", "Europe/London", "America/New_York", "America/Sao_Paulo",
         "Australia/Sydney", "Australia/Lord_Howe", "Pacific/Chatham", "Asia/Tokyo",
         "Africa/Casablanca", "America/Santiago", "Asia/Tehran", "UTC"]


@pytest.mark.parametrize("zone", ZONES)
def test_vtimezone_matches_the_zone_database(zone: str) -> None:
    first, last = 2019, 2031
    text = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n" + content(vtimezone(zone, first, last)) + \
        "END:VCALENDAR\r\n"
    parsed = tzical(io.StringIO(text)).get(zone)
    reference = ZoneInfo(zone)
    at = datetime(first, 1, 1, 12, tzinfo=UTC)
    checked = 0
    while at.year <= last:
        expected = at.astimezone(reference)
        local = expected.replace(tzinfo=None)
        got = parsed.utcoffset(local.replace(fold=expected.fold))
        assert got == expected.utcoffset(), (zone, at, got, expected.utcoffset())
        at += timedelta(hours=7, minutes=13)  # drifts across every hour of the day
        checked += 1
    assert checked > 15_000


def test_vtimezone_is_rule_based_where_the_zone_has_rules() -> None:
    lines = vtimezone("Europe/Stockholm", 2025, 2030)
    assert "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU" in lines
    assert "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU" in lines
    assert lines.count("BEGIN:DAYLIGHT") == 1 and lines.count("BEGIN:STANDARD") == 1
    us = vtimezone("America/New_York", 2020, 2030)
    assert "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU" in us
    assert "RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU" in us
    # a rule change closes the old rule with UNTIL and opens the new one
    old = vtimezone("America/New_York", 2005, 2009)
    assert any(line.startswith("RRULE:FREQ=YEARLY;BYMONTH=4;BYDAY=1SU;UNTIL=") for line in old)
    assert vtimezone("Asia/Tokyo", 2020, 2030) == (
        "BEGIN:VTIMEZONE", "TZID:Asia/Tokyo", "BEGIN:STANDARD", "DTSTART:20200101T000000",
        "TZOFFSETFROM:+0900", "TZOFFSETTO:+0900", "TZNAME:JST", "END:STANDARD",
        "END:VTIMEZONE")
