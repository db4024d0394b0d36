"""`calsync serve` binds first, then prints its banner; a busy port is one line and exit 3;
links in alerts and feeds use the address really bound when there is no public_url
(`scripts/run` passes --port: alerts evaluated by the `calsync sync` before it linked to
the config's port and are refreshed)."""

from __future__ import annotations

import re
import shutil
import socket
from pathlib import Path

import httpx
from click.testing import CliRunner

from calsync.cli import cli
from tests.scheduler.support import Worker, wait_for

REPO = Path(__file__).resolve().parents[2]


def pilot(tmp_path: Path) -> tuple[Path, str]:
    shutil.copy(REPO / "config.yaml", tmp_path / "config.yaml")
    shutil.copytree(REPO / "schedules", tmp_path / "schedules")
    return tmp_path / "config.yaml", f"sqlite:///{tmp_path / 'c.db'}"


def test_a_busy_port_is_one_line_and_exit_3(tmp_path: Path) -> None:
    config, db = pilot(tmp_path)
    env = {"CALSYNC_DATABASE_URL": db, "CALSYNC_CONFIG": str(config)}
    assert CliRunner().invoke(cli, ["db", "upgrade"], env=env).exit_code == 0
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        server = Worker(config, db, "serve", "--port", str(port), "--no-scheduler",
                        command="serve")
        code = server.proc.wait(60)
    out = server.text()
    assert code == 3, out
    assert out.strip().splitlines() == [
        f"error: cannot listen on 127.0.0.1:{port}: the address is already in use (another "
        "calsync, or another program, listens there): stop it or choose another port with "
        "--port"]


def test_links_use_the_address_really_bound(tmp_path: Path) -> None:
    config, db = pilot(tmp_path)
    env = {"CALSYNC_DATABASE_URL": db, "CALSYNC_CONFIG": str(config), "COLUMNS": "200"}
    for args in (["db", "upgrade"], ["sync"]):  # as scripts/run: sync with the config's port
        result = CliRunner().invoke(cli, args, env=env)
        assert result.exit_code == 0, result.output
    alerts = CliRunner().invoke(cli, ["alerts", "--format", "json"], env=env).stdout
    assert "http://127.0.0.1:8000/events/" in alerts
    server = Worker(config, db, "serve", "--port", "0", "--no-scheduler", command="serve")
    try:
        wait_for(lambda: "JSON API:" in server.text() or server.proc.poll() is not None, 120,
                 "the banner")
        found = re.search(r"serving on http://127\.0\.0\.1:(\d+)", server.text())
        assert found, server.text()
        base = f"http://127.0.0.1:{found.group(1)}"
        assert found.group(1) != "0"
        assert httpx.get(f"{base}/readyz", timeout=30).status_code == 200  # bound before
        listed = httpx.get(f"{base}/api/alerts", timeout=30).text
        assert f"{base}/events/" in listed and "127.0.0.1:8000" not in listed
        feed = httpx.get(f"{base}/feeds/eu.ics", timeout=30).text
        assert f"{base}/" in feed.replace("\r\n ", "") and "127.0.0.1:8000" not in feed
        assert "Alert links now point to" in server.text()
    finally:
        code = server.stop()
    assert code == 0, server.text()
