"""What a subscriber sees (issue 13): spans as milestones and deadline days, the
subscription window, links to the event's own organisation, RFC hygiene (no zero-length
DTEND, only the VTIMEZONEs used, COLOR per level, Last-Modified on an empty feed) and
ETags that survive the day change. Config -> connector -> sync -> store -> HTTP feed, on
SQLite and PostgreSQL; vobject (strict) and ical.js read the result."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import pytest
import vobject
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from calsync.clock import FixedClock
from calsync.runtime import Runtime
from calsync.web.app import create_app
from tests.feeds.test_real_clients import icaljs
from tests.web.conftest import CONFIG, REGION, TOWN, Project
from tests.web.test_feeds_http import props, vevents

EXTRA_FEEDS = """
  full:
    title: Everything, spans in full
    spans: full
    window: null
organisations:
  Umeå kommun:
    url: https://www.umea.se/kommunochpolitik.html
    pages: {budget: "https://www.umea.se/budget.html"}
"""

MORE_TOWN: list[dict[str, Any]] = [
    {"id": "period", "title": "Strategy period 2026-2027", "start": "2026-01-01",
     "end": "2028-01-01", "attrs": {"precision": "exact", "cycle": "kommun.strategy"}},
    {"id": "window", "title": "Budget adopted (by 30 November)", "start": "2026-10-01",
     "end": "2026-12-01", "url": "https://www.ystad.se/budget/",
     "attrs": {"precision": "no_later_than", "cycle": "kommun.budget", "category": "budget"}},
    {"id": "zero", "title": "Deadline at ten", "start": "2027-01-10T10:00:00+01:00",
     "end": "2027-01-10T10:00:00+01:00"},
    {"id": "far", "title": "Far ahead", "start": "2031-05-04"},
    {"id": "old", "title": "Long ago", "start": "2024-05-06"},
]
BRUSSELS = {"id": "bxl", "title": "Working party", "start": "2027-03-02T10:00:00+01:00",
            "end": "2027-03-02T12:00:00+01:00", "timezone": "Europe/Brussels"}


@pytest.fixture
def proj(write_config: Callable[..., Path], make_runtime: Callable[..., Runtime],
         engine: Engine, clock: FixedClock) -> Iterator[Project]:
    path = write_config(CONFIG.replace("${CALSYNC_TEST_ADMIN}", "a" * 32)
                        .replace("${CALSYNC_TEST_SYNCER}", "b" * 32) + EXTRA_FEEDS)
    runtime = make_runtime(path, engine)
    project = Project(path.parent, runtime, TestClient(create_app(runtime)), clock)
    project.write(TOWN + MORE_TOWN, [*REGION, BRUSSELS])
    assert all(r.outcome == "ok" for r in project.sync())
    with project.client:
        yield project


def _by_summary(body: str) -> dict[str, str]:
    return {props(e, "SUMMARY")[0]: e for e in vevents(body)}


def test_long_spans_are_milestones_and_deadline_days(proj: Project) -> None:
    events = _by_summary(proj.client.get("/feeds/municipal.ics").text)
    start, end = events["Starts: Strategy period 2026-2027"], events[
        "Ends: Strategy period 2026-2027"]
    assert props(start, "DTSTART") == ["20260101"] and props(start, "DTEND") == ["20260102"]
    assert props(end, "DTSTART") == ["20271231"] and props(end, "DTEND") == ["20280101"]
    assert "Period: 1 January 2026 to 31 December 2027." in props(start, "DESCRIPTION")[0]
    uid = props(start, "UID")[0]
    assert uid.endswith("-start@calsync") and props(end, "UID") == [
        uid.replace("-start@", "-end@")]
    deadline = events["Budget adopted (by 30 November)"]
    assert props(deadline, "DTSTART") == ["20261130"]
    assert "Window: 1 October 2026 to 30 November 2026" in props(deadline, "DESCRIPTION")[0]
    assert "Budget week" in events  # six days: short enough to stay a span
    full = _by_summary(proj.client.get("/feeds/full.ics").text)
    assert props(full["Strategy period 2026-2027"], "DTEND") == ["20280101"]
    asked = _by_summary(proj.client.get("/feeds/municipal.ics?spans=full").text)
    assert "Strategy period 2026-2027" in asked
    assert proj.client.get("/feeds/municipal.ics?spans=banner").status_code == 422
    api = proj.client.get("/api/events", params={"q": "Strategy period"}).json()
    assert [(e["start"], e["end"]) for e in api["items"]] == [("2026-01-01", "2028-01-01")]


def test_subscription_window_with_from_and_to(proj: Project) -> None:
    default = _by_summary(proj.client.get("/feeds/municipal.ics").text)
    assert "Far ahead" not in default and "Long ago" not in default  # P1Y back, P3Y ahead
    assert "Kommunfullmäktige" in default
    wide = _by_summary(proj.client.get("/feeds/municipal.ics?from=2024-01-01&to=2031-12-31")
                       .text)
    assert {"Far ahead", "Long ago"} <= set(wide)
    narrow = _by_summary(proj.client.get("/feeds/municipal.ics?from=2027-06-01&to=2027-06-30")
                         .text)
    assert "Kommunfullmäktige" in narrow and "Deadline at ten" not in narrow
    assert proj.client.get("/feeds/municipal.ics?from=soon").status_code == 422
    assert "Far ahead" in _by_summary(proj.client.get("/feeds/full.ics").text)  # window: null
    titles = {e["title"] for e in proj.client.get("/api/events?limit=100").json()["items"]}
    assert {"Far ahead", "Long ago"} <= titles  # the API keeps the full history


def test_links_belong_to_the_events_organisation(proj: Project) -> None:
    events = _by_summary(proj.client.get("/feeds/municipal.ics?spans=full").text)
    budget = events["Budget adopted (by 30 November)"]
    assert props(budget, "URL") == ["https://www.umea.se/kommunochpolitik.html"]
    assert "Source: https://www.ystad.se/budget/" in props(budget, "DESCRIPTION")[0]
    region = _by_summary(proj.client.get("/feeds/all.ics").text)["Working party"]
    assert props(region, "URL")[0].startswith("https://cal.example.org/events/")


def test_rfc_hygiene(proj: Project) -> None:
    body = proj.client.get("/feeds/all.ics").text
    zero = _by_summary(body)["Deadline at ten"]
    assert props(zero, "DTSTART") == ["20270110T100000"] and not props(zero, "DTEND")
    assert props(_by_summary(body)["Working party"], "COLOR") == ["seagreen"]
    assert props(zero, "COLOR") == ["mediumvioletred"]
    assert set(props(body, "TZID")) == {"Europe/Brussels", "Europe/Stockholm"}
    kommun = proj.client.get("/feeds/kommun.ics").text  # selected by actor glob
    assert props(kommun, "TZID") == ["Europe/Stockholm"]
    empty = proj.client.get("/feeds/all.ics?kind=election")
    assert not vevents(empty.text) and "last-modified" in empty.headers
    assert "LAST-MODIFIED" in empty.text.split("BEGIN:VTIMEZONE")[0]


def test_unchanged_body_keeps_its_etag_across_days(proj: Project) -> None:
    first = proj.client.get("/feeds/municipal.ics")
    proj.clock.advance(timedelta(days=1))
    second = proj.client.get("/feeds/municipal.ics",
                             headers={"If-None-Match": first.headers["etag"]})
    assert second.status_code == 304 and second.headers["etag"] == first.headers["etag"]
    assert second.headers["last-modified"] == first.headers["last-modified"]
    proj.clock.advance(timedelta(days=800))  # "Far ahead" enters the window
    third = proj.client.get("/feeds/municipal.ics",
                            headers={"If-None-Match": first.headers["etag"]})
    assert third.status_code == 200 and "Far ahead" in third.text
    # Nothing was updated, yet the body changed: Last-Modified moves with the window, so
    # a client that only sends If-Modified-Since gets the new body too.
    since = proj.client.get("/feeds/municipal.ics",
                            headers={"If-Modified-Since": first.headers["last-modified"]})
    assert since.status_code == 200
    moved = parsedate_to_datetime(third.headers["last-modified"])
    assert parsedate_to_datetime(first.headers["last-modified"]) < moved <= \
        proj.clock.now()


def test_real_clients_read_milestones_zero_length_events_and_colours(
        proj: Project, tmp_path: Path) -> None:
    body = proj.client.get("/feeds/all.ics").text
    calendar = vobject.readOne(body, validate=True)
    assert calendar.validate(raiseException=True)
    feed = tmp_path / "all.ics"
    feed.write_text(body, encoding="utf-8", newline="")
    seen = {e["summary"]: e for e in icaljs(feed)["events"]}
    assert len(seen) == len(vevents(body))
    assert seen["Ends: Strategy period 2026-2027"]["start"] == {"date": "2027-12-31",
                                                                "zone": None}
    assert seen["Deadline at ten"]["end"] is None
    assert sorted(icaljs(feed)["timezones"]) == ["Europe/Brussels", "Europe/Stockholm"]
