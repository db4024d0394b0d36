"""Helpers for the scheduler tests: a slow, self-reporting connector and real worker
processes (`python -m calsync worker`) against one database."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from calsync.sdk.contract import FetchContext, NotModified, Snapshot
from tests.support import FileConnector, FileOptions

REPO = Path(__file__).resolve().parents[2]


class SlowOptions(FileOptions):
    log: str  # JSON lines: one "start" and one "end" per fetch, with the process id
    delay: float = 0.0  # seconds between start and reading the file (a slow upstream)


class SlowFileConnector(FileConnector):
    """FileConnector that takes `delay` seconds and logs every fetch to a shared file, so
    a test sees which process fetched what, when."""

    type = "tests.scheduler.support:SlowFileConnector"
    title = "Slow JSON file (tests)"
    Options = SlowOptions

    async def fetch(self, ctx: FetchContext) -> Snapshot | NotModified:
        assert isinstance(self.options, SlowOptions)
        log = self.resolve(self.options.log)
        _append(log, {"event": "start", "source": self.name, "pid": os.getpid(),
                      "at": time.time()})
        await asyncio.sleep(self.options.delay)
        result = await super().fetch(ctx)
        _append(log, {"event": "end", "source": self.name, "pid": os.getpid(),
                      "at": time.time()})
        return result


def _append(path: Path, entry: dict[str, Any]) -> None:
    with path.open("a", encoding="utf-8") as out:  # one short O_APPEND write per line
        out.write(json.dumps(entry) + "\n")


def fetches(path: Path, source: str | None = None) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
             if line.strip()]
    return [e for e in lines if source is None or e["source"] == source]


def events_file(path: Path, version: str, n: int) -> None:
    """Write an upstream of `n` events whose titles all carry `version` (atomically: a
    worker reading it meanwhile sees the old file or the new one, never half of one)."""
    partial = path.with_suffix(".tmp")
    partial.write_text(json.dumps([
        {"id": f"e{i}", "title": f"{version} meeting {i}",
         "start": f"2027-{1 + i % 12:02d}-{1 + i % 28:02d}"} for i in range(n)]),
        encoding="utf-8")
    partial.replace(path)


class Worker:
    """`calsync worker` in a process of its own, output captured to a file."""

    def __init__(self, config: Path, db_url: str, name: str, *args: str,
                 command: str = "worker") -> None:
        self.name = name
        self.output = config.parent / f"{name}.out"
        env = {**os.environ, "CALSYNC_DATABASE_URL": db_url, "PYTHONPATH": str(REPO),
               "PYTHONUNBUFFERED": "1"}
        argv = [sys.executable, "-m", "calsync", "-c", str(config), command]
        if command == "worker":
            argv += ["--instance-id", name]
        with self.output.open("wb") as out:
            self.proc = subprocess.Popen([*argv, *args], cwd=config.parent, env=env,
                                         stdout=out, stderr=subprocess.STDOUT)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def text(self) -> str:
        return self.output.read_text(encoding="utf-8", errors="replace")

    def wait_started(self, timeout: float = 30.0) -> None:
        wait_for(lambda: "started" in self.text() or self.proc.poll() is not None, timeout,
                 f"{self.name} to start")
        assert self.proc.poll() is None, self.text()

    def stop(self, timeout: float = 30.0) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout)

    def kill(self) -> None:
        self.proc.kill()
        self.proc.wait(10)


def wait_for(predicate: Callable[[], object], timeout: float, what: str,
             every: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g}s waiting for {what}")
        time.sleep(every)
