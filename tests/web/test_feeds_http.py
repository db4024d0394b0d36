"""Feeds over HTTP: RFC 5545 shape, validators and 304s, gzip, filters, cancellations,
alarms and private feeds — on SQLite and PostgreSQL."""

from __future__ import annotations

import gzip
import re
from datetime import timedelta

import pytest
from icalendar import Calendar

from calsync.web import feeds as feeds_module
from tests.web.conftest import ADMIN, REGION, TOWN, Project, bearer


def props(body: str, name: str) -> list[str]:
    """Values of every (unfolded) content line called `name`."""
    unfolded = body.replace("\r\n ", "")
    return [line.split(":", 1)[1] for line in unfolded.split("\r\n")
            if re.match(rf"^{name}[;:]", line)]


def vevents(body: str) -> list[str]:
    return re.findall(r"BEGIN:VEVENT\r\n.*?END:VEVENT\r\n", body, flags=re.S)


def test_feed_is_rfc5545_shaped(project: Project) -> None:
    response = project.client.get("/feeds/municipal.ics")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    raw = response.content
    body = raw.decode()
    assert body.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:")
    assert body.endswith("END:VCALENDAR\r\n")
    assert b"\n" not in raw.replace(b"\r\n", b"")  # CRLF only
    assert all(len(line) <= 75 for line in raw.split(b"\r\n"))  # octets
    assert "METHOD" not in props(body, "METHOD") and not props(body, "METHOD")
    assert props(body, "NAME") == ["Municipal councils"]
    assert props(body, "X-WR-CALNAME") == ["Municipal councils"]
    assert props(body, "X-WR-CALDESC") == ["Council meetings and deadlines\\; budget\\, "
                                           "co-financing."]
    assert props(body, "REFRESH-INTERVAL") == ["PT2H"] and props(body, "X-PUBLISHED-TTL") == [
        "PT2H"]
    assert props(body, "X-APPLE-CALENDAR-COLOR") == ["#8b3a62"]
    assert "SOURCE;VALUE=URI:https://cal.example.org/feeds/municipal.ics" in body
    events = vevents(body)
    assert len(events) == len(TOWN)
    for event in events:
        assert props(event, "DTSTAMP") == props(event, "LAST-MODIFIED")
        assert props(event, "URL")[0].startswith("https://cal.example.org/events/")
    # every TZID has a VTIMEZONE, rule-based
    tzids = set(re.findall(r"TZID=([^:;]+)", body))
    assert tzids == {"Europe/Stockholm"}
    assert props(body, "TZID") == ["Europe/Stockholm"]
    assert "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU" in body
    assert "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU" in body
    assert "DTSTART;TZID=Europe/Stockholm:20261214T090000" in body
    # all-day: DATE with an exclusive end
    assert "DTSTART;VALUE=DATE:20270331\r\nDTEND;VALUE=DATE:20270401" in body
    assert "DTSTART;VALUE=DATE:20271004\r\nDTEND;VALUE=DATE:20271009" in body
    # the writer's own library agrees
    calendar = Calendar.from_ical(raw)
    assert len(calendar.walk("VEVENT")) == len(TOWN)


def test_utc_events_need_no_vtimezone(project: Project) -> None:
    body = project.client.get("/feeds/secret.ics")
    assert body.status_code == 404  # private: not at the public address
    body = project.client.get("/feeds/all.ics?level=regional").text
    assert "DTSTART:20270201T080000Z" in body
    assert props(body, "TZID") == ["Europe/Stockholm"]  # only the Stockholm event needs one


def test_deadlines_carry_configured_alarms(project: Project) -> None:
    body = project.client.get("/feeds/municipal.ics").text
    deadline = next(e for e in vevents(body) if "ERDF" in e)
    assert props(deadline, "TRIGGER") == ["-P7D", "-P1D"]
    assert "ACTION:DISPLAY" in deadline
    others = [e for e in vevents(body) if "ERDF" not in e]
    assert all("VALARM" not in e for e in others)
    assert "VALARM" not in project.client.get("/feeds/all.ics").text  # not configured there


def test_etag_last_modified_and_304(project: Project) -> None:
    client = project.client
    first = client.get("/feeds/municipal.ics")
    again = client.get("/feeds/municipal.ics")
    assert first.content == again.content  # byte-stable
    etag = first.headers["etag"]
    assert re.fullmatch(r'"[0-9a-f]{32}(\.gz)?"', etag)  # strong, per representation
    assert first.headers["last-modified"] == "Sun, 29 Nov 2026 12:00:00 GMT"
    not_modified = client.get("/feeds/municipal.ics", headers={"If-None-Match": etag})
    assert not_modified.status_code == 304 and not_modified.content == b""
    assert not_modified.headers["etag"] == etag
    by_date = client.get("/feeds/municipal.ics",
                         headers={"If-Modified-Since": first.headers["last-modified"]})
    assert by_date.status_code == 304
    older = client.get("/feeds/municipal.ics",
                       headers={"If-Modified-Since": "Sat, 28 Nov 2026 12:00:00 GMT"})
    assert older.status_code == 200
    # If-None-Match wins over If-Modified-Since
    stale = client.get("/feeds/municipal.ics", headers={
        "If-None-Match": '"0000"', "If-Modified-Since": first.headers["last-modified"]})
    assert stale.status_code == 200
    # other feeds have other validators
    assert client.get("/feeds/all.ics").headers["etag"] != etag


def test_change_bumps_sequence_keeps_uid_and_etag_moves(project: Project) -> None:
    client = project.client
    before = client.get("/feeds/municipal.ics")
    moved = [dict(e) for e in TOWN]
    moved[1]["start"], moved[1]["end"] = "2027-06-15T13:00:00+02:00", "2027-06-15T18:00:00+02:00"
    project.clock.advance(timedelta(hours=1))
    project.write(town=moved)
    project.sync()
    after = client.get("/feeds/municipal.ics", headers={"If-None-Match": before.headers["etag"]})
    assert after.status_code == 200 and after.headers["etag"] != before.headers["etag"]
    assert props(before.text, "UID") == props(after.text, "UID")
    old = next(e for e in vevents(before.text) if "Kommunfullmäktige" in e)
    new = next(e for e in vevents(after.text) if "Kommunfullmäktige" in e)
    assert props(old, "SEQUENCE") == ["0"] and props(new, "SEQUENCE") == ["1"]
    assert props(new, "DTSTAMP") == props(new, "LAST-MODIFIED") == ["20261129T130000Z"]
    assert "DTSTART;TZID=Europe/Stockholm:20270615T130000" in new
    # the unchanged events are byte-identical (served from the per-event cache)
    unchanged = [e for e in vevents(before.text) if "Kommunfullmäktige" not in e]
    assert all(e in after.text for e in unchanged)


def test_only_changed_events_are_rendered_again(project: Project) -> None:
    service = project.client.app.state.feeds  # type: ignore[attr-defined]
    project.client.get("/feeds/all.ics")
    rendered = service.cache.misses
    assert rendered == len(TOWN) + len(REGION)
    changed = [dict(e) for e in TOWN]
    changed[0]["title"] = "Kommunstyrelsen: budget 2027 (moved)"
    project.write(town=changed)
    project.sync()
    body = project.client.get("/feeds/all.ics").text
    assert "(moved)" in body
    assert service.cache.misses == rendered + 1


def test_cancelled_events_stay_for_the_retention_then_go(project: Project) -> None:
    client = project.client
    project.write(town=TOWN[1:])  # ks-1 disappears upstream: cancelled, never deleted
    project.sync()
    body = client.get("/feeds/municipal.ics").text
    cancelled = next(e for e in vevents(body) if "Kommunstyrelsen" in e)
    assert "STATUS:CANCELLED" in cancelled and "SUMMARY:Cancelled: Kommunstyrelsen" in cancelled
    assert props(cancelled, "SEQUENCE") == ["1"]
    assert "VALARM" not in cancelled
    project.clock.advance(timedelta(days=9))
    assert "Kommunstyrelsen" in client.get("/feeds/municipal.ics").text
    project.clock.advance(timedelta(days=2))  # past keep_cancelled: P10D
    body = client.get("/feeds/municipal.ics").text
    assert "Kommunstyrelsen" not in body and len(vevents(body)) == len(TOWN) - 1
    # the all feed keeps them for its default 30 days
    assert "Cancelled: Kommunstyrelsen" in client.get("/feeds/all.ics").text


def test_gzip_when_asked(project: Project) -> None:
    client = project.client
    plain = client.get("/feeds/all.ics", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    packed = client.get("/feeds/all.ics", headers={"Accept-Encoding": "gzip, deflate"})
    assert packed.headers["content-encoding"] == "gzip"
    assert packed.headers["vary"] == "Accept-Encoding"
    assert packed.headers["etag"] != plain.headers["etag"]  # a different representation
    assert packed.content == plain.content  # the test client decodes it
    again = client.get("/feeds/all.ics", headers={"Accept-Encoding": "gzip",
                                                  "If-None-Match": packed.headers["etag"]})
    assert again.status_code == 304
    refused = client.get("/feeds/all.ics", headers={"Accept-Encoding": "gzip;q=0"})
    assert "content-encoding" not in refused.headers


def test_large_feeds_stream_the_same_bytes(project: Project,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    whole = project.client.get("/feeds/all.ics", headers={"Accept-Encoding": "identity"})
    monkeypatch.setattr(feeds_module, "WHOLE_BODY_EVENTS", 1)
    project.client.app.state.feeds._bodies.clear()  # type: ignore[attr-defined]
    streamed = project.client.get("/feeds/all.ics", headers={"Accept-Encoding": "identity"})
    assert "content-length" not in streamed.headers  # chunked
    assert streamed.content == whole.content
    assert streamed.headers["etag"] == whole.headers["etag"]
    with project.client.stream("GET", "/feeds/all.ics",
                               headers={"Accept-Encoding": "gzip"}) as response:
        raw = b"".join(response.iter_raw())
    assert gzip.decompress(raw) == whole.content


def test_adhoc_filters(project: Project) -> None:
    client = project.client
    regional = client.get("/feeds/all.ics?level=regional").text
    assert len(vevents(regional)) == len(REGION)
    both = client.get("/feeds/all.ics?level=regional,municipal").text
    assert len(vevents(both)) == len(TOWN) + len(REGION)
    tagged = client.get("/feeds/all.ics", params=[("tag", "budget")]).text
    assert {p for p in props(tagged, "SUMMARY")} == {
        "Kommunstyrelsen: budget 2027\\, övergripande mål\\; en lång rubrik som måste vikas "
        "över flera rader i flödet", "Regionfullmäktige: budget"}
    actor = client.get("/feeds/all.ics", params={"actor": "Region *"}).text
    assert len(vevents(actor)) == len(REGION)
    globbed = client.get("/feeds/kommun.ics").text  # actor glob in config
    assert len(vevents(globbed)) == len(TOWN)
    narrowed = client.get("/feeds/municipal.ics?kind=deadline").text
    assert props(narrowed, "SUMMARY") == ["ERDF co-financing decision due"]
    assert client.get("/feeds/all.ics?nocache=123").status_code == 200  # ignored
    assert client.get("/feeds/all.ics?level=regional").headers["etag"] != client.get(
        "/feeds/all.ics").headers["etag"]


def test_bad_filters_are_422_with_the_reason(project: Project) -> None:
    response = project.client.get("/feeds/all.ics?level=county&status=maybe")
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "ValidationError"
    assert "query.level: unknown level; known: eu, national, regional, municipal " \
           "(got 'county')" in body["problems"]
    assert any(p.startswith("query.status: unknown status") for p in body["problems"])


def test_private_feed_needs_its_token(project: Project) -> None:
    client = project.client
    unknown = client.get("/feeds/nope.ics")
    assert unknown.status_code == 404
    assert client.get("/feeds/secret.ics").status_code == 404
    rotated = client.post("/api/feeds/secret/rotate-token", headers=bearer(ADMIN))
    assert rotated.status_code == 200
    url = rotated.json()["url"]
    assert rotated.json()["webcal"] == url.replace("https://", "webcal://")
    assert rotated.json()["created_by"] == "alice"
    path = url.removeprefix("https://cal.example.org")
    ok = client.get(path)
    assert ok.status_code == 200 and len(vevents(ok.text)) == len(REGION)
    assert ok.headers["cache-control"].startswith("private")
    assert "SOURCE" not in ok.text  # the secret URL is not written into the calendar
    token = path.split("/")[-1].removesuffix(".ics")
    wrong_token = token[:-1] + ("y" if token.endswith("x") else "x")  # always differs
    wrong = client.get(f"/feeds/secret/{wrong_token}.ics")
    assert wrong.status_code == 404
    assert wrong.json()["message"] == unknown.json()["message"].replace("nope", "secret")
    assert client.get(f"/feeds/municipal/{token}.ics").status_code == 404  # public feed
    again = client.post("/api/feeds/secret/rotate-token", headers=bearer(ADMIN)).json()
    assert client.get(path).status_code == 404  # the old address is dead
    assert client.get(again["url"].removeprefix("https://cal.example.org")).status_code == 200
    assert client.post("/api/feeds/municipal/rotate-token",
                       headers=bearer(ADMIN)).status_code == 404
    assert client.post("/api/feeds/secret/rotate-token").status_code == 401
    listed = client.get("/api/feeds/private", headers=bearer(ADMIN)).json()
    assert [f["url"] for f in listed] == [again["url"]]


def test_feed_index_shows_webcal_links(project: Project) -> None:
    page = project.client.get("/feeds/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert 'href="webcal://cal.example.org/feeds/municipal.ics"' in page.text
    assert "webcal://cal.example.org/feeds/all.ics" in page.text
    assert "secret" not in page.text
    listed = {f["name"]: f for f in project.client.get("/api/feeds").json()}
    assert listed["all"]["webcal"] == "webcal://cal.example.org/feeds/all.ics"
    assert "secret" not in listed  # a private feed is not listed, not even by name


def test_head_answers_like_get_without_a_body(project: Project) -> None:
    get = project.client.get("/feeds/all.ics", headers={"Accept-Encoding": "identity"})
    head = project.client.head("/feeds/all.ics", headers={"Accept-Encoding": "identity"})
    assert head.status_code == 200 and head.content == b""
    assert head.headers["etag"] == get.headers["etag"]
    assert head.headers["content-length"] == str(len(get.content))
