"""Real servers for the reliability suite: calsync's web app under uvicorn on a free
127.0.0.1 port (in a thread of this process), on the web tests' small project."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
import uvicorn

from calsync.web.app import create_app
from tests.web.conftest import Project, project  # noqa: F401  (fixture re-export)

__all__ = ["LiveServer"]


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


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def live(project: Project) -> Iterator[LiveServer]:  # noqa: F811
    """The project's app served by uvicorn; stopped (and joined) afterwards."""
    port = _free_port()
    config = uvicorn.Config(create_app(project.runtime), host="127.0.0.1", port=port,
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


def get(url: str, timeout: float = 10) -> httpx.Response:
    return httpx.get(url, timeout=timeout)
