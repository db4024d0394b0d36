"""A real PostgreSQL restart under `calsync serve` (issue 17): while the database is down
every request answers 503 with Retry-After at once (never a hang, never a 500 or a
traceback), and within seconds of the database coming back the feeds and the API answer
200 again, without restarting calsync.

The shared server of this machine is never touched: `private_postgres` is a throwaway
cluster of this test's own, stopped and started here."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.conftest import REPO
from tests.reliability.conftest import free_port
from tests.reliability.ingest_support import calendar, vevent
from tests.reliability.pgserver import PrivatePostgres, private_postgres  # noqa: F401

PATHS = ["/api/events", "/feeds/all.ics", "/api/sources", "/api/timeline", "/healthz"]
RECOVERY = 20.0  # seconds allowed after the database is back (a loaded 2-core machine)


def _config(tmp_path: Path) -> Path:
    feed = tmp_path / "feed.ics"
    feed.write_text(calendar(*[vevent(f"e{i}", f"202712{i + 1:02d}T090000Z",
                                      f"Sammanträde {i}") for i in range(20)]),
                    encoding="utf-8")
    config = tmp_path / "config.yaml"
    config.write_text(f"data_dir: {tmp_path}\nconnectors:\n  kommun:\n    type: ical\n"
                      f"    path: {feed}\n    level: municipal\n    actor: Vindelns kommun\n"
                      "    kind: meeting\n", encoding="utf-8")
    return config


def _statuses(base: str) -> dict[str, int | str]:
    """Each path's status, or the exception's name when there was no answer in time."""
    out: dict[str, int | str] = {}
    for path in PATHS:
        try:
            response = httpx.get(base + path, timeout=30)
        except httpx.HTTPError as exc:
            out[path] = exc.__class__.__name__
            continue
        out[path] = response.status_code
        if response.status_code == 503:
            assert response.headers.get("retry-after"), (path, response.headers)
        assert "Traceback" not in response.text, (path, response.text[:2000])
    return out


def test_postgres_restart_under_serve(tmp_path: Path,
                                      private_postgres: PrivatePostgres) -> None:  # noqa: F811
    config = _config(tmp_path)
    env = {**os.environ, "CALSYNC_CONFIG": str(config),
           "CALSYNC_DATABASE_URL": private_postgres.url}
    calsync = [sys.executable, "-m", "calsync"]
    for step in (["db", "upgrade"], ["sync"]):
        done = subprocess.run([*calsync, *step], env=env, cwd=REPO, capture_output=True,
                              text=True, timeout=300)
        assert done.returncode == 0, done.stdout + done.stderr
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = (tmp_path / "serve.log").open("w")
    proc = subprocess.Popen([*calsync, "serve", "--no-scheduler", "--host", "127.0.0.1",
                             "--port", str(port)], env=env, cwd=REPO, stdout=log,
                            stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        while True:
            assert proc.poll() is None, (tmp_path / "serve.log").read_text()
            try:
                if httpx.get(base + "/healthz", timeout=10).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "calsync serve did not answer in 120 s"
            time.sleep(0.3)
        up = _statuses(base)
        assert set(up.values()) == {200}, up
        assert "Sammanträde 3" in httpx.get(base + "/feeds/all.ics", timeout=30).text

        private_postgres.stop("fast")
        for _ in range(3):  # down: the first request finds the pool's dead connections
            started = time.monotonic()
            down = _statuses(base)
            took = time.monotonic() - started
            assert set(down.values()) == {503}, down  # /healthz too: it checks the database
            assert took < 60, f"requests took {took:.1f} s while the database was down"
            print(f"down: {down} in {took:.2f} s")

        private_postgres.start()
        back = time.monotonic()
        while True:
            now = _statuses(base)
            if set(now.values()) == {200}:
                break
            assert set(now.values()) <= {200, 503}, now
            assert time.monotonic() - back < RECOVERY, f"no recovery in {RECOVERY} s: {now}"
            time.sleep(0.2)
        recovered = time.monotonic() - back
        print(f"recovered {recovered:.2f} s after the database was back")
        assert "Sammanträde 3" in httpx.get(base + "/feeds/all.ics", timeout=30).text
        assert proc.poll() is None
    finally:
        proc.terminate()
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(30)
        log.close()
    text = (tmp_path / "serve.log").read_text()
    assert "Traceback" not in text, text[-4000:]
