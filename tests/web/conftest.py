"""A small project for the web tests: two file connectors (a municipality and the region),
feeds with alarms, retention and a private feed, synced into the `engine` database
(SQLite and PostgreSQL) through the real sync engine."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from calsync.clock import FixedClock
from calsync.runtime import Runtime
from calsync.sync import SyncReport
from calsync.web.app import create_app
from tests.support import write_events

ADMIN = "admin-secret-0123456789abcdef"
SYNCER = "syncer-secret-0123456789abcdef"

CONFIG = """
timezone: Europe/Stockholm
server: {public_url: "https://cal.example.org"}
api:
  tokens:
    alice: {token: "${CALSYNC_TEST_ADMIN}", scopes: [admin]}
    robot: {token: "${CALSYNC_TEST_SYNCER}", scopes: [sync]}
connectors:
  town:
    type: tests.support:FileConnector
    title: Umeå kommun
    level: municipal
    actor: Umeå kommun
    kind: meeting
    file: town.json
    max_removal_share: 1.0
    mapping:
      - {field: category, equals: deadline, kind: deadline}
  region:
    type: tests.support:FileConnector
    level: regional
    actor: Region Västerbotten
    kind: budget
    file: region.json
    max_removal_share: 1.0
feeds:
  municipal:
    title: Municipal councils
    description: Council meetings and deadlines; budget, co-financing.
    select: {level: municipal}
    alarms: {deadline: [P7D, P1D]}
    keep_cancelled: P10D
    refresh: PT2H
    color: "#8b3a62"
  kommun:
    title: Kommuner
    select: {actor: "* kommun"}
  secret:
    title: Region (private)
    private: true
    select: {level: regional}
  regional:
    title: Region
    select: {level: regional}   # the region's events are public too (see calsync.privacy)
"""

TOWN: list[dict[str, Any]] = [
    {"id": "ks-1", "title": "Kommunstyrelsen: budget 2027, övergripande mål; en lång rubrik "
                            "som måste vikas över flera rader i flödet",
     "start": "2026-12-14T09:00:00+01:00", "end": "2026-12-14T16:00:00+01:00",
     "tags": ["budget"]},
    {"id": "kf-1", "title": "Kommunfullmäktige", "start": "2027-06-14T13:00:00+02:00",
     "end": "2027-06-14T18:00:00+02:00", "tags": ["council"]},
    {"id": "erdf", "title": "ERDF co-financing decision due", "start": "2027-03-31",
     "tags": ["erdf"], "attrs": {"category": "deadline"}},
    {"id": "week", "title": "Budget week", "start": "2027-10-04", "end": "2027-10-09"},
]
REGION: list[dict[str, Any]] = [
    {"id": "rf-1", "title": "Regionfullmäktige: budget", "start": "2027-06-15T10:00:00+02:00",
     "end": "2027-06-15T16:00:00+02:00", "tags": ["budget"]},
    {"id": "utc", "title": "Online hearing", "start": "2027-02-01T08:00:00+00:00",
     "end": "2027-02-01T09:00:00+00:00", "timezone": "UTC"},
]


@dataclass
class Project:
    path: Path
    runtime: Runtime
    client: TestClient
    clock: FixedClock

    def write(self, town: list[dict[str, Any]] | None = None,
              region: list[dict[str, Any]] | None = None) -> None:
        if town is not None:
            write_events(self.path / "town.json", town)
        if region is not None:
            write_events(self.path / "region.json", region)

    def sync(self) -> list[SyncReport]:
        runtime = self.runtime
        return asyncio.run(runtime.syncer().sync_many(runtime.select_connectors()))


@pytest.fixture
def project(write_config: Callable[..., Path], make_runtime: Callable[..., Runtime],
            engine: Engine, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
            ) -> Iterator[Project]:
    monkeypatch.setenv("CALSYNC_TEST_ADMIN", ADMIN)
    monkeypatch.setenv("CALSYNC_TEST_SYNCER", SYNCER)
    path = write_config(CONFIG)
    runtime = make_runtime(path, engine)
    proj = Project(path.parent, runtime, TestClient(create_app(runtime)), clock)
    proj.write(TOWN, REGION)
    reports = proj.sync()
    assert all(r.outcome == "ok" for r in reports), [r.as_dict() for r in reports]
    with proj.client:
        yield proj


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
