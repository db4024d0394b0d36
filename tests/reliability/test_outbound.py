"""Outbound requests only where the admin said (issue 17 item 6, and the 304 of item 11):
real upstreams on 127.0.0.1 that redirect, echo and misbehave."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from calsync.clock import FixedClock
from calsync.health import source_statuses
from calsync.sync import SyncReport
from tests.reliability.ingest_support import calendar, runtime, stored, vevent
from tests.reliability.upstream import Answer, Upstream

ICS = {"Content-Type": "text/calendar; charset=utf-8"}
BODY = calendar(vevent("a")).encode()


@pytest.fixture
def upstreams() -> Iterator[tuple[Upstream, Upstream]]:
    with Upstream() as first, Upstream() as second:
        yield first, second


def sync(tmp_path: Path, engine: Engine, clock: FixedClock, url: str, extra: str = ""
         ) -> SyncReport:
    rt = runtime(tmp_path, engine, clock, f"url: {url}",
                 '    headers: {X-Api-Key: "k-123"}\n' + extra)
    [report] = asyncio.run(rt.syncer().sync_many(rt.select_connectors()))
    return report


def test_redirect_to_another_port_is_refused(upstreams: tuple[Upstream, Upstream],
                                             tmp_path: Path, sqlite_engine: Engine,
                                             clock: FixedClock) -> None:
    first, second = upstreams
    second.answers["/cal.ics"] = Answer(body=BODY, headers=ICS)
    first.answers["/cal.ics"] = Answer(302, headers={"Location": second.url("/cal.ics")})
    report = sync(tmp_path, sqlite_engine, clock, first.url("/cal.ics"))
    assert report.outcome == "failed" and "another host" in (report.error or "")
    assert "allow_redirects_to" in (report.error or "")
    assert second.seen == [] and stored(sqlite_engine) == {}


@pytest.mark.parametrize("location", ["file:///etc/passwd", "gopher://127.0.0.1:70/x",
                                      "http://169.254.169.254/latest/meta-data/"])
def test_redirect_to_other_schemes_and_metadata_is_refused(
        location: str, upstreams: tuple[Upstream, Upstream], tmp_path: Path,
        sqlite_engine: Engine, clock: FixedClock) -> None:
    first, _ = upstreams
    first.answers["/cal.ics"] = Answer(302, headers={"Location": location})
    report = sync(tmp_path, sqlite_engine, clock, first.url("/cal.ics"),
                  '    allow_redirects_to: ["169.254.169.254"]\n')
    assert report.outcome == "failed" and "refused" in (report.error or "")


def test_same_origin_redirect_is_followed_with_headers(
        upstreams: tuple[Upstream, Upstream], tmp_path: Path, sqlite_engine: Engine,
        clock: FixedClock) -> None:
    first, _ = upstreams
    first.answers["/old.ics"] = Answer(301, headers={"Location": "/new.ics"})
    first.answers["/new.ics"] = Answer(body=BODY, headers=ICS)
    report = sync(tmp_path, sqlite_engine, clock, first.url("/old.ics"))
    assert (report.outcome, report.added) == ("ok", 1)
    assert first.seen[-1][0] == "/new.ics" and first.seen[-1][1]["x-api-key"] == "k-123"


def test_allowed_other_host_gets_no_custom_headers(
        upstreams: tuple[Upstream, Upstream], tmp_path: Path, sqlite_engine: Engine,
        clock: FixedClock) -> None:
    first, second = upstreams
    second.answers["/cal.ics"] = Answer(body=BODY, headers=ICS)
    first.answers["/cal.ics"] = Answer(302, headers={
        "Location": second.url("/cal.ics").replace("127.0.0.1", "localhost")})
    refused = sync(tmp_path, sqlite_engine, clock, first.url("/cal.ics"),
                   '    allow_redirects_to: ["localhost"]\n')
    assert refused.outcome == "failed" and "loopback" in (refused.error or "")
    # Tests allow loopback explicitly; then the key still stays with its own host.
    report = sync(tmp_path, sqlite_engine, clock, first.url("/cal.ics"),
                  '    allow_redirects_to: ["localhost"]\n    allow_private_redirects: true\n')
    assert (report.outcome, report.added) == ("ok", 1)
    assert first.seen[-1][1]["x-api-key"] == "k-123"
    assert "x-api-key" not in second.seen[-1][1]


def test_upstream_bytes_are_not_shown_on_the_open_api(
        upstreams: tuple[Upstream, Upstream], tmp_path: Path, sqlite_engine: Engine,
        clock: FixedClock) -> None:
    first, _ = upstreams
    first.answers["/cal.ics"] = Answer(body=b"<html>internal: SECRET-ADMIN-PAGE</html>",
                                       headers={"Content-Type": "text/plain"})
    rt = runtime(tmp_path, sqlite_engine, clock, f"url: {first.url('/cal.ics')}")
    [report] = asyncio.run(rt.syncer().sync_many(rt.select_connectors()))
    assert report.outcome == "failed" and "HTML" in (report.error or "")
    with sqlite_engine.connect() as conn:
        [status] = source_statuses(rt, conn)
    assert "SECRET" not in status.model_dump_json()


def test_304_to_an_unconditional_request_is_not_a_good_sync(
        upstreams: tuple[Upstream, Upstream], tmp_path: Path, sqlite_engine: Engine,
        clock: FixedClock) -> None:
    first, _ = upstreams
    first.answers["/cal.ics"] = Answer(304)
    report = sync(tmp_path, sqlite_engine, clock, first.url("/cal.ics"))
    assert report.outcome == "failed" and "not conditional" in (report.error or "")
