"""Real servers for the reliability suite: calsync's web app under uvicorn on a free
127.0.0.1 port (in a thread of this process), on the web tests' small project."""

from __future__ import annotations

import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.client import HTTPConnection

import pytest
import uvicorn

from calsync.runtime import Runtime
from calsync.web.app import create_app
from tests.web.conftest import Project, project  # noqa: F401  (fixture re-export)

__all__ = ["PATHS", "LiveServer", "free_port", "hammer", "serving"]


@dataclass
class LiveServer:
    base: str
    server: uvicorn.Server
    thread: threading.Thread

    def url(self, path: str) -> str:
        return self.base + path

    @property
    def host(self) -> str:
        return "127.0.0.1"

    @property
    def port(self) -> int:
        return int(self.base.rsplit(":", 1)[1])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def live(project: Project) -> Iterator[LiveServer]:  # noqa: F811
    """The project's app served by uvicorn; stopped (and joined) afterwards."""
    with serving(project.runtime) as server:
        yield server


@contextmanager
def serving(runtime: Runtime) -> Iterator[LiveServer]:
    """`runtime`'s app under uvicorn on a free port, in a thread of this process."""
    port = free_port()
    config = uvicorn.Config(create_app(runtime), host="127.0.0.1", port=port,
                            log_level="warning", timeout_graceful_shutdown=5)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield LiveServer(f"http://127.0.0.1:{port}", server, thread)
    finally:
        server.should_exit = True
        thread.join(30)
        assert not thread.is_alive(), "the server did not shut down within 30 s"


PATHS = ["/api/events", "/feeds/all.ics", "/feeds/municipal.ics", "/api/timeline",
         "/api/sources", "/healthz", "/feeds/kommun.ics?level=municipal"]


def hammer(live: LiveServer, clients: int, seconds: float) -> Counter[str]:
    """`clients` threads, each with its own connection, for `seconds`; counts outcomes."""
    outcomes: Counter[str] = Counter()
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def client(n: int) -> None:
        # http.client: an httpx.Client builds an SSL context each, seconds for 64.
        http = HTTPConnection(live.host, live.port, timeout=30)
        i = n
        while True:
            path = PATHS[i % len(PATHS)]
            i += 1
            try:
                http.request("GET", path)
                response = http.getresponse()
                response.read()
                status = str(response.status)
            except OSError as exc:
                status = exc.__class__.__name__
                http.close()
            with lock:
                outcomes[status] += 1
            if time.monotonic() > stop:
                break
        http.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not any(t.is_alive() for t in threads), "clients still waiting after 120 s"
    return outcomes
