"""The shared HTTP plumbing against a real server: every way an upstream fails maps to
the error class that tells the sync what to do, and politeness is on the wire."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from calsync.errors import FatalFetchError, FeedParseError, RetriableFetchError
from calsync.sdk.contract import Bookmark, Connector, NotModified, Snapshot
from calsync.sdk.http import USER_AGENT, parse_retry_after
from calsync.sdk.httpbase import normalise_url
from tests.connectors.helpers import connector, events, fetch
from tests.server import RecordingServer


@pytest.fixture
def server() -> Iterator[RecordingServer]:
    with RecordingServer() as running:
        yield running.use("ical")


def ical(tmp_path: Path, url: str, extra: str = "") -> Connector:
    return connector(tmp_path, "ical", f"url: {url}\n{extra}")


def test_polite_request_and_conditional_get(server: RecordingServer, tmp_path: Path) -> None:
    conn = ical(tmp_path, server.url("/calendar.ics"))
    first = fetch(conn)
    assert isinstance(first, Snapshot) and first.etag and first.last_modified
    [request] = server.requests
    assert request.headers["user-agent"] == USER_AGENT
    assert "text/calendar" in request.headers["accept"]
    assert "if-none-match" not in request.headers
    again = fetch(conn, Bookmark(etag=first.etag))
    assert isinstance(again, NotModified)
    assert server.requests[-1].headers["if-none-match"] == first.etag
    by_date = fetch(conn, Bookmark(last_modified=first.last_modified))
    assert isinstance(by_date, NotModified)
    server.use("ical", "fewer")
    changed = fetch(conn, Bookmark(etag=first.etag))
    assert isinstance(changed, Snapshot) and changed.etag != first.etag


@pytest.mark.parametrize(("mode", "error", "words"), [
    ("500", RetriableFetchError, "500"),
    ("503", RetriableFetchError, "503"),
    ("429", RetriableFetchError, "429"),
    ("404", FatalFetchError, "404"),
    ("403", FatalFetchError, "403"),
    ("hang", RetriableFetchError, "timeout"),
    ("truncate", RetriableFetchError, "broke off"),
    ("wrong-type", FatalFetchError, "text/html"),
])
def test_failures_map_to_what_the_sync_should_do(server: RecordingServer, tmp_path: Path,
                                                 mode: str, error: type[Exception],
                                                 words: str) -> None:
    server.fail(mode)
    with pytest.raises(error, match=words) as info:
        fetch(ical(tmp_path, server.url("/calendar.ics")))
    assert type(info.value) is error
    assert getattr(info.value, "connector", None) == "src"
    if mode == "429":
        assert getattr(info.value, "retry_after", None) == 120


def test_redirect_is_followed(server: RecordingServer, tmp_path: Path) -> None:
    server.fail("redirect")
    found = events(ical(tmp_path, server.url("/calendar.ics")))
    assert len(found) == 8
    assert [r.query.get("redirected") for r in server.requests] == [None, ["1"]]


def test_oversized_body_is_refused(server: RecordingServer, tmp_path: Path) -> None:
    conn = ical(tmp_path, server.url("/calendar.ics"), "max_bytes: 100")
    with pytest.raises(FatalFetchError, match="over the limit"):
        fetch(conn)


def test_tls_error_is_retriable(server: RecordingServer, tmp_path: Path) -> None:
    conn = ical(tmp_path, server.url("/calendar.ics").replace("http://", "https://"))
    with pytest.raises(RetriableFetchError, match="TLS"):
        fetch(conn)


def test_connection_refused_is_retriable(tmp_path: Path) -> None:
    with RecordingServer() as gone:
        url = gone.url("/calendar.ics")
    with pytest.raises(RetriableFetchError, match="cannot connect"):
        fetch(ical(tmp_path, url))


def test_html_served_as_calendar_is_a_parse_error(tmp_path: Path) -> None:
    with RecordingServer() as running:
        running.use("ical", "default")
        page = tmp_path / "page.ics"
        page.write_text("<html>login</html>", encoding="utf-8")
        with pytest.raises(FeedParseError, match="not an iCalendar file"):
            fetch(connector(tmp_path, "ical", f"path: {page}"))


def test_empty_calendar_is_a_valid_empty_snapshot(server: RecordingServer,
                                                  tmp_path: Path) -> None:
    server.use("ical", "empty")
    snapshot = fetch(ical(tmp_path, server.url("/calendar.ics")))
    assert isinstance(snapshot, Snapshot) and snapshot.records == [] and snapshot.complete


def test_missing_local_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FatalFetchError, match="cannot read"):
        fetch(connector(tmp_path, "ical", "path: nowhere.ics"))


def test_webcal_is_https() -> None:
    assert normalise_url("webcal://example.org/a.ics") == "https://example.org/a.ics"
    assert normalise_url("http://example.org/a.ics") == "http://example.org/a.ics"


def test_retry_after_forms() -> None:
    now = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
    assert parse_retry_after("120") == 120
    assert parse_retry_after("Sun, 29 Nov 2026 12:02:00 GMT", now=now) == 120
    assert parse_retry_after("soon", now=now) is None
    assert parse_retry_after(None) is None
