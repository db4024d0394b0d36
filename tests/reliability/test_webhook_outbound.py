"""Outbound requests of the notifiers (issue 17, SSRF): a webhook receiver that redirects
is not followed (its `headers`, often a bearer token, would go to wherever it points),
and what a receiver answers is kept as one short printable line in the outbox's error."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from calsync.alerts.notify.senders import SendError, send_webhook
from calsync.config.notify import WebhookReceiver


class Receiver:
    """A POST endpoint on 127.0.0.1 answering (status, headers, body); records requests."""

    def __init__(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.seen: list[dict[str, str]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                outer.seen.append({k.lower(): v for k, v in self.headers.items()})
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/hook"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def target() -> Iterator[Receiver]:
    running = Receiver(200, {}, b"ok")
    yield running
    running.close()


def test_a_redirecting_webhook_is_not_followed(target: Receiver) -> None:
    hop = Receiver(307, {"Location": target.url}, b"")
    try:
        receiver = WebhookReceiver.model_validate(
            {"type": "webhook", "url": hop.url, "headers": {"Authorization": "Bearer k-1"}})
        with pytest.raises(SendError) as failed:
            send_webhook(receiver, {"alerts": []})
    finally:
        hop.close()
    assert failed.value.status == 307 and target.seen == []


def test_a_receivers_answer_is_one_short_printable_line() -> None:
    hostile = Receiver(500, {}, b"\x1b[2J\x1b[31mPWNED\r\nX-Injected: 1\r\n" + b"y" * 5000)
    try:
        receiver = WebhookReceiver.model_validate({"type": "webhook", "url": hostile.url})
        with pytest.raises(SendError) as failed:
            send_webhook(receiver, {"alerts": []})
    finally:
        hostile.close()
    message = str(failed.value)
    assert failed.value.retriable and message.startswith("HTTP 500")
    assert not any(c < " " for c in message) and len(message) <= 220
