"""The upstreams the pilot tests serve keep the shapes they were built from."""

from __future__ import annotations

import json

from icalendar import Calendar

from tests.pilot.upstream import ICS_SHAPE, OPARL_SHAPE, Item, ics, oparl


def test_ical_feed_has_the_layout_of_the_municipal_feed() -> None:
    shape = Calendar.from_ical(ICS_SHAPE.read_text(encoding="utf-8"))
    built = Calendar.from_ical(ics([Item("kommun-beslut", "KF fastställer budget 2028",
                                         "2027-11-23", description="för år 2028",
                                         organizer="Umeå")], "Test"))
    [original] = shape.walk("VEVENT")[:1]
    [event] = built.walk("VEVENT")
    assert set(event) - set(original) == {"ORGANIZER"}  # no UID, no DTSTAMP, as upstream
    assert event.decoded("DTSTART").isoformat() == "2027-11-23"
    assert {k for k in built if k != "NAME"} == {k for k in shape if k not in (
        "NAME", "X-PROVENANCE")}


def test_json_api_meetings_have_the_oparl_keys() -> None:
    shape = {k for k in json.loads(OPARL_SHAPE.read_text(encoding="utf-8"))
             if not k.startswith("_")}
    listing = oparl([Item("region-moten", "Remiss: regional transportplan", "2027-02-01",
                          "2027-03-26", organizer="RS")], "http://127.0.0.1:1")
    [meeting] = listing["data"]
    assert set(meeting) == shape | {"web"}
    assert meeting["start"] == "2027-02-01T09:00:00+01:00" and not meeting["cancelled"]
    assert meeting["end"] == "2027-03-26T16:00:00+01:00"
    assert set(listing) == {"data", "pagination", "links"}
