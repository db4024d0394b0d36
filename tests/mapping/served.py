"""A calendar served on 127.0.0.1, as a council's iCal feed is: the tests write its body."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class Served:
    """What the server answers with; change `body` between syncs."""

    def __init__(self, port: int) -> None:
        self.body = b""
        self.content_type = "text/calendar; charset=utf-8"
        self.url = f"http://127.0.0.1:{port}/calendar.ics"


@contextmanager
def serve() -> Iterator[Served]:
    state: list[Served] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

        def do_GET(self) -> None:
            served = state[0]
            self.send_response(200)
            self.send_header("Content-Type", served.content_type)
            self.send_header("Content-Length", str(len(served.body)))
            self.end_headers()
            self.wfile.write(served.body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.append(Served(server.server_address[1]))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state[0]
    finally:
        server.shutdown()
        server.server_close()


def calendar(*vevents: str) -> bytes:
    """An iCalendar body with CRLF line ends around the given VEVENT bodies."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//calsync//EN"]
    for body in vevents:
        lines += ["BEGIN:VEVENT", *body.strip().splitlines(), "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return ("\r\n".join(line.strip() for line in lines) + "\r\n").encode()
