"""SIGKILL in the middle of `calsync evaluate` (issue 17): the alerts it opens and the
notifications it enqueues are one transaction, so after a kill the alerts table is as it
was before or as it is after, never between, and the outbox matches it (a notification
for every alert group opened, none for an evaluation that did not commit)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from calsync.store.engine import make_engine
from calsync.store.tables import alerts, notification_outbox
from tests.conftest import REPO

PAIRS = 2000  # pairs of events the rule joins: an evaluation long enough to kill mid-way

CONNECTOR = """data_dir: {dir}
connectors:
  upstream:
    type: tests.support:FileConnector
    level: municipal
    actor: Vindelns kommun
    kind: decision
    file: events.json
"""
RULES = """rules:
  R1:
    kind: precedes
    title: co-financing before the call closes
    a: {{kind: decision, tags: [co-financing]}}
    b: {{tags: [call]}}
    join: {{keys: [programme], pick: nearest}}
    severity: critical
alerts:
  lookback: null
  outbox: {{max_attempts: 1000}}
  receivers:
    chat: {{type: webhook, url: 'http://127.0.0.1:{port}/hook'}}
"""


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # nothing listens there once this closes


def counts(db: str) -> tuple[int, int]:
    engine = make_engine(db)
    try:
        with engine.connect() as conn:
            opened = conn.execute(select(func.count()).select_from(alerts)).scalar_one()
            queued = conn.execute(select(func.count())
                                  .select_from(notification_outbox)).scalar_one()
        return int(opened), int(queued)
    finally:
        engine.dispose()


def test_sigkill_mid_evaluate_is_all_or_nothing(tmp_path: Path) -> None:
    events = []
    for i in range(PAIRS):  # each co-financing decision comes 25 days after its call
        events += [{"id": f"call{i}", "title": f"Call {i} closes", "start": "2030-05-15",
                    "tags": ["call"], "attrs": {"programme": f"P{i}"}},
                   {"id": f"cofin{i}", "title": f"Co-financing {i}", "start": "2030-06-09",
                    "tags": ["co-financing"], "attrs": {"programme": f"P{i}"}}]
    (tmp_path / "events.json").write_text(json.dumps(events), encoding="utf-8")
    config = tmp_path / "config.yaml"
    config.write_text(CONNECTOR.format(dir=tmp_path), encoding="utf-8")
    db = f"sqlite:///{tmp_path / 'calsync.db'}"
    env = {**os.environ, "CALSYNC_CONFIG": str(config), "CALSYNC_DATABASE_URL": db}
    calsync = [sys.executable, "-m", "calsync"]
    for args in (["db", "upgrade"], ["sync"]):  # events stored, no rules yet
        done = subprocess.run([*calsync, *args], env=env, cwd=REPO, capture_output=True,
                              text=True, timeout=300)
        assert done.returncode == 0, done.stdout + done.stderr
    assert counts(db) == (0, 0)
    config.write_text(CONNECTOR.format(dir=tmp_path) + RULES.format(port=_closed_port()),
                      encoding="utf-8")
    # How long a whole evaluation takes here (on a copy): the kills land inside it.
    probe = tmp_path / "probe.db"
    shutil.copyfile(tmp_path / "calsync.db", probe)
    began = time.monotonic()
    done = subprocess.run([*calsync, "evaluate"], cwd=REPO, capture_output=True, text=True,
                          env={**env, "CALSYNC_DATABASE_URL": f"sqlite:///{probe}"},
                          timeout=600)
    took = time.monotonic() - began
    assert done.returncode == 0, done.stdout + done.stderr
    opened_all, _ = counts(f"sqlite:///{probe}")
    assert opened_all > 0
    outcomes = []
    for share in (0.5, 0.7, 0.8, 0.9, 0.95):
        proc = subprocess.Popen([*calsync, "evaluate"], env=env, cwd=REPO,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(share * took)
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
        opened, queued = counts(db)
        assert opened in (0, opened_all), f"a partial evaluation survived a SIGKILL: {opened}"
        # The notifications are enqueued with the alerts they announce, or not at all.
        assert (queued > 0) == (opened > 0), (opened, queued)
        outcomes.append(opened)
        if opened:
            break  # committed before the kill: nothing left to interrupt
    done = subprocess.run([*calsync, "evaluate"], env=env, cwd=REPO, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    opened, queued = counts(db)
    assert opened == opened_all and queued > 0, (opened, queued, outcomes)
