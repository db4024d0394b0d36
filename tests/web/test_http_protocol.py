"""`calsync.web.server.HttpProtocol` (what `calsync serve` runs): the same bytes as
uvicorn's own httptools protocol on every kind of answer, with each response's head
leaving together with its first body bytes."""

from __future__ import annotations

import asyncio
import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

from calsync.web.app import create_app
from calsync.web.server import HttpProtocol
from tests.web.conftest import Project


@contextmanager
def _serving(app: Any, protocol: type[asyncio.Protocol]) -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, http=protocol,
                                           log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield port
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def _exchange(port: int, raw: bytes, answers: int) -> bytes:
    """Send `raw` (one or more requests, pipelined) on one connection; read `answers`
    responses (each with a Content-Length, or a 304)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(raw)
        data = b""
        while _complete(data) < answers:
            chunk = conn.recv(65536)
            assert chunk, f"connection closed after {_complete(data)} answers"
            data += chunk
        return data


def _complete(data: bytes) -> int:
    count, at = 0, 0
    while (end := data.find(b"\r\n\r\n", at)) >= 0:
        head = data[at:end].decode("latin-1")
        found = re.search(r"(?im)^content-length: (\d+)$", head)
        length = int(found.group(1)) if found and not head.startswith("HTTP/1.1 304") else 0
        if len(data) < end + 4 + length:
            break
        count, at = count + 1, end + 4 + length
    return count


def _undated(data: bytes) -> bytes:
    return re.sub(rb"(?im)^date: [^\r]*\r\n", b"", data)


def _requests(etag: str) -> list[bytes]:
    get = "GET /feeds/municipal.ics HTTP/1.1\r\nHost: t\r\n"
    return [
        (get + "\r\n").encode(),
        (get + "Accept-Encoding: gzip\r\n\r\n").encode(),
        (get + f"If-None-Match: {etag}\r\n\r\n").encode(),
        b"GET /api/events?level=municipal HTTP/1.1\r\nHost: t\r\n\r\n",
        b"GET /feeds/nothing-here.ics HTTP/1.1\r\nHost: t\r\n\r\n",
        b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n",
    ]


def test_the_same_bytes_as_uvicorns_protocol(project: Project) -> None:
    app = create_app(project.runtime)
    etag = project.client.get("/feeds/municipal.ics").headers["etag"]
    requests = _requests(etag)
    seen: dict[str, list[bytes]] = {}
    for protocol in (HttpToolsProtocol, HttpProtocol):
        with _serving(app, protocol) as port:
            one_by_one = [_undated(_exchange(port, r, 1)) for r in requests]
            # twice: the second time the kept answers (calsync.web.fastfeeds) answer
            one_by_one += [_undated(_exchange(port, r, 1)) for r in requests]
            pipelined = _undated(_exchange(port, b"".join(requests), len(requests)))
            seen[protocol.__name__] = [*one_by_one, pipelined]
    assert seen["HttpProtocol"] == seen["HttpToolsProtocol"]
    assert seen["HttpProtocol"][-1] == b"".join(seen["HttpProtocol"][:len(requests)])
    assert b"content-encoding: gzip" in seen["HttpProtocol"][1]
    assert seen["HttpProtocol"][2].startswith(b"HTTP/1.1 304")


class _Recording(asyncio.Transport):
    """A socket's side of the protocol: what it was asked to write, call by call."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[str, list[bytes]]] = []
        self.closing = False

    def write(self, data: Any) -> None:
        self.calls.append(("write", [bytes(data)]))

    def writelines(self, list_of_data: Any) -> None:
        self.calls.append(("writelines", [bytes(d) for d in list_of_data]))

    def is_closing(self) -> bool:
        return self.closing

    def close(self) -> None:
        self.closing = True

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"sockname": ("127.0.0.1", 8000),
                "peername": ("127.0.0.1", 50000)}.get(name, default)

    def pause_reading(self) -> None:
        return None

    def resume_reading(self) -> None:
        return None


def _calls(app: Any, *raw: bytes) -> list[tuple[str, list[bytes]]]:
    """The transport calls HttpProtocol makes answering `raw`, each sent once the answer
    before it is complete."""

    async def run() -> list[tuple[str, list[bytes]]]:
        config = uvicorn.Config(app, http=HttpProtocol, log_level="warning",
                                lifespan="off")
        config.load()
        transport = _Recording()
        protocol = HttpProtocol(config=config, server_state=ServerState(), app_state={},
                                _loop=asyncio.get_running_loop())
        protocol.connection_made(transport)
        for request in raw:
            protocol.data_received(request)
            deadline = time.monotonic() + 30
            while protocol.cycle is None or not protocol.cycle.response_complete:
                assert time.monotonic() < deadline, "no answer"
                await asyncio.sleep(0.001)
        protocol.connection_lost(None)
        return transport.calls

    return asyncio.run(run())


def test_head_and_body_leave_in_one_call(project: Project) -> None:
    app = create_app(project.runtime)
    get = b"GET /feeds/municipal.ics HTTP/1.1\r\nHost: t\r\nAccept-Encoding: gzip\r\n\r\n"
    calls = _calls(app, get, get)  # rendered and compressed, then the kept answer
    assert [kind for kind, _ in calls] == ["writelines", "writelines"]
    for _, (head, body) in calls:
        assert head.startswith(b"HTTP/1.1 200 OK\r\n") and head.endswith(b"\r\n\r\n")
        assert b"content-encoding: gzip\r\n" in head and body[:2] == b"\x1f\x8b"
        assert f"content-length: {len(body)}\r\n".encode() in head


@pytest.mark.parametrize("request_line", [
    b"HEAD /feeds/municipal.ics HTTP/1.1\r\nHost: t\r\n\r\n",
    b"GET /feeds/municipal.ics HTTP/1.1\r\nHost: t\r\nIf-None-Match: *\r\n\r\n",
])
def test_an_answer_without_body_bytes_is_its_head_alone(project: Project,
                                                        request_line: bytes) -> None:
    calls = _calls(create_app(project.runtime), request_line)
    assert len(calls) == 1 and calls[0][0] == "write"
    assert calls[0][1][0].endswith(b"\r\n\r\n")


async def _echo(scope: Any, receive: Any, send: Any) -> None:
    """An app that reads the request body first (so uvicorn answers `100 Continue`)."""
    body = (await receive())["body"]
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def test_a_100_continue_is_not_held() -> None:
    post = (b"POST /echo HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\n"
            b"Content-Length: 5\r\n\r\nhello")
    calls = _calls(_echo, post)
    assert calls[0] == ("write", [b"HTTP/1.1 100 Continue\r\n\r\n"])
    kind, (head, body) = calls[1]
    assert kind == "writelines" and head.startswith(b"HTTP/1.1 200") and body == b"hello"
    assert len(calls) == 2
