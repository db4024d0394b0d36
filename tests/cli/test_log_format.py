"""`--log-format json`: a real `calsync serve` writes every log line, its own and the HTTP
server's (start-up, access log), as one JSON object; private-feed tokens stay out of the
access log; /metrics of that process carries build info and process metrics.
Text stays the default, and uvicorn's own text format with it."""

from __future__ import annotations

import json
import logging
import os
import platform
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
from click.testing import CliRunner

from calsync import __version__
from calsync.cli import cli
from calsync.cli.logs import JsonFormatter, uvicorn_log_config
from tests.conftest import REPO
from tests.scheduler.support import wait_for
from tests.scheduler.test_cli import CONFIG as SCHEDULER_CONFIG
from tests.scheduler.test_cli import free_port

# The scheduler tests' connectors (served here with --no-scheduler), and a private feed.
CONFIG = (
    SCHEDULER_CONFIG
    + """
feeds:
  board:
    title: Board (private)
    private: true
    select: {level: municipal}
"""
)


def _serve(config: Path, db_url: str, *options: str) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    env = {
        **os.environ,
        "CALSYNC_DATABASE_URL": db_url,
        "PYTHONPATH": str(REPO),
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("CALSYNC_LOG_FORMAT", None)
    with (config.parent / "out").open("wb") as out, (config.parent / "err").open("wb") as err:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "calsync",
                "-c",
                str(config),
                *options,
                "serve",
                "--no-scheduler",
                "--port",
                str(port),
            ],
            cwd=config.parent,
            env=env,
            stdout=out,
            stderr=err,
        )
    return proc, port


def _answers(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _stop(proc: subprocess.Popen[bytes]) -> int:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    return proc.wait(30)


def _metric(body: str, name: str) -> float:
    match = re.search(rf"^{re.escape(name)}(?:{{[^}}]*}})? (\S+)$", body, re.MULTILINE)
    assert match, f"{name} missing from /metrics"
    return float(match.group(1))


def test_serve_logs_json_for_calsync_and_uvicorn_and_reports_process_metrics(
    write_config: Callable[..., Path], sqlite_url: str
) -> None:
    config = write_config(CONFIG)
    (config.parent / "council.json").write_text("[]", encoding="utf-8")
    env = {"CALSYNC_DATABASE_URL": sqlite_url}
    upgraded = CliRunner().invoke(cli, ["-c", str(config), "db", "upgrade"], env=env)
    assert upgraded.exit_code == 0, upgraded.output
    proc, port = _serve(config, sqlite_url, "--log-format", "json", "-v")
    try:
        wait_for(lambda: _answers(port) or proc.poll() is not None, 60, "serve to answer")
        assert proc.poll() is None, (config.parent / "err").read_text()
        base = f"http://127.0.0.1:{port}"
        assert httpx.get(f"{base}/feeds/board/s3cretTOKENvalue.ics").status_code == 404
        metrics = httpx.get(f"{base}/metrics").text
        time.sleep(0.5)  # the access lines are written after the responses
    finally:
        code = _stop(proc)
    err = (config.parent / "err").read_text(encoding="utf-8")
    assert code == 0, err
    records = [json.loads(line) for line in err.splitlines() if line.strip()]
    assert records, "no log lines"
    assert all({"time", "level", "logger", "message"} <= set(r) for r in records)
    loggers = {r["logger"] for r in records}
    assert "uvicorn.error" in loggers, loggers  # start-up and shutdown lines
    # serve binds the socket itself (a busy port is its own clear line), so uvicorn says
    # "Application startup complete" rather than "Uvicorn running on ...".
    assert any("Application startup complete" in r["message"] for r in records), records
    # uvicorn's color_message (the message with terminal colour codes) is left out.
    assert not any("color_message" in r or "\x1b" in r["message"] for r in records)
    access = [r for r in records if r["logger"] == "uvicorn.access"]
    feed = next(r for r in access if "/feeds/board/" in r["path"])
    assert feed["method"] == "GET" and feed["status"] == 404
    assert feed["path"] == "/feeds/board/<token>.ics"
    assert "s3cretTOKENvalue" not in err

    labels = (
        f'version="{__version__}",python="{platform.python_version()}",'
        f'implementation="{platform.python_implementation()}"'
    )
    assert f"calsync_build_info{{{labels}}} 1" in metrics
    assert "# TYPE process_cpu_seconds_total counter" in metrics
    assert _metric(metrics, "process_cpu_seconds_total") > 0
    assert _metric(metrics, "process_resident_memory_bytes") > 20e6  # Python + FastAPI
    assert _metric(metrics, "process_virtual_memory_bytes") >= _metric(
        metrics, "process_resident_memory_bytes"
    )
    assert 0 < _metric(metrics, "process_open_fds") <= _metric(metrics, "process_max_fds")
    started = _metric(metrics, "process_start_time_seconds")
    assert time.time() - 600 < started <= time.time(), started
    assert _metric(metrics, "process_threads") >= 1


def test_text_stays_the_default() -> None:
    """Without --log-format, uvicorn keeps its own configuration (its text lines)."""
    from uvicorn.config import LOGGING_CONFIG

    result = CliRunner().invoke(cli, ["--help"])
    assert "--log-format [text|json]" in result.output
    assert uvicorn_log_config("text") is LOGGING_CONFIG
    assert uvicorn_log_config("json") is None


def test_json_formatter_keeps_extra_fields_and_exceptions() -> None:
    record = logging.LogRecord(
        "calsync.sync", logging.ERROR, __file__, 1, "sync of %s failed", ("council",), None
    )
    record.connector = "council"
    try:
        raise ValueError("bad date")
    except ValueError:
        record.exc_info = sys.exc_info()
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "sync of council failed" and line["level"] == "error"
    assert line["connector"] == "council"
    assert "ValueError: bad date" in line["exception"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", line["time"])
