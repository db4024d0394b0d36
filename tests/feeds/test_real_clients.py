"""Feeds read by real clients' parsers, not only by the library that wrote them.

- ical.js (Thunderbird's parser, npm; installed into tests/clients by scripts/bootstrap):
  parses the feed, registers its VTIMEZONEs and computes every event's instants; run
  with the process in New York time, so a zone it did not resolve would show.
- vobject in strict mode (`validate=True`, `raiseException=True`), and its tzinfo built
  from our VTIMEZONE must give the same instants as the store.
- vdirsyncer's `http` storage subscribes to the served feed on a real port and syncs it
  into a folder: one item per UID; a second sync copies nothing (byte-stable items); a
  changed event replaces exactly one item.

Each check runs on the feed in both languages (`?lang=sv`, `?lang=en`).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import uvicorn
import vobject

from calsync.web.app import create_app
from calsync.web.server import HttpProtocol
from tests.web.conftest import REGION, TOWN, Project

CLIENTS = Path(__file__).resolve().parents[1] / "clients"
LANGUAGES = pytest.mark.parametrize("lang", ["sv", "en"])
CANCELLED = {"sv": "Inställt: ", "en": "Cancelled: "}
VDIRSYNCER = Path(sys.executable).with_name("vdirsyncer")


def _instant(value: str) -> str:
    return datetime.fromisoformat(value).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def expected(project: Project, feed: str = "/api/events?limit=1000") -> dict[str, Any]:
    return {e["uid"]: e for e in project.client.get(feed).json()["items"]}


def icaljs(path: Path) -> dict[str, Any]:
    node = shutil.which("node")
    assert node, "node is needed for the ical.js check (apt-get install nodejs)"
    assert (CLIENTS / "node_modules" / "ical.js").is_dir(), \
        "ical.js is not installed: run scripts/bootstrap (npm ci in tests/clients)"
    done = subprocess.run([node, str(CLIENTS / "icaljs_read.mjs"), str(path)],
                          capture_output=True, text=True, timeout=60,
                          env={**os.environ, "TZ": "America/New_York"}, check=False)
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


@LANGUAGES
def test_icaljs_reads_every_event_at_the_right_instant(project: Project, tmp_path: Path,
                                                       lang: str) -> None:
    project.write(town=TOWN[1:])  # one cancelled event, kept in the feed
    project.sync()
    feed = tmp_path / "municipal.ics"
    feed.write_bytes(project.client.get(f"/feeds/municipal.ics?lang={lang}").content)
    seen = icaljs(feed)
    assert seen["name"] == "Municipal councils" and seen["refresh"] == "PT2H"
    assert seen["timezones"] == ["Europe/Stockholm"]
    stored = expected(project)
    assert len(seen["events"]) == len(TOWN) == len({e["uid"] for e in seen["events"]})
    for event in seen["events"]:
        truth = stored[event["uid"]]
        assert event["sequence"] == truth["sequence"]
        assert event["status"] == truth["status"].upper()
        if truth["all_day"]:
            assert event["start"] == {"date": truth["start"], "zone": None}
            assert event["end"] == {"date": truth["end"], "zone": None}
        else:
            assert event["start"] == {"utc": _instant(truth["start"]),
                                      "zone": "Europe/Stockholm"}
            assert event["end"]["utc"] == _instant(truth["end"])
    by_title = {e["summary"]: e for e in seen["events"]}
    assert by_title["ERDF co-financing decision due"]["alarms"] == ["-P7D", "-P1D"]
    assert by_title[CANCELLED[lang] + TOWN[0]["title"]]["status"] == "CANCELLED"


def test_icaljs_reads_utc_events_and_the_whole_feed(project: Project, tmp_path: Path) -> None:
    feed = tmp_path / "all.ics"
    feed.write_bytes(project.client.get("/feeds/all.ics").content)
    seen = icaljs(feed)
    assert len(seen["events"]) == len(TOWN) + len(REGION)
    online = next(e for e in seen["events"] if e["summary"] == "Online hearing")
    assert online["start"] == {"utc": "2027-02-01T08:00:00.000Z", "zone": "UTC"}


def test_icaljs_resolves_every_zone_through_our_vtimezones(project: Project,
                                                           tmp_path: Path) -> None:
    """Zones with unusual rules: US second-Sunday rules, a 30-minute DST shift, +12:45,
    southern-hemisphere summer time across New Year, Ramadan-dependent Casablanca (no
    BYDAY rule: one observance per change), Tehran (DST abolished in 2022)."""
    zoned = [("America/New_York", "2027-03-14T01:30:00-05:00"),
             # 01:30 happens twice that night; clients disagree on which one a zoned
             # 01:30 means (RFC 5545: the first; ical.js: the second), so both go as UTC
             ("America/New_York", "2027-11-07T01:30:00-04:00"),
             ("America/New_York", "2027-11-07T01:30:00-05:00"),
             ("Australia/Lord_Howe", "2027-01-10T09:00:00+11:00"),
             ("Pacific/Chatham", "2027-07-01T09:00:00+12:45"),
             ("America/Sao_Paulo", "2027-01-05T09:00:00-03:00"),
             ("Africa/Casablanca", "2027-02-20T09:00:00+01:00"),
             ("Asia/Tehran", "2027-06-01T09:00:00+03:30")]
    project.write(region=[
        {"id": f"z{i}", "title": f"{zone} meeting", "start": start,
         "end": datetime.fromisoformat(start).replace(minute=59).isoformat(),
         "timezone": zone} for i, (zone, start) in enumerate(zoned)])
    project.sync()
    feed = tmp_path / "regional.ics"
    feed.write_bytes(project.client.get("/feeds/all.ics?level=regional").content)
    seen = icaljs(feed)
    # and Stockholm, for the regional meeting now kept as cancelled
    assert sorted(seen["timezones"]) == sorted({"Europe/Stockholm", *(z for z, _ in zoned)})
    stored = expected(project, "/api/events?level=regional&status=confirmed")
    assert len(stored) == len(zoned)
    for event in seen["events"]:
        if event["uid"] not in stored:
            continue  # the cancelled regional events from before
        truth = stored[event["uid"]]
        zone = "UTC" if truth["start"].startswith("2027-11-07T01:30") else truth["timezone"]
        assert event["start"] == {"utc": _instant(truth["start"]), "zone": zone}
        assert event["end"]["utc"] == _instant(truth["end"])


@LANGUAGES
def test_vobject_strict_validation_and_its_time_zones(project: Project, lang: str) -> None:
    body = project.client.get(f"/feeds/all.ics?lang={lang}").text
    calendar = vobject.readOne(body, validate=True)
    assert calendar.validate(raiseException=True)
    stored = expected(project)
    events = calendar.vevent_list
    assert len(events) == len(TOWN) + len(REGION)
    for event in events:
        truth = stored[event.uid.value]
        start = event.dtstart.value
        if truth["all_day"]:
            assert type(start) is date and start.isoformat() == truth["start"]
            assert event.dtend.value.isoformat() == truth["end"]
        else:
            assert start.tzinfo is not None
            assert start.astimezone(UTC) == datetime.fromisoformat(truth["start"])
            assert event.dtend.value.astimezone(UTC) == datetime.fromisoformat(truth["end"])


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def live_url(project: Project) -> Iterator[str]:
    """The app served by uvicorn on a free port of 127.0.0.1, as a client sees it."""
    port = _free_port()
    # the HTTP protocol `calsync serve` runs (calsync.web.server)
    server = uvicorn.Server(uvicorn.Config(create_app(project.runtime), host="127.0.0.1",
                                           port=port, log_level="warning", lifespan="off",
                                           http=HttpProtocol))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def _vdirsyncer(config: Path, *args: str) -> str:
    done = subprocess.run([str(VDIRSYNCER), "-c", str(config), *args], input="y\n",
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


def _items(folder: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.ics"))}


@LANGUAGES
def test_vdirsyncer_subscribes_one_item_per_uid(project: Project, live_url: str,
                                                tmp_path: Path, lang: str) -> None:
    assert VDIRSYNCER.exists(), "vdirsyncer is not installed: run scripts/bootstrap"
    local = tmp_path / "calendar"
    local.mkdir()
    config = tmp_path / "vdirsyncer.conf"
    config.write_text(f"""
[general]
status_path = "{tmp_path / 'status'}/"

[pair subscription]
a = "feed"
b = "folder"
collections = null
conflict_resolution = "a wins"

[storage feed]
type = "http"
url = "{live_url}/feeds/all.ics?lang={lang}"

[storage folder]
type = "filesystem"
path = "{local}/"
fileext = ".ics"
""", encoding="utf-8")
    _vdirsyncer(config, "discover", "subscription")
    out = _vdirsyncer(config, "sync", "subscription")
    assert out.count("Copying (uploading) item") == len(TOWN) + len(REGION), out
    first = _items(local)
    assert len(first) == len(TOWN) + len(REGION)
    for text in first.values():
        assert text.count("BEGIN:VEVENT") == 1
    # vdirsyncer inlines the VTIMEZONE each item needs
    hearing = next(t for t in first.values() if "Kommunfullmäktige" in t)
    assert "BEGIN:VTIMEZONE" in hearing and "TZID:Europe/Stockholm" in hearing
    # nothing changed: a second sync copies nothing
    out = _vdirsyncer(config, "sync", "subscription")
    assert "Copying" not in out and "Deleting" not in out, out
    assert _items(local) == first
    # one event moves: exactly one item is replaced
    moved = [dict(e) for e in TOWN]
    moved[1]["start"], moved[1]["end"] = "2027-06-16T13:00:00+02:00", "2027-06-16T18:00:00+02:00"
    project.write(town=moved)
    project.sync()
    out = _vdirsyncer(config, "sync", "subscription")
    assert out.count("Copying (uploading) item") == 1, out
    assert out.count("Deleting item") == 1, out
    second = _items(local)
    assert len(second) == len(first)
    assert len(set(second) - set(first)) == 1
    new = second[next(iter(set(second) - set(first)))]
    assert "DTSTART;TZID=Europe/Stockholm:20270616T130000" in new and "SEQUENCE:1" in new
