"""`calsync sync` by hand, when it cannot sync now (issue 17): a run killed mid-sync
still holds the source's ledger lease, or the upstream asked to wait (Retry-After). The
command says so (who, until when, what to do) and exits 4, never 0 in silence; once the
lease lapses (or the wait is over) the next `calsync sync` syncs."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from calsync.cli import cli
from calsync.store.engine import make_engine
from calsync.store.sources import SourceState, save_source_state
from calsync.store.tables import events, scheduler_runs
from tests.conftest import REPO
from tests.reliability.ingest_support import calendar, vevent
from tests.reliability.upstream import Answer, Upstream

EXIT_BUSY = 4
FEED = calendar(*[vevent(f"e{i}", f"202712{i + 1:02d}T090000Z", f"Sammanträde {i}")
                  for i in range(5)]).encode()


class Project:
    def __init__(self, tmp_path: Path, url: str, scheduler: str) -> None:
        self.db = f"sqlite:///{tmp_path / 'calsync.db'}"
        config = tmp_path / "config.yaml"
        config.write_text(f"data_dir: {tmp_path}\nconnectors:\n  kommun:\n    type: ical\n"
                          f"    url: {url}\n    level: municipal\n"
                          f"    actor: Vindelns kommun\n    kind: meeting\n"
                          f"scheduler: {scheduler}\n", encoding="utf-8")
        self.env = {**os.environ, "CALSYNC_CONFIG": str(config), "COLUMNS": "200"}
        self.run("db", "upgrade", check=True)

    def command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "calsync", *args]

    def run(self, *args: str, check: bool = False) -> subprocess.CompletedProcess[str]:
        return subprocess.run(self.command(*args), env=self.env, cwd=REPO, check=check,
                              capture_output=True, text=True, timeout=300)

    def query(self, stmt: Any) -> list[Any]:
        engine = make_engine(self.db)
        try:
            with engine.connect() as conn:
                return list(conn.execute(stmt).mappings())
        finally:
            engine.dispose()

    def stored(self) -> int:
        return int(self.query(select(func.count().label("n")).select_from(events))[0]["n"])


def wait_for(what: str, check: Any, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def test_a_killed_sync_holding_its_lease_is_named_and_exits_4(tmp_path: Path) -> None:
    with Upstream() as upstream:
        upstream.answers["/feed.ics"] = Answer(body=FEED, delay=120.0)
        # A lease of 30 s renewed every 5 s: the killed run's lease outlives the check
        # below by a wide margin on a loaded machine.
        project = Project(tmp_path, upstream.url("/feed.ics"), "{lease: 30, heartbeat: 5}")
        victim = subprocess.Popen(project.command("sync"), env=project.env, cwd=REPO,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_for("the sync to fetch", lambda: len(upstream.seen) >= 1)
        finally:
            victim.send_signal(signal.SIGKILL)
            victim.wait(30)
        running = scheduler_runs.c.state == "running"
        [held] = project.query(select(scheduler_runs).where(running))
        assert held["owner"].startswith("cli-")
        # Past two heartbeats without one, well inside the lease.
        beat = held["heartbeat_at"]
        wait_for("two missed heartbeats",
                 lambda: datetime.now(UTC) > beat + timedelta(seconds=11), timeout=30)
        upstream.answers["/feed.ics"] = Answer(body=FEED)
        busy = project.run("sync")
        out = " ".join((busy.stdout + busy.stderr).split())
        assert busy.returncode == EXIT_BUSY, out
        assert "kommun: not synced now" in out
        assert f"instance {held['owner']}" in out
        lapses = held["lease_until"].astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        assert f"holds its lease until {lapses}" in out
        assert "has probably stopped" in out
        assert f"Run `calsync sync` again after {lapses}" in out
        assert project.stored() == 0
        assert len(upstream.seen) == 1  # the busy command fetched nothing

        # After the lease lapses, the next `calsync sync` takes the run over and syncs.
        wait_for("the lease to lapse",
                 lambda: datetime.now(UTC) > held["lease_until"] + timedelta(seconds=1),
                 timeout=60)
        done = project.run("sync")
        assert done.returncode == 0, done.stdout + done.stderr
        assert project.stored() == 5
        assert project.query(select(scheduler_runs).where(running)) == []


def _moment(out: str, before: str) -> datetime:
    found = re.search(re.escape(before) + r" (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) UTC", out)
    assert found, out
    return datetime.strptime(found.group(1), "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)


def test_a_manual_sync_honours_the_upstreams_retry_after(tmp_path: Path) -> None:
    with Upstream() as upstream:
        upstream.answers["/feed.ics"] = Answer(503, b"busy", {"Retry-After": "120"})
        project = Project(tmp_path, upstream.url("/feed.ics"), "{}")
        started = datetime.now(UTC)
        failed = project.run("sync")
        assert failed.returncode == 1, failed.stdout + failed.stderr
        assert len(upstream.seen) == 1

        # Asked again by hand within the two minutes: not fetched, said when, exit 4.
        upstream.answers["/feed.ics"] = Answer(body=FEED)
        busy = project.run("sync")
        out = " ".join((busy.stdout + busy.stderr).split())
        assert busy.returncode == EXIT_BUSY, out
        assert "kommun: not synced now: its upstream asked (Retry-After)" in out
        after = _moment(out, "not to be fetched before")
        assert started + timedelta(seconds=118) <= after <= datetime.now(UTC) + \
            timedelta(seconds=121)
        assert f"Run `calsync sync` again after {after:%Y-%m-%d %H:%M:%S} UTC" in out
        assert len(upstream.seen) == 1  # the upstream was left alone
        assert project.stored() == 0


def test_a_short_retry_after_is_waited_out(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    with Upstream() as upstream:
        upstream.answers["/feed.ics"] = Answer(body=FEED)
        project = Project(tmp_path, upstream.url("/feed.ics"), "{}")
        # What a 503 with a short Retry-After leaves behind, set directly: a loaded
        # machine may take longer than the wait to finish that sync or start a process,
        # so the command runs in this process (the CLI's own entry point).
        engine = make_engine(project.db)
        asked = datetime.now(UTC) + timedelta(seconds=10)
        with engine.begin() as conn:
            save_source_state(conn, SourceState(name="kommun", type="ical",
                                                retry_after=asked))
        engine.dispose()
        for name, value in project.env.items():
            if name.startswith(("CALSYNC_", "COLUMNS")):
                monkeypatch.setenv(name, value)
        done = CliRunner().invoke(cli, ["sync"], catch_exceptions=False)
        out = " ".join(done.output.split())
        assert done.exit_code == 0, out
        assert "as the upstream asked (Retry-After)" in out
        assert project.stored() == 5
        assert upstream.seen_at[0] >= asked  # not fetched before the time it said
