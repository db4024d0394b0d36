"""Notifications end to end: Alertmanager webhook v4 to a real HTTP server on 127.0.0.1
that fails and recovers, email to a real SMTP server (aiosmtpd), grouping and repeat
intervals, and N concurrent senders that never send a row twice."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import Engine, func, select

from calsync.alerts import silences, store
from calsync.alerts.evaluate import evaluate_and_update
from calsync.alerts.notify.deliver import drain_outbox
from calsync.alerts.notify.outbox import list_outbox
from calsync.clock import FixedClock
from calsync.config import load_config_text
from calsync.config.schema import Config
from calsync.store.tables import notification_outbox
from tests.rules.timelines import data
from tests.rules.timelines import store as store_events

NOW = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)

RULES = """
rules:
  R1:
    kind: precedes
    title: co-financing before the call closes
    rationale: A decision after the call closes cannot back the application.
    a: {kind: decision, tags: [co-financing]}
    b: {kind: deadline, tags: [call]}
    join: {keys: [programme], pick: nearest}
    severity: critical
alerts:
  lookback: null
  external_url: https://calsync.example.org
  outbox: {backoff: PT0S, max_backoff: PT0S, max_attempts: 4}
  receivers:
"""


class Receiver(BaseHTTPRequestHandler):
    """Answers the first `fail` POSTs with 503, then 200; records every body."""

    server: ReceiverServer

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        with self.server.lock:
            self.server.attempts += 1
            failing = self.server.attempts <= self.server.fail
            if not failing:
                self.server.bodies.append(json.loads(body))
                self.server.headers_seen.append(dict(self.headers))
        self.send_response(503 if failing else 200)
        self.end_headers()
        self.wfile.write(b"down" if failing else b"ok")

    def log_message(self, *args: Any) -> None:
        pass


class ReceiverServer(ThreadingHTTPServer):
    def __init__(self, fail: int) -> None:
        super().__init__(("127.0.0.1", 0), Receiver)
        self.fail = fail
        self.attempts = 0
        self.bodies: list[dict[str, Any]] = []
        self.headers_seen: list[dict[str, str]] = []
        self.lock = threading.Lock()


@pytest.fixture
def receiver() -> Iterator[ReceiverServer]:
    server = ReceiverServer(fail=2)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []
        self.refuse = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse:
            self.refuse -= 1
            return "451 try again later"
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Mailbox, int]]:
    box = Mailbox()
    with socket.socket() as probe:  # a free port (aiosmtpd's readiness check needs one)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield box, port
    finally:
        controller.stop()


def webhook_config(url: str, **route: str) -> Config:
    extra = "".join(f"{k}: {v}, " for k, v in route.items())
    text = RULES + f"    chat: {{type: webhook, url: '{url}', headers: {{X-Token: abc}}}}\n"
    if route:
        text = text.replace("  lookback: null\n", f"  lookback: null\n  route: {{{extra}}}\n")
    return load_config_text(text)


def seed(engine: Engine) -> dict[str, int]:
    return store_events(engine, [
        data("call", "ERDF call closes", "2026-05-15", level="national",
             actor="Tillväxtverket", kind="deadline", tags=["call"],
             attrs={"programme": "ERDF"}, url="https://tillvaxtverket.se/call"),
        data("cofin", "Co-financing decision", "2026-06-09", level="municipal",
             actor="Vindelns kommun", kind="decision", tags=["co-financing"],
             attrs={"programme": "ERDF"}),
    ])


def outbox_rows(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        return sorted(list_outbox(conn), key=lambda r: r["id"])


def test_webhook_v4_to_a_receiver_that_fails_then_recovers(
        engine: Engine, receiver: ReceiverServer) -> None:
    config = webhook_config(f"http://127.0.0.1:{receiver.server_port}/hook")
    seed(engine)
    clock = FixedClock(NOW)
    summary = evaluate_and_update(engine=engine, config=config, clock=clock)
    assert summary.enqueued == 1
    first = drain_outbox(engine=engine, config=config, clock=clock)
    assert (first.sent, len(first.retrying)) == ([], 1)
    assert receiver.bodies == []  # down: nothing lost, still pending
    second = drain_outbox(engine=engine, config=config, clock=clock)
    assert len(second.retrying) == 1
    third = drain_outbox(engine=engine, config=config, clock=clock)
    assert len(third.sent) == 1
    assert drain_outbox(engine=engine, config=config, clock=clock).sent == []  # never twice
    [row] = outbox_rows(engine)
    assert (row["status"], row["attempts"], row["last_status"]) == ("sent", 3, 200)
    [body] = receiver.bodies
    assert receiver.headers_seen[0]["X-Token"] == "abc"
    assert list(body) == ["version", "groupKey", "truncatedAlerts", "status", "receiver",
                          "groupLabels", "commonLabels", "commonAnnotations", "externalURL",
                          "notification_reason", "alerts"]
    assert (body["version"], body["status"], body["receiver"], body["truncatedAlerts"]) == (
        "4", "firing", "chat", 0)
    assert body["groupKey"] == '{}:{alertname="R1"}' and body["groupLabels"] == {
        "alertname": "R1"}
    assert body["notification_reason"] == "first notification"
    assert body["externalURL"] == "https://calsync.example.org"
    [alert] = body["alerts"]
    assert list(alert) == ["status", "labels", "annotations", "startsAt", "endsAt",
                           "generatorURL", "fingerprint"]
    assert alert["endsAt"] == "0001-01-01T00:00:00Z"
    assert alert["startsAt"] == "2026-01-10T12:00:00.000Z"
    assert alert["labels"]["severity"] == "critical" and alert["labels"]["alertname"] == "R1"
    assert alert["annotations"]["object_url"] == "https://tillvaxtverket.se/call"
    assert alert["annotations"]["object_link"] == (
        f"https://calsync.example.org/events/{alert['labels']['object_uid']}")
    assert alert["annotations"]["slack_days"] == "-25"
    assert all(isinstance(v, str) for v in alert["annotations"].values())
    assert alert["generatorURL"].startswith("https://calsync.example.org/alerts/")
    assert len(alert["fingerprint"]) == 16
    assert body["commonLabels"] == alert["labels"]


def test_resolution_and_repeat_follow_the_route(engine: Engine,
                                                receiver: ReceiverServer) -> None:
    receiver.fail = 0
    config = webhook_config(f"http://127.0.0.1:{receiver.server_port}/hook",
                            group_interval="PT5M", repeat_interval="P1D")
    ids = seed(engine)
    clock = FixedClock(NOW)
    evaluate_and_update(engine=engine, config=config, clock=clock)
    drain_outbox(engine=engine, config=config, clock=clock)
    clock.advance(timedelta(hours=2))
    assert drain_outbox(engine=engine, config=config, clock=clock).enqueued == 0
    clock.advance(timedelta(hours=23))
    repeat = drain_outbox(engine=engine, config=config, clock=clock)
    assert (repeat.enqueued, len(repeat.sent)) == (1, 1)
    assert receiver.bodies[-1]["notification_reason"] == "repeat interval elapsed"
    # Acknowledged: no more repeats.
    with engine.begin() as conn:
        [alert] = store.list_alerts(conn, state="firing", now=clock.now())
        store.acknowledge(conn, alert.id, by="anna", comment="on it", now=clock.now())
    clock.advance(timedelta(days=2))
    assert drain_outbox(engine=engine, config=config, clock=clock).enqueued == 0
    # Resolved: the receiver is told, even though the alert was acknowledged.
    from sqlalchemy import update

    from calsync.store.tables import events

    with engine.begin() as conn:
        conn.execute(update(events).where(events.c.id == ids["cofin"]).values(
            start_at=datetime(2026, 5, 1, tzinfo=UTC), end_at=datetime(2026, 5, 2, tzinfo=UTC)))
    evaluate_and_update(engine=engine, config=config, clock=clock,
                        changed_event_ids=[ids["cofin"]])
    drain_outbox(engine=engine, config=config, clock=clock)
    last = receiver.bodies[-1]
    assert (last["status"], last["notification_reason"]) == ("resolved",
                                                             "all alerts resolved")
    assert last["alerts"][0]["status"] == "resolved"
    assert last["alerts"][0]["endsAt"] != "0001-01-01T00:00:00Z"
    assert len(receiver.bodies) == 3


def test_silenced_alerts_are_not_notified(engine: Engine, receiver: ReceiverServer) -> None:
    receiver.fail = 0
    config = webhook_config(f"http://127.0.0.1:{receiver.server_port}/hook")
    seed(engine)
    with engine.begin() as conn:
        silences.create_silence(conn, [silences.Matcher.parse("alertname=R1")], starts_at=NOW,
                             ends_at=NOW + timedelta(days=1), created_by="anna",
                             comment="quiet", now=NOW)
    clock = FixedClock(NOW)
    assert evaluate_and_update(engine=engine, config=config, clock=clock).enqueued == 0
    clock.advance(timedelta(days=2))  # the silence ended
    report = drain_outbox(engine=engine, config=config, clock=clock)
    assert (report.enqueued, len(report.sent)) == (1, 1)


def test_a_receiver_that_never_answers_gives_up_and_keeps_the_row(engine: Engine) -> None:
    with socket.socket() as probe:  # a port nothing listens on once the probe closes
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = webhook_config(f"http://127.0.0.1:{port}/unreachable")
    seed(engine)
    clock = FixedClock(NOW)
    evaluate_and_update(engine=engine, config=config, clock=clock)
    reports = [drain_outbox(engine=engine, config=config, clock=clock) for _ in range(5)]
    assert [len(r.retrying) for r in reports] == [1, 1, 1, 0, 0]
    assert [len(r.dead) for r in reports] == [0, 0, 0, 1, 0]
    [row] = outbox_rows(engine)
    assert row["status"] == "dead" and row["attempts"] == 4 and row["last_error"]


def test_concurrent_senders_never_send_twice(engine: Engine, receiver: ReceiverServer) -> None:
    receiver.fail = 0
    config = webhook_config(f"http://127.0.0.1:{receiver.server_port}/hook")
    from calsync.alerts.notify.outbox import enqueue

    with engine.begin() as conn:
        for i in range(30):
            enqueue(conn, receiver="chat", group_key=f"g{i}", reason="first notification",
                    payload={"version": "4", "n": i})
    errors: list[BaseException] = []

    def sender(name: str) -> None:
        try:
            drain_outbox(engine=engine, config=config, clock=FixedClock(NOW), owner=name)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=sender, args=(f"instance-{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(b["n"] for b in receiver.bodies) == list(range(30))
    with engine.connect() as conn:
        sent = conn.execute(select(func.count()).select_from(notification_outbox).where(
            notification_outbox.c.status == "sent")).scalar_one()
    assert sent == 30


def test_email_over_smtp_with_a_retry(engine: Engine, smtp: tuple[Mailbox, int]) -> None:
    box, port = smtp
    box.refuse = 1
    config = load_config_text(RULES + f"""    mail:
      type: email
      to: [samordning@example.org]
      from: calsync@example.org
      host: 127.0.0.1
      port: {port}
""")
    seed(engine)
    clock = FixedClock(NOW)
    evaluate_and_update(engine=engine, config=config, clock=clock)
    first = drain_outbox(engine=engine, config=config, clock=clock)
    assert len(first.retrying) == 1 and box.messages == []
    second = drain_outbox(engine=engine, config=config, clock=clock)
    assert len(second.sent) == 1
    [message] = box.messages
    assert message["Subject"] == "[calsync] 1 misalignment firing (alertname=R1)"
    assert message["To"] == "samordning@example.org"
    assert message["Message-ID"].startswith("<calsync-outbox-")
    body = message.get_payload(decode=True).decode()
    assert "Vindelns kommun: Co-financing decision (9 June 2026) comes 25 days after" in body
    assert "Fix: Vindelns kommun: decide by 15 May 2026" in body
    assert "Why: A decision after the call closes" in body


def test_email_in_the_receivers_language(engine: Engine, smtp: tuple[Mailbox, int]) -> None:
    """The install writes English; this receiver reads Swedish: subject, reason, the
    finding, its fix and the labels of the mail, through the real SMTP server."""
    box, port = smtp
    config = load_config_text(RULES + f"""    mail:
      type: email
      to: [samordning@example.org]
      from: calsync@example.org
      host: 127.0.0.1
      port: {port}
      language: sv
""")
    assert config.language == "en"
    seed(engine)
    clock = FixedClock(NOW)
    evaluate_and_update(engine=engine, config=config, clock=clock)
    assert len(drain_outbox(engine=engine, config=config, clock=clock).sent) == 1
    [message] = box.messages
    assert message["Subject"] == "[calsync] 1 avvikelse aktiv (alertname=R1)"
    body = message.get_payload(decode=True).decode().replace("\r\n", "\n")
    assert body.startswith("Första aviseringen.\n\nAktiva:\n")
    assert ("Vindelns kommun: Co-financing decision (9 juni 2026) kommer 25 dagar efter "
            "Tillväxtverket") in body
    assert "men den måste komma före (regel R1" in body
    assert "Åtgärd: Vindelns kommun: besluta senast 15 maj 2026" in body
    assert "Varför: A decision after the call closes" in body  # the rule's own words
    assert "June" not in body and "Fix:" not in body
