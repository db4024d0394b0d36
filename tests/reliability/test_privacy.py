"""Private means private (issue 17 item 7): events only private feeds select stay off the
open API and feeds, tokens stay out of the access log, the open API names no private feed."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from calsync.alerts.evaluate import evaluate_and_update
from calsync.alerts.store import list_alerts
from calsync.feeds.tokens import rotate_token
from calsync.runtime import Runtime
from calsync.store.events import list_events
from calsync.web.accesslog import RedactTokens, install
from calsync.web.app import create_app
from tests.support import write_events
from tests.web.conftest import Project


def test_tokens_never_reach_the_access_log() -> None:
    install()
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1,
                               '%s - "%s %s HTTP/%s" %d',
                               ("127.0.0.1:5555", "GET", "/feeds/secret/s3cr3t-t0ken.ics?x=1",
                                "1.1", 200), None)
    logger = logging.getLogger("uvicorn.access")
    assert any(isinstance(f, RedactTokens) for f in logger.filters)
    assert all(f.filter(record) for f in logger.filters if isinstance(f, logging.Filter))
    line = record.getMessage()
    assert "s3cr3t" not in line and "/feeds/secret/<token>.ics?x=1" in line
    public = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, "%s",
                               ("/feeds/municipal.ics",), None)
    RedactTokens().filter(public)
    assert public.getMessage() == "/feeds/municipal.ics"


@pytest.mark.parametrize("path", ["/feeds/secret/s3cr3t-t0ken", "/feeds/secret/s3cr3t-t0ken.ICS",
                                  "/feeds//secret/s3cr3t-t0ken.ics",
                                  "/feeds/secret/s3cr3t-t0ken.ics/"])
def test_mistyped_private_addresses_are_redacted_too(path: str) -> None:
    """A calendar client that drops `.ics`, or a double slash, answers 404 with the
    same secret in the path (it was logged as is)."""
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1,
                               '%s - "%s %s HTTP/%s" %d',
                               ("127.0.0.1:5555", "GET", path, "1.1", 404), None)
    RedactTokens().filter(record)
    assert "s3cr3t" not in record.getMessage() and "/secret/<token>" in record.getMessage()
    admin = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, "%s",
                              ("/api/feeds/secret/tokens",), None)
    RedactTokens().filter(admin)
    assert admin.getMessage() == "/api/feeds/secret/tokens"


def test_open_api_does_not_name_private_feeds(project: Project) -> None:
    listed = [f["name"] for f in project.client.get("/api/feeds").json()]
    assert "secret" not in listed and "municipal" in listed


PRIVATE_ONLY = """
timezone: Europe/Stockholm
server: {public_url: "https://cal.example.org"}
organisations:
  Region Västerbotten: {actors: ["Region Västerbotten*"]}
connectors:
  town:
    type: tests.support:FileConnector
    level: municipal
    actor: Umeå kommun
    kind: meeting
    file: town.json
  board:
    type: tests.support:FileConnector
    level: regional
    actor: Region Västerbotten
    kind: decision
    file: board.json
feeds:
  municipal:
    title: Municipal
    select: {level: municipal}
  board:
    title: Board (private)
    private: true
    select: {source: board}
api:
  tokens:
    anna: {token: "${CALSYNC_TEST_ALERTS}", scopes: [alerts]}
rules:
  R9:
    kind: precedes
    title: the board decides before the council meets
    a: {source: board}
    b: {source: town}
    join: nearest
    severity: warning
alerts: {lookback: null}
"""
ANNA = {"Authorization": "Bearer alerts-secret-0123456789"}


@pytest.fixture
def private_project(write_config: Callable[..., Path], make_runtime: Callable[..., Runtime],
                    engine: Engine, monkeypatch: pytest.MonkeyPatch
                    ) -> Iterator[tuple[Runtime, TestClient]]:
    monkeypatch.setenv("CALSYNC_TEST_ALERTS", "alerts-secret-0123456789")
    path = write_config(PRIVATE_ONLY)
    write_events(path.parent / "town.json", [
        {"id": "kf", "title": "Kommunfullmäktige", "start": "2027-01-20T13:00:00+01:00"}])
    write_events(path.parent / "board.json", [
        {"id": "secret", "title": "Styrelsen: personalärende", "start": "2027-01-21"}])
    runtime = make_runtime(path, engine)
    reports = asyncio.run(runtime.syncer().sync_many(runtime.select_connectors()))
    assert all(r.outcome == "ok" for r in reports)
    with TestClient(create_app(runtime)) as client:
        yield runtime, client


def test_events_only_private_feeds_select_stay_off_open_endpoints(
        private_project: tuple[Runtime, TestClient]) -> None:
    runtime, client = private_project
    titles = [e["title"] for e in client.get("/api/events").json()["items"]]
    assert titles == ["Kommunfullmäktige"]
    timeline = client.get("/api/timeline", params={"from": "2027-01-01", "to": "2027-02-01"})
    assert "Styrelsen" not in timeline.text and "Kommunfullmäktige" in timeline.text
    changes = client.get("/api/changes", params={"since": "P30D"})
    assert "Styrelsen" not in changes.text and "Kommunfullmäktige" in changes.text
    for feed in ("/feeds/all.ics", "/feeds/all.ics?source=board"):
        body = client.get(feed).text
        assert "Styrelsen" not in body, feed
    for page in ("/", "/?zoom=year&at=2027-01-01", "/org/Region Västerbotten"):
        shown = client.get(page)  # the dashboard's pages (the organisation's agenda)
        assert shown.status_code == 200 and "Styrelsen" not in shown.text, page
    with runtime.engine.connect() as conn:
        hidden = next(e for e in list_events(conn) if e.source == "board")
        visible = next(e for e in list_events(conn) if e.source != "board")
        token = rotate_token(conn, "board", now=runtime.clock.now(), by="test").token
        conn.commit()
    assert client.get(f"/api/events/{hidden.uid}").status_code == 404
    # the dashboard's event link keeps it private too (no redirect to its date)
    assert client.get(f"/events/{hidden.uid}", follow_redirects=False).status_code == 404
    shown = client.get(f"/events/{visible.uid}", follow_redirects=False)
    assert shown.status_code == 303 and shown.headers["location"].endswith(f"#ev-{visible.uid}")
    assert "Styrelsen" in client.get(f"/feeds/board/{token}.ics").text  # its own feed


def test_alerts_about_private_events_stay_private(
        private_project: tuple[Runtime, TestClient]) -> None:
    """An alert's summary names its events: the board's private decision was on the open
    /api/alerts, /feeds/alerts.ics, the dashboard's cards and the what-if."""
    runtime, client = private_project
    summary = evaluate_and_update(engine=runtime.engine, config=runtime.config,
                                  clock=runtime.clock)
    assert summary.findings == 1
    with runtime.engine.connect() as conn:
        [alert] = list_alerts(conn, state="firing", now=runtime.clock.now())
        town = next(e for e in list_events(conn) if e.source == "town")
    assert "Styrelsen" in alert.summary  # what an open reader must not learn
    listed = client.get("/api/alerts").json()
    assert listed["count"] == 0 and "Styrelsen" not in str(listed)
    assert client.get(f"/api/alerts/{alert.id}").status_code == 404
    assert "Styrelsen" not in client.get("/feeds/alerts.ics").text
    for page in ("/", "/org/Region Västerbotten"):
        assert "Styrelsen" not in client.get(page).text, page
    moved = client.post("/api/whatif", json={"changes": [{"move": town.uid,
                                                          "to": "2027-03-01"}]})
    assert moved.status_code == 200 and "Styrelsen" not in moved.text
    secret = client.post("/api/whatif", json={"changes": [{"cancel": alert.subject_uid}]})
    assert secret.status_code == 404 and "Styrelsen" not in secret.text
    # an alerts token sees them (the workflow needs them)
    assert client.get("/api/alerts", headers=ANNA).json()["count"] == 1
    assert client.get(f"/api/alerts/{alert.id}", headers=ANNA).status_code == 200
    told = client.post("/api/whatif", headers=ANNA,
                       json={"changes": [{"move": town.uid, "to": "2027-03-01"}]})
    assert "Styrelsen" in told.text
