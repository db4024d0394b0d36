"""`OccurrenceView` against the components recurring-ical-events itself makes: the same
value for every property, on every golden feed (series with EXDATEs, overrides, all-day
rules, Windows and home-made TZIDs, DURATION instead of DTEND) and on a series edited
THISANDFUTURE (SEQUENCE per occurrence)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import recurring_ical_events
from icalendar import Calendar

from calsync.sdk.ingest.occurrences import OccurrenceView, occurrences_between, reader

ICS = Path(__file__).resolve().parent.parent / "golden" / "ics"
START, END = datetime(2000, 1, 1, tzinfo=UTC), datetime(2040, 1, 1, tzinfo=UTC)

EDITED = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//calsync//test//EN
BEGIN:VEVENT
UID:weekly@test
DTSTAMP:20261101T000000Z
DTSTART;TZID=Europe/Stockholm:20270104T090000
DURATION:PT1H
RRULE:FREQ=WEEKLY;COUNT=6
EXDATE;TZID=Europe/Stockholm:20270111T090000
SUMMARY:Arbetsutskott
CATEGORIES:Kommunal,Sammanträde
END:VEVENT
BEGIN:VEVENT
UID:weekly@test
DTSTAMP:20261101T000000Z
RECURRENCE-ID;RANGE=THISANDFUTURE;TZID=Europe/Stockholm:20270125T090000
DTSTART;TZID=Europe/Stockholm:20270125T100000
DTEND;TZID=Europe/Stockholm:20270125T113000
SEQUENCE:2
SUMMARY:Arbetsutskott (flyttat)
END:VEVENT
END:VCALENDAR
"""


def _texts() -> list[tuple[str, str]]:
    files = sorted(p for p in ICS.glob("*.ics"))
    return [(p.name, p.read_text(encoding="utf-8", errors="replace")) for p in files] + \
        [("edited THISANDFUTURE", EDITED)]


def _query(text: str) -> Any:
    calendars = Calendar.from_ical(text, multiple=True)
    return [recurring_ical_events.of(c, skip_bad_series=True) for c in calendars]


def _as_text(value: Any) -> Any:
    """A property's value for comparison: what it would be written as, and its params."""
    if isinstance(value, list):
        return [_as_text(v) for v in value]
    params = dict(getattr(value, "params", {}) or {})
    to_ical = getattr(value, "to_ical", None)
    return (to_ical() if to_ical else value, params, getattr(value, "dt", None))


@pytest.mark.parametrize(("name", "text"), _texts(), ids=[n for n, _ in _texts()])
def test_views_read_as_the_library_components(name: str, text: str) -> None:
    compared = 0
    for query in _query(text):
        components = list(query.between(START, END))
        views = occurrences_between(query, START, END)
        assert len(views) == len(components)
        for view, component in zip(views, components, strict=True):
            assert isinstance(view, OccurrenceView)
            names = set(component.keys()) | {"DURATION", "RRULE", "RDATE", "EXDATE"}
            for key in names:
                assert (key in view) == (key in component), (name, key)
                assert _as_text(view.get(key)) == _as_text(component.get(key)), (name, key)
                assert _as_text(view.get(key.lower())) == _as_text(component.get(key)), key
            assert view["DTSTART"].dt == component["DTSTART"].dt
            compared += 1
    assert compared, name


def test_the_edited_series_numbers_its_occurrences() -> None:
    [query] = _query(EDITED)
    views = occurrences_between(query, START, END)
    assert [v.get("SEQUENCE") for v in views][-3:] == [2, 2, 2]
    assert "DURATION" not in views[0] and views[0]["DTEND"].dt.hour == 10
    with pytest.raises(KeyError):
        views[0]["RRULE"]


def test_a_query_keeping_recurrence_attributes_gets_the_library_components() -> None:
    calendar = Calendar.from_ical(EDITED)
    query = recurring_ical_events.of(calendar, keep_recurrence_attributes=True)
    found = occurrences_between(query, START, END)
    assert found and not any(isinstance(f, OccurrenceView) for f in found)
    assert "RRULE" in found[0]


_NAMES = ("DTSTART", "DTEND", "DURATION", "SUMMARY", "DESCRIPTION", "LOCATION", "URL", "UID",
          "STATUS", "SEQUENCE", "RECURRENCE-ID", "CATEGORIES", "ORGANIZER", "RRULE",
          "X-MICROSOFT-CDO-ALLDAYEVENT", "NOT-THERE")


@pytest.mark.parametrize(("name", "text"), _texts(), ids=[n for n, _ in _texts()])
def test_reader_finds_what_get_finds(name: str, text: str) -> None:
    """`reader` skips icalendar's case folding: on every component of every golden feed
    (whatever case its producer wrote) and every property's parameters it must answer
    exactly what `.get` answers, for the names mapping reads and every name present."""
    read = 0
    for calendar in Calendar.from_ical(text, multiple=True):
        for component in calendar.walk():
            get = reader(component)
            for key in {*_NAMES, *component.keys()}:
                assert get(key) is component.get(key), (name, key)
                assert get(key, "d") is component.get(key, "d"), (name, key)
                for value in component.get(key) if isinstance(component.get(key), list) \
                        else [component.get(key)]:
                    params = getattr(value, "params", None)
                    if params is not None:
                        for param in {"TZID", "CN", "VALUE", *params.keys()}:
                            assert reader(params)(param) is params.get(param), (name, param)
                read += 1
    assert read, name


def test_reader_folds_nothing_it_is_not_given_upper_case() -> None:
    """The contract it relies on: icalendar stores a lower-case producer's names
    upper-cased, and anything that is not one of its dicts keeps its own `get`."""
    component = Calendar.from_ical("BEGIN:VCALENDAR\r\nbegin:vevent\r\nsummary:Hej\r\n"
                                   "dtstart;tzid=Europe/Stockholm:20270104T090000\r\n"
                                   "end:vevent\r\nEND:VCALENDAR\r\n").walk("VEVENT")[0]
    assert reader(component)("SUMMARY") == "Hej"
    assert reader(component["DTSTART"].params)("TZID") == "Europe/Stockholm"
    plain = {"a": 1}
    assert reader(plain)("a") == 1
