"""Process and storage faults (issue 17): a full disk and a SIGKILL in the middle of a
sync leave the store as it was, say what happened in words, and the next sync recovers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from sqlalchemy import event, func, select

from calsync.clock import FixedClock
from calsync.store.engine import make_engine, upgrade
from calsync.store.sources import get_source_state
from calsync.store.tables import events
from tests.conftest import REPO
from tests.reliability.ingest_support import calendar, stored, sync_file, vevent


def many(count: int, title: str = "Sammanträde") -> str:
    return calendar(*[vevent(f"e{i}", f"2027{i % 12 + 1:02d}{i % 28 + 1:02d}T090000Z",
                             f"{title} {i}", extra=f"DESCRIPTION:{'x' * 200}")
                      for i in range(count)])


def test_disk_full_keeps_the_store_and_says_so_in_words(tmp_path: Path,
                                                        clock: FixedClock) -> None:
    """SQLite's max_page_count is a size-limited database file: writes past it fail with
    SQLITE_FULL exactly as on a full disk."""
    engine = make_engine(f"sqlite:///{tmp_path / 'small.db'}")
    upgrade(engine)
    assert sync_file(tmp_path, engine, clock, many(50)).added == 50
    before = {uid: e.title for uid, e in stored(engine).items()}
    with engine.connect() as conn:
        pages = int(conn.exec_driver_sql("PRAGMA page_count").scalar() or 0)
    limit: dict[str, Any] = {"pages": pages + 2}

    @event.listens_for(engine, "connect")
    def _cap(dbapi: Any, _record: Any) -> None:
        if limit["pages"]:
            dbapi.execute(f"PRAGMA max_page_count = {limit['pages']}")

    engine.dispose()
    report = sync_file(tmp_path, engine, clock, many(3000, "Ny"))
    assert report.outcome == "failed"
    message = report.error or ""
    assert "full" in message and "unchanged" in message
    for leak in ("INSERT", "[SQL", "parameters", "xxxxxxxx"):
        assert leak not in message
    with engine.connect() as conn:
        state = get_source_state(conn, "kommun", "ical")
    assert state.last_error == message and len(message) < 400
    assert {uid: e.title for uid, e in stored(engine).items()} == before  # nothing lost
    limit["pages"] = 0
    engine.dispose()
    assert sync_file(tmp_path, engine, clock, many(3000, "Ny")).outcome == "ok"


def test_sigkill_mid_sync_is_all_or_nothing(tmp_path: Path) -> None:
    """`calsync sync` killed at a random point of a 8,000-event sync: the store holds the
    previous sync or the new one, never a mix, and the next sync completes."""
    feed = tmp_path / "feed.ics"
    feed.write_text(many(8_000), encoding="utf-8")
    config = tmp_path / "config.yaml"
    config.write_text(f"data_dir: {tmp_path}\nconnectors:\n  kommun:\n    type: ical\n"
                      f"    path: {feed}\n    level: municipal\n    actor: Vindelns kommun\n"
                      "    kind: meeting\n"
                      # A killed sync holds its ledger lease until it lapses: a short
                      # lease lets the next sync take over within the test.
                      "scheduler: {lease: 6}\n", encoding="utf-8")
    env = {**os.environ, "CALSYNC_CONFIG": str(config)}
    calsync = [sys.executable, "-m", "calsync"]
    subprocess.run([*calsync, "db", "upgrade"], env=env, cwd=REPO, check=True,
                   capture_output=True)
    outcomes = []
    for delay in (1.0, 2.0, 3.5):
        proc = subprocess.Popen([*calsync, "sync"], env=env, cwd=REPO,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
        engine = make_engine(f"sqlite:///{tmp_path / 'calsync.db'}")
        with engine.connect() as conn:
            count = conn.execute(select(func.count()).select_from(events)).scalar()
        engine.dispose()
        assert count in (0, 8_000), f"a partial sync survived a SIGKILL: {count} events"
        outcomes.append(count)
    time.sleep(7)  # past the lease of the last killed run
    done = subprocess.run([*calsync, "sync"], env=env, cwd=REPO, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    engine = make_engine(f"sqlite:///{tmp_path / 'calsync.db'}")
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(events)).scalar() == 8_000
    engine.dispose()
