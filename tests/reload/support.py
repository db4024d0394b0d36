"""Real `calsync serve` and `calsync worker` processes on one SQLite database, and a
config that tests rewrite: a project folder as an admin has it.

The config is built from parts (`Project.write(connectors=..., feeds=..., tokens=...)`)
so a test says what changes; every connector reads a JSON file beside it
(`tests.support:FileConnector`). Waits are generous (60 s): the machine is shared and an
instance looks for a new generation only every `calsync.reload.POLL` seconds.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from calsync.store.engine import make_engine, upgrade
from tests.conftest import REPO
from tests.support import write_events

ADMIN = "reload-admin-secret-0123456789abcdef"
OTHER = "reload-other-secret-0123456789abcdef"
WAIT = 60.0  # seconds for anything a process does (start, reload, a sync)

LEVELS = {"town": "municipal", "region": "regional", "eu": "eu", "nation": "national"}


def wait_for(what: str, check: Callable[[], Any], timeout: float = WAIT) -> Any:
    """`check()`'s first truthy answer, polled; an exception counts as "not yet"."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        try:
            last = check()
        except (httpx.HTTPError, OSError, ValueError, KeyError) as exc:
            last = exc
        else:
            if last:
                return last
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout:g}s waiting for {what} (last: {last!r})")


class Project:
    """A folder with config.yaml, the connectors' files and the database."""

    def __init__(self, root: Path, db_url: str | None = None) -> None:
        self.root = root
        self.config = root / "config.yaml"
        self.db_url = db_url or f"sqlite:///{root / 'calsync.db'}"
        self.env = {**os.environ, "CALSYNC_CONFIG": str(self.config), "COLUMNS": "200",
                    "CALSYNC_RELOAD_ADMIN": ADMIN, "CALSYNC_RELOAD_OTHER": OTHER}
        self.env.pop("CALSYNC_DATABASE_URL", None)
        for i, name in enumerate(LEVELS):
            write_events(root / f"{name}.json", [
                {"id": f"{name}-1", "title": f"{name} meeting", "start": f"2027-0{i + 1}-10"}])
        self.write(connectors=["town"], feeds=["town"])
        engine = make_engine(self.db_url)
        try:
            upgrade(engine)
        finally:
            engine.dispose()

    def text(self, *, connectors: list[str], feeds: list[str],
             tokens: tuple[str, ...] = ("ops",), title: str = "feed") -> str:
        secret = {"ops": "${CALSYNC_RELOAD_ADMIN}", "bob": "${CALSYNC_RELOAD_OTHER}"}
        lines = ["timezone: Europe/Stockholm", f"database: {{url: \"{self.db_url}\"}}",
                 "scheduler: {dispatch_interval: 1, outbox_every: 3600}",
                 "api:", "  tokens:"]
        lines += [f"    {t}: {{token: \"{secret[t]}\", scopes: [admin]}}" for t in tokens]
        lines += ["connectors:"]
        for name in connectors:
            lines += [f"  {name}:", "    type: tests.support:FileConnector",
                      f"    level: {LEVELS[name]}", f"    actor: {name.title()} office",
                      "    kind: meeting", f"    file: {name}.json"]
        lines += ["feeds:"] if feeds else []
        for name in feeds:
            lines += [f"  {name}:", f"    title: {name.title()} {title}",
                      f"    select: {{level: {LEVELS[name]}}}"]
        return "\n".join(lines) + "\n"

    def write(self, **parts: Any) -> None:
        self.write_text(self.text(**parts))

    def write_text(self, text: str) -> None:
        # Replace in one rename, as editors and deploy tools do: a reader never sees half.
        tmp = self.config.with_suffix(".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(self.config)

    def command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "calsync", *args]

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(self.command(*args), env=self.env, cwd=REPO, text=True,
                              capture_output=True, timeout=300)

    def serve(self, *args: str) -> Instance:
        return Instance(self, ["serve", "--port", "0", *args], http=True)

    def worker(self) -> Instance:
        return Instance(self, ["worker"], http=False)


class Instance:
    """One running process; its output goes to files (a pipe nobody reads would block it)."""

    def __init__(self, project: Project, args: list[str], *, http: bool) -> None:
        self.project = project
        stem = f"{args[0]}-{len(list(project.root.glob(f'{args[0]}-*.out')))}"
        self.out = project.root / f"{stem}.out"
        self.err = project.root / f"{stem}.err"
        with self.out.open("wb") as out, self.err.open("wb") as err:
            self.proc = subprocess.Popen(project.command(*args), env=project.env, cwd=REPO,
                                         stdout=out, stderr=err)
        self.base = ""
        self.client: httpx.Client | None = None
        if http:
            found = wait_for(f"{stem} to listen", lambda: re.search(
                r"serving on (http://\S+)", self.out.read_text(encoding="utf-8")))
            self.base = found.group(1)
            self.client = httpx.Client(base_url=self.base, timeout=30)
            wait_for(f"{stem} to answer", lambda: self.get("/readyz").status_code == 200)
        wait_for(f"{stem} to register for reloads", lambda: "Config:" in self.output()
                 or (not http and self.registered()))

    @property
    def pid(self) -> int:
        return self.proc.pid

    def registered(self) -> bool:
        engine = make_engine(self.project.db_url)
        try:
            with engine.connect() as conn:
                rows = conn.exec_driver_sql("SELECT instance FROM config_instances").all()
            return any(row[0].endswith(f":{self.pid}") for row in rows)
        finally:
            engine.dispose()

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        assert self.client is not None
        return self.client.get(path, **kwargs)

    def post(self, path: str, token: str = ADMIN) -> httpx.Response:
        assert self.client is not None
        return self.client.post(path, headers={"Authorization": f"Bearer {token}"})

    def config(self) -> dict[str, Any]:
        answer: dict[str, Any] = self.get("/api/config").json()
        return answer

    def sources(self) -> set[str]:
        return {s["name"] for s in self.get("/api/sources").json()}

    def hup(self) -> None:
        os.kill(self.pid, signal.SIGHUP)

    def output(self) -> str:
        return self.out.read_text(encoding="utf-8")

    def log(self) -> str:
        return self.err.read_text(encoding="utf-8")

    def stop(self) -> None:
        if self.client is not None:
            self.client.close()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=WAIT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
