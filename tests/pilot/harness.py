"""The shipped pilot with its example connectors switched on, as an admin would do it:
config.yaml as shipped, with the three example connectors (`kommun-beslut`,
`region-moten`, `eu-projekt`) enabled and pointed at upstreams served on 127.0.0.1.

Syncing the built-in schedules (about 2,600 events) takes seconds, so `Pilot` syncs them
once into a SQLite file; each case starts from a copy, syncs the example connectors
against what its upstreams publish, evaluates the shipped rules and returns the alerts.
"""

from __future__ import annotations

import asyncio
import re
import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine

from calsync.alerts.evaluate import EvaluationSummary, evaluate_and_update
from calsync.alerts.store import Alert, list_alerts
from calsync.clock import FixedClock
from calsync.config import load_config
from calsync.runtime import Runtime
from calsync.store.engine import make_engine, upgrade
from calsync.sync import SyncReport
from tests.conftest import REPO
from tests.pilot.upstream import PATHS, Upstreams, publish
from tests.server import RecordingServer

EXAMPLES = tuple(PATHS)


def pilot_config(base: str) -> str:
    """config.yaml as shipped, its example connectors enabled and reading from `base`."""
    text = (REPO / "config.yaml").read_text(encoding="utf-8")
    for name, path in PATHS.items():
        block = re.compile(rf"(\n  {re.escape(name)}:\n    type: \w+\n    enabled: )false\n")
        text, found = block.subn(r"\1true\n", text)
        assert found == 1, f"config.yaml no longer has the example connector {name!r}"
        text, found = re.subn(r"https://example\.invalid" + re.escape(path), base + path,
                              text)
        assert found == 1, f"the url of example connector {name!r} moved"
    return text


@dataclass
class Outcome:
    """What one case produced: the sync reports, the evaluation and the firing alerts."""

    reports: list[SyncReport]
    summary: EvaluationSummary
    alerts: list[Alert]

    def of(self, rule: str) -> list[Alert]:
        return [a for a in self.alerts if a.rule_id == rule]


class Pilot:
    """The pilot in a folder: config, schedules, a database with the built-in cycles."""

    def __init__(self, folder: Path, server: RecordingServer, synced_at: datetime) -> None:
        self.folder = folder
        self.server = server
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "schedules").symlink_to(REPO / "schedules", target_is_directory=True)
        self.config_path = folder / "config.yaml"
        self.config_path.write_text(pilot_config(server.base), encoding="utf-8")
        self.template = folder / "template.db"
        engine = make_engine(f"sqlite:///{self.template}")
        upgrade(engine)
        runtime = self.runtime(engine, synced_at)
        builtin = [c for c in runtime.connectors.values()
                   if c.config.enabled and c.name not in EXAMPLES]
        reports = asyncio.run(runtime.syncer().sync_many(builtin))
        assert all(r.ok for r in reports), [r.error for r in reports]
        engine.dispose()
        self.cases = 0

    def runtime(self, engine: Engine, now: datetime) -> Runtime:
        return Runtime.from_config(load_config(self.config_path), clock=FixedClock(now),
                                   engine=engine)

    def fresh_engine(self) -> Engine:
        """A copy of the database with the built-in cycles synced."""
        self.cases += 1
        copy = self.folder / f"case-{self.cases}.db"
        shutil.copyfile(self.template, copy)
        return make_engine(f"sqlite:///{copy}")

    def run(self, upstreams: Upstreams, now: datetime, engine: Engine | None = None
            ) -> Outcome:
        """Publish, sync the example connectors, evaluate the shipped rules at `now`."""
        case = publish(self.folder / f"upstream-{self.cases + 1}", upstreams,
                       self.server.base)
        self.server.use_folder(case)
        engine = engine or self.fresh_engine()
        runtime = self.runtime(engine, now)
        reports = asyncio.run(runtime.syncer().sync_many(
            runtime.select_connectors(list(EXAMPLES))))
        assert all(r.ok for r in reports), [r.error for r in reports]
        summary = evaluate_and_update(engine=runtime.engine, config=runtime.config,
                                      clock=runtime.clock, notify=False)
        with engine.connect() as conn:
            alerts = list_alerts(conn, state="firing", now=now)
        return Outcome(reports, summary, alerts)
