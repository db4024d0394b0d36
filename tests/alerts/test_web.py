"""The alerts API and feed: reading, the workflow behind an `alerts` token, silences in
Alertmanager's shape, evaluation on request, the iCal feed of firing alerts."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from icalendar import Calendar
from sqlalchemy import Engine

from calsync.runtime import Runtime
from calsync.web.app import create_app
from tests.rules.timelines import data
from tests.rules.timelines import store as store_events

CONFIG = """
server: {public_url: "https://cal.example.org"}
api:
  tokens:
    anna: {token: "${CALSYNC_TEST_ALERTS}", scopes: [alerts]}
    robot: {token: "${CALSYNC_TEST_SYNC}", scopes: [sync]}
rules:
  R1:
    kind: precedes
    title: co-financing before the call closes
    a: {kind: decision, tags: [co-financing]}
    b: {kind: deadline, tags: [call]}
    join: {keys: [programme], pick: nearest}
    severity: critical
alerts: {lookback: null}
"""
ANNA = {"Authorization": "Bearer alerts-secret-0123456789"}
ROBOT = {"Authorization": "Bearer sync-secret-0123456789"}


@pytest.fixture
def client(write_config: Callable[..., Path], make_runtime: Callable[..., Runtime],
           engine: Engine, monkeypatch: pytest.MonkeyPatch) -> TestClient:
    monkeypatch.setenv("CALSYNC_TEST_ALERTS", "alerts-secret-0123456789")
    monkeypatch.setenv("CALSYNC_TEST_SYNC", "sync-secret-0123456789")
    store_events(engine, [
        data("call", "ERDF call closes", "2027-05-15", level="national",
             actor="Tillväxtverket", kind="deadline", tags=["call"],
             attrs={"programme": "ERDF"}),
        data("cofin", "Co-financing decision", "2027-06-09", level="municipal",
             actor="Vindelns kommun", kind="decision", tags=["co-financing"],
             attrs={"programme": "ERDF"})])
    return TestClient(create_app(make_runtime(write_config(CONFIG), engine)))


def test_evaluate_needs_a_token_then_alerts_can_be_read(client: TestClient) -> None:
    assert client.post("/api/evaluate").status_code == 401
    assert client.post("/api/evaluate", headers=ROBOT).status_code == 403
    done = client.post("/api/evaluate", headers=ANNA)
    assert done.status_code == 200 and done.json()["alerts"]["opened"] == 1
    assert done.json()["requestedBy"] == "anna"
    listed = client.get("/api/alerts").json()
    assert listed["count"] == 1
    [alert] = listed["alerts"]
    assert alert["rule"] == "R1" and alert["severity"] == "critical"
    assert alert["evidence"]["slack_days"] == -25
    one = client.get(f"/api/alerts/{alert['fingerprint']}").json()
    assert one["id"] == alert["id"] and one["history"][0]["to"] == "firing"
    assert client.get("/api/alerts/999999").status_code == 404
    assert client.get("/api/alerts?state=nonsense").status_code == 422


def test_workflow_is_recorded_with_the_token_name(client: TestClient) -> None:
    client.post("/api/evaluate", headers=ANNA)
    [alert] = client.get("/api/alerts").json()["alerts"]
    url = f"/api/alerts/{alert['id']}"
    assert client.post(f"{url}/ack", json={"comment": "x"}).status_code == 401
    acked = client.post(f"{url}/ack", json={"comment": "KS in April"}, headers=ANNA).json()
    assert acked["workflow"] == "acknowledged" and acked["ack"]["by"] == "anna"
    snoozed = client.post(f"{url}/snooze", json={"until": "2027-01-15T00:00:00+01:00"},
                          headers=ANNA)
    assert snoozed.status_code == 200 and snoozed.json()["workflow"] == "snoozed"
    past = client.post(f"{url}/snooze", json={"until": "2020-01-01T00:00:00Z"}, headers=ANNA)
    assert past.status_code == 422
    assert client.post(f"{url}/wontfix", json={}, headers=ANNA).json()["workflow"] == "wont_fix"
    reopened = client.post(f"{url}/reopen", json={"comment": "back"}, headers=ANNA).json()
    assert [(h["field"], h["to"], h["actor"]) for h in reopened["history"]] == [
        ("status", "firing", "calsync"), ("workflow", "acknowledged", "anna"),
        ("workflow", "snoozed", "anna"), ("workflow", "wont_fix", "anna"),
        ("workflow", "open", "anna")]


def test_silences_crud(client: TestClient) -> None:
    client.post("/api/evaluate", headers=ANNA)
    body = {"matchers": [{"name": "alertname", "value": "R1", "isRegex": False}],
            "endsAt": "2030-01-01T00:00:00Z", "comment": "known"}
    assert client.post("/api/silences", json=body).status_code == 401
    created = client.post("/api/silences", json=body, headers=ANNA)
    assert created.status_code == 201
    silence = created.json()
    assert silence["createdBy"] == "anna" and silence["status"]["state"] == "active"
    assert silence["matchers"] == [{"name": "alertname", "value": "R1", "isRegex": False,
                                    "isEqual": True}]
    assert client.get("/api/alerts?state=silenced").json()["count"] == 1
    assert client.get(f"/api/silences/{silence['id']}").json()["comment"] == "known"
    bad = dict(body, matchers=[{"name": "x", "value": "(", "isRegex": True}])
    assert client.post("/api/silences", json=bad, headers=ANNA).status_code == 422
    gone = client.delete(f"/api/silences/{silence['id']}", headers=ANNA).json()
    assert gone["status"]["state"] == "expired"
    assert client.get("/api/silences").json()["count"] == 0
    assert client.get("/api/silences?all=true").json()["count"] == 1
    assert client.get("/api/alerts?state=silenced").json()["count"] == 0


def test_alerts_feed_puts_firing_alerts_on_their_due_date(client: TestClient) -> None:
    client.post("/api/evaluate", headers=ANNA)
    response = client.get("/feeds/alerts.ics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    [event] = Calendar.from_ical(response.content).walk("VEVENT")
    assert str(event["SUMMARY"]).startswith(  # which misalignment, not only the rule
        "[critical] R1: Vindelns kommun: Co-financing decision (9 June 2027) comes 25 days after")
    assert event["DTSTART"].dt.isoformat() == "2027-05-15"
    assert "25 days after" in str(event["DESCRIPTION"])
    assert str(event["UID"]).startswith("alert-")
    assert str(event["URL"]).startswith("https://cal.example.org/alerts/")  # the dashboard


def test_alerts_feed_behaves_like_every_feed(client: TestClient) -> None:
    empty = client.get("/feeds/alerts.ics")  # before any evaluation
    assert "last-modified" in empty.headers and "etag" in empty.headers
    client.post("/api/evaluate", headers=ANNA)
    first = client.get("/feeds/alerts.ics")
    etag = first.headers["etag"]
    assert etag != empty.headers["etag"]
    again = client.get("/feeds/alerts.ics", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.headers["etag"] == etag
    since = client.get("/feeds/alerts.ics",
                       headers={"If-Modified-Since": first.headers["last-modified"]})
    assert since.status_code == 304
    packed = client.get("/feeds/alerts.ics", headers={"Accept-Encoding": "gzip"})
    assert packed.headers["content-encoding"] == "gzip" and packed.content == first.content
    head = client.head("/feeds/alerts.ics")
    assert head.status_code == 200 and head.headers["etag"] == etag and not head.content
    assert "/feeds/alerts.ics" in client.get("/feeds/").text
    listed = {f["name"]: f for f in client.get("/api/feeds").json()}
    assert listed["alerts"]["webcal"] == "webcal://cal.example.org/feeds/alerts.ics"


def test_silences_speak_alertmanager_and_say_what_they_mute(client: TestClient) -> None:
    client.post("/api/evaluate", headers=ANNA)
    body = {"matchers": [{"name": "alertname", "value": "R1", "isRegex": False,
                          "isEqual": True}],
            "startsAt": "2026-11-29T12:00:00Z", "endsAt": "2030-01-01T00:00:00Z",
            "createdBy": "amtool on ops-1", "comment": "known"}
    created = client.post("/api/silences", json=body, headers=ANNA)
    assert created.status_code == 201, created.text
    first = created.json()
    assert first["createdBy"] == "amtool on ops-1" and first["silenceID"] == str(first["id"])
    assert first["mutes"] == 1 and first["warning"] is None
    replaced = client.post("/api/silences", json={**body, "id": first["id"],
                                                   "comment": "still known"}, headers=ANNA)
    assert replaced.status_code == 201
    assert client.get(f"/api/silences/{first['id']}").json()["status"]["state"] == "expired"
    assert client.get("/api/silences").json()["silences"][0]["comment"] == "still known"
    typo = client.post("/api/silences", json={**body, "matchers": [
        {"name": "alertnme", "value": "R1"}]}, headers=ANNA).json()
    assert typo["mutes"] == 0
    assert "no firing alert has the label 'alertnme'; did you mean 'alertname'?" in \
        typo["warning"]
    wrong = client.post("/api/silences", json={**body, "matchers": [
        {"name": "alertname", "value": "R11"}]}, headers=ANNA).json()
    assert wrong["mutes"] == 0 and "did you mean 'R1'?" in wrong["warning"]
    bad = client.post("/api/silences", json={**body, "matchers": [
        {"name": "alertname", "value": "R[1", "isRegex": True}]}, headers=ANNA)
    assert bad.status_code == 422 and "'R[1' is not a regular expression" in bad.text
    assert "Traceback" not in bad.text
