"""The memory-only paths (issue 18) answer exactly what the app would: feeds answered
ahead of the router (`calsync.web.fastfeeds`), API answers kept per store version
(`calsync.web.answers`) and pages counted by the database (`store.events.events_page`),
on SQLite and PostgreSQL; a change in the store shows on the next request."""

from __future__ import annotations

import asyncio
import itertools
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import update

from calsync.feeds.window import bounds_for
from calsync.selectors import Selector
from calsync.store.events import events_page, iter_events
from calsync.store.tables import events
from calsync.web.fastfeeds import ROUTE, FastFeeds, _RoundVersion
from calsync.web.metrics import RequestStats
from tests.web.conftest import ADMIN, TOWN, Project, bearer
from tests.web.test_feed_watch import _live

_busters = itertools.count()


class _FellThrough(Exception):
    pass


def _fast(project: Project, target: str, headers: dict[str, str] | None = None,
          method: str = "GET") -> tuple[int, list[tuple[str, str]], bytes] | None:
    """`target` through FastFeeds alone (the app behind it refuses): its status, headers
    and body, or None when it left the request to the app."""
    path, _, query = target.partition("?")
    sent: list[dict[str, Any]] = []

    async def refuse(_scope: Any, _receive: Any, _send: Any) -> None:
        raise _FellThrough

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    stats = RequestStats()
    scope = {"type": "http", "method": method, "path": path, "raw_path": path.encode(),
             "query_string": query.encode(), "root_path": "", "scheme": "http",
             "server": ("testserver", 80), "client": ("127.0.0.1", 1), "http_version": "1.1",
             "headers": [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()],
             "app": project.client.app}
    try:
        asyncio.run(FastFeeds(refuse, stats)(scope, receive, send))
    except _FellThrough:
        return None
    start, body = sent
    assert stats.counts[(method, ROUTE, str(start["status"]))] == 1
    return (start["status"], [(k.decode(), v.decode()) for k, v in start["headers"]],
            body["body"])


def _slow(project: Project, target: str, headers: dict[str, str] | None = None,
          method: str = "GET") -> tuple[int, list[tuple[str, str]], bytes]:
    """The same request through the app: a query string never seen before (an ignored
    parameter) keeps it off the fast path without changing the answer."""
    joined = f"{target}{'&' if '?' in target else '?'}cb={next(_busters)}"
    sent = {"Accept-Encoding": "identity", **(headers or {})}  # not the client's default
    with project.client.stream(method, joined, headers=sent) as got:
        return got.status_code, list(got.headers.multi_items()), b"".join(got.iter_raw())


def _variants(etag: str, modified: str) -> list[dict[str, str]]:
    plain = etag.removesuffix('.gz"').strip('"')
    return [{}, {"Accept-Encoding": "gzip"}, {"If-None-Match": f'"{plain}"'},
            {"If-None-Match": f'"{plain}.gz"', "Accept-Encoding": "gzip"},
            {"If-None-Match": '"other"'}, {"If-Modified-Since": modified},
            {"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT", "Accept-Encoding": "gzip"}]


@pytest.mark.parametrize("target", ["/feeds/municipal.ics", "/feeds/municipal.ics?lang=en",
                                    "/feeds/kommun.ics?level=municipal"])
def test_the_fast_path_answers_the_apps_bytes_and_headers(project: Project,
                                                          target: str) -> None:
    _live(project.runtime.engine)
    client = project.client
    first = client.get(target, headers={"Accept-Encoding": "identity"})
    assert first.status_code == 200
    assert _fast(project, target, {"Accept-Encoding": "gzip"}) is None  # not compressed yet
    client.get(target, headers={"Accept-Encoding": "gzip"})
    for headers in _variants(first.headers["etag"], first.headers["last-modified"]):
        for method in ("GET", "HEAD"):
            fast = _fast(project, target, headers, method)
            assert fast is not None, (headers, method)
            slow = _slow(project, target, headers, method)
            # HEAD: the app sends the body too and the server drops it (so does httpx)
            assert fast[:2] == slow[:2], (headers, method)
            assert fast[2] == (slow[2] if method == "GET" else _fast(project, target,
                                                                   headers)[2])  # type: ignore[index]


def test_languages_keep_their_own_etags(project: Project) -> None:
    _live(project.runtime.engine)
    sv = project.client.get("/feeds/municipal.ics?lang=sv").headers["etag"]
    en = project.client.get("/feeds/municipal.ics?lang=en").headers["etag"]
    assert sv != en
    fast_sv, fast_en = (_fast(project, t, {"Accept-Encoding": "gzip"})
                        for t in ("/feeds/municipal.ics?lang=sv", "/feeds/municipal.ics?lang=en"))
    assert fast_sv is not None and ("etag", sv) in fast_sv[1]
    assert fast_en is not None and ("etag", en) in fast_en[1]


def test_what_the_fast_path_leaves_to_the_app(project: Project) -> None:
    _live(project.runtime.engine)
    client = project.client
    assert _fast(project, "/feeds/municipal.ics") is None  # never asked: nothing known
    client.get("/feeds/municipal.ics?from=today")
    assert _fast(project, "/feeds/municipal.ics?from=today") is None  # a dated query
    client.get("/feeds/alerts.ics")
    assert _fast(project, "/feeds/alerts.ics") is None  # the alerts router's
    shared = client.post("/api/feeds/secret/rotate-token", headers=bearer(ADMIN)).json()
    assert client.get(urlsplit(shared["url"]).path).status_code == 200
    # the private feed's settings are remembered now, under its name: never without token
    assert _fast(project, "/feeds/secret.ics") is None
    assert _fast(project, urlsplit(shared["url"]).path) is None
    assert client.get("/feeds/secret.ics").status_code == 404


def test_a_change_in_the_store_shows_on_the_next_request(project: Project) -> None:
    engine = project.runtime.engine
    _live(engine)
    client = project.client
    plain = {"Accept-Encoding": "identity"}
    before = client.get("/feeds/municipal.ics", headers=plain)
    assert _fast(project, "/feeds/municipal.ics") is not None
    with engine.begin() as conn:
        conn.execute(update(events).where(events.c.title == "Kommunfullmäktige")
                     .values(title="Kommunfullmäktige (extra)",
                             sequence=events.c.sequence + 1,
                             updated_at=project.clock.now() + timedelta(minutes=5)))
    assert _fast(project, "/feeds/municipal.ics",
                 {"If-None-Match": before.headers["etag"]}) is None
    after = client.get("/feeds/municipal.ics",
                       headers={"If-None-Match": before.headers["etag"], **plain})
    assert after.status_code == 200 and "(extra)" in after.text
    # PostgreSQL: the commit's notification may move the token once more, a moment later
    deadline = time.monotonic() + 10
    while (again := _fast(project, "/feeds/municipal.ics")) is None \
            and time.monotonic() < deadline:
        time.sleep(0.05)
        client.get("/feeds/municipal.ics", headers=plain)
    assert again is not None and again[2] == after.content
    assert ("etag", after.headers["etag"]) in again[1]


def test_feed_requests_answered_ahead_of_the_router_are_in_the_metrics(
        project: Project) -> None:
    _live(project.runtime.engine)
    client = project.client
    etag = client.get("/feeds/municipal.ics").headers["etag"]
    for _ in range(3):
        assert client.get("/feeds/municipal.ics",
                          headers={"If-None-Match": etag}).status_code == 304
    text = client.get("/metrics").text
    assert 'calsync_http_requests_total{method="GET",route="/feeds/{name}.ics",' \
           'status="304"} 3' in text
    assert 'calsync_http_request_duration_seconds_count{method="GET",' \
           'route="/feeds/{name}.ics"} 4' in text


API = "/api/events?level=municipal&limit=2"


def test_a_kept_api_answer_follows_the_store(project: Project) -> None:
    engine = project.runtime.engine
    _live(engine)
    client = project.client
    first = client.get(API)
    assert first.status_code == 200 and first.headers["content-type"] == "application/json"
    assert client.get(API).content == first.content
    with engine.begin() as conn:
        conn.execute(update(events).where(events.c.title == "Kommunstyrelsen: budget 2027, "
                                          "övergripande mål; en lång rubrik som måste vikas "
                                          "över flera rader i flödet")
                     .values(title="Kommunstyrelsen (moved)"))
    after = client.get(API).json()
    assert after["items"][0]["title"] == "Kommunstyrelsen (moved)"
    assert after["total"] == first.json()["total"]


def test_many_clients_at_once_get_one_answer(project: Project) -> None:
    """Requests for the same key while it is computed wait for that computation."""
    import httpx

    _live(project.runtime.engine)

    async def many() -> list[bytes]:
        transport = httpx.ASGITransport(app=project.client.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            got = await asyncio.gather(*(client.get(API) for _ in range(32)))
        assert {r.status_code for r in got} == {200}
        return [r.content for r in got]

    answers = asyncio.run(many())
    assert len(set(answers)) == 1
    assert project.client.get(API).content == answers[0]


@pytest.mark.parametrize("selector", [None, Selector(level=["municipal"]),
                                      Selector(kind=["deadline", "meeting"]),
                                      Selector(tags=["budget"])])
def test_pages_counted_by_the_database_match_reading_every_row(
        project: Project, selector: Selector | None) -> None:
    start = datetime(2026, 12, 1, tzinfo=UTC)
    with project.runtime.engine.connect() as conn:
        every = list(iter_events(conn, start=start, selector=selector))
        for offset, limit in ((0, 1), (0, 100), (1, 2), (len(every), 5), (len(every) + 3, 5)):
            found, total = events_page(conn, start=start, selector=selector, limit=limit,
                                       offset=offset)
            assert total == len(every)
            assert [e.uid for e in found] == [e.uid for e in every[offset:offset + limit]]


def test_kept_api_answers_sent_ahead_of_the_router_are_in_the_metrics(
        project: Project) -> None:
    _live(project.runtime.engine)
    client = project.client
    answers = [client.get(API).content for _ in range(3)]  # computed once, then kept
    assert len(set(answers)) == 1
    text = client.get("/metrics").text
    assert 'calsync_http_requests_total{method="GET",route="/api/events",status="200"} 3' \
        in text


def test_crossing_utc_midnight_moves_the_bounds_and_the_etag_as_before(
        project: Project) -> None:
    """The day's bounds are kept per UTC day (`feeds.window.DayBounds`): a cancelled event
    kept until the midnight its retention (P10D) ends is answered from memory up to the
    last microsecond before it, and the first request after it gets the app's new answer
    (new bounds, a new ETag, the event gone), from memory again on the next repeat."""
    engine = project.runtime.engine
    _live(engine)
    client = project.client
    plain = {"Accept-Encoding": "identity"}
    project.write(town=TOWN[1:])  # ks-1 disappears upstream: cancelled at 11-29 12:00
    project.sync()
    project.clock.set(datetime(2026, 12, 10, tzinfo=UTC) - timedelta(microseconds=1))
    before = client.get("/feeds/municipal.ics", headers=plain)
    assert "Cancelled: Kommunstyrelsen" in before.text
    etag = before.headers["etag"]
    kept = _fast(project, "/feeds/municipal.ics", {"If-None-Match": etag})
    assert kept is not None and kept[0] == 304
    project.clock.set(datetime(2026, 12, 10, tzinfo=UTC))
    assert _fast(project, "/feeds/municipal.ics", {"If-None-Match": etag}) is None
    after = client.get("/feeds/municipal.ics", headers={"If-None-Match": etag, **plain})
    assert after.status_code == 200 and after.headers["etag"] != etag
    assert "Kommunstyrelsen" not in after.text
    assert _slow(project, "/feeds/municipal.ics", plain)[2] == after.content
    service = client.app.state.feeds  # type: ignore[attr-defined]
    spec = service.specs[("municipal", "", None)]
    now = project.clock.now()
    fp = service.known_fingerprint(spec, service.known_store_version(engine), now)
    assert fp is not None and fp.bounds == bounds_for(spec.window, spec.keep_cancelled, now)
    again = _fast(project, "/feeds/municipal.ics")
    assert again is not None and again[2] == after.content
    assert ("etag", after.headers["etag"]) in again[1]


def test_one_store_version_read_per_event_loop_round(project: Project) -> None:
    """The requests one round of the loop starts share a store version (one watch
    read); a commit shows in the next round, which every later request is in."""
    engine = project.runtime.engine
    _live(engine)
    service = project.client.app.state.feeds  # type: ignore[attr-defined]
    known = service.store_version(engine)
    reads: list[int] = []
    remembered = service._version
    peek = remembered.peek

    def counted_peek() -> Any:
        reads.append(1)
        return peek()

    async def rounds() -> tuple[Any, Any, Any]:
        versions = _RoundVersion()
        first = versions.get(service, engine)
        with engine.begin() as conn:  # a sync's commit, after the round's first read
            conn.execute(update(events).where(events.c.title == "Kommunfullmäktige")
                         .values(sequence=events.c.sequence + 1,
                                 updated_at=project.clock.now() + timedelta(minutes=5)))
        same_round = versions.get(service, engine)
        await asyncio.sleep(0)
        return first, same_round, versions.get(service, engine)

    remembered.peek = counted_peek
    try:
        first, same_round, next_round = asyncio.run(rounds())
    finally:
        del remembered.peek
    assert first == same_round == known and len(reads) == 2
    if next_round is not None:  # PostgreSQL: the notification may still be on its way
        deadline = time.monotonic() + 10
        while service.known_store_version(engine) is not None:
            assert time.monotonic() < deadline, "the commit never moved the watch"
            time.sleep(0.05)
    assert service.store_version(engine) != known
