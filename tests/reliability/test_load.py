"""64 concurrent clients never wedge the server (issue 17, item 1).

The wedge: the feed handler opened a pooled database connection on the event loop; with
every pooled connection held by thread-pool requests whose responses need the event loop
to be sent, the loop waited forever and nothing (not even SIGTERM) got through.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from http.client import HTTPConnection

import httpx

from tests.reliability.conftest import LiveServer

PATHS = ["/api/events", "/feeds/all.ics", "/feeds/municipal.ics", "/api/timeline",
         "/api/sources", "/healthz", "/feeds/kommun.ics?level=municipal"]


def _hammer(live: LiveServer, clients: int, seconds: float) -> Counter[str]:
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


def test_64_clients_get_answers_and_the_server_stays_up(live: LiveServer) -> None:
    outcomes = _hammer(live, 64, 4.0)
    print(outcomes)
    # Every client got answers (a wedge answers nobody), and nothing but 200 or 503.
    assert sum(outcomes.values()) >= 64, outcomes
    assert set(outcomes) <= {"200", "503"}, outcomes
    # Afterwards, with no traffic, it answers at once.
    assert httpx.get(live.url("/healthz"), timeout=10).status_code == 200
    assert httpx.get(live.url("/feeds/all.ics"), timeout=10).status_code == 200


def test_shutdown_under_load_completes(live: LiveServer) -> None:
    """Stopping the server while 64 clients are busy ends it within the grace period."""
    hammer = threading.Thread(target=_hammer, args=(live, 64, 6.0), daemon=True)
    hammer.start()
    time.sleep(1.5)
    started = time.monotonic()
    live.server.should_exit = True
    live.thread.join(30)
    assert not live.thread.is_alive(), "uvicorn still running 30 s after the stop"
    assert time.monotonic() - started < 30
    hammer.join(120)
