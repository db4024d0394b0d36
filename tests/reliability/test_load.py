"""64 concurrent clients never wedge the server (issue 17, item 1).

The wedge: the feed handler opened a pooled database connection on the event loop; with
every pooled connection held by thread-pool requests whose responses need the event loop
to be sent, the loop waited forever and nothing (not even SIGTERM) got through.
"""

from __future__ import annotations

import threading
import time

import httpx

from tests.reliability.conftest import LiveServer, hammer


def test_64_clients_get_answers_and_the_server_stays_up(live: LiveServer) -> None:
    outcomes = hammer(live, 64, 4.0)
    # Every client got answers (a wedge answers nobody), and nothing but 200 or 503.
    assert sum(outcomes.values()) >= 64, outcomes
    assert set(outcomes) <= {"200", "503"}, outcomes
    # Afterwards, with no traffic, it answers at once.
    assert httpx.get(live.url("/healthz"), timeout=10).status_code == 200
    assert httpx.get(live.url("/feeds/all.ics"), timeout=10).status_code == 200


def test_shutdown_under_load_completes(live: LiveServer) -> None:
    """Stopping the server while 64 clients are busy ends it within the grace period."""
    clients = threading.Thread(target=hammer, args=(live, 64, 6.0), daemon=True)
    clients.start()
    time.sleep(1.5)
    started = time.monotonic()
    live.server.should_exit = True
    live.thread.join(30)
    assert not live.thread.is_alive(), "uvicorn still running 30 s after the stop"
    assert time.monotonic() - started < 30
    clients.join(120)
