"""The `ical` connector through the real sync and store: what a re-sync parses and asks."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from calsync.clock import FixedClock
from calsync.config import load_config
from calsync.runtime import Runtime
from calsync.store.events import list_events
from calsync.sync import SyncReport
from tests.server import RecordingServer


@pytest.fixture
def server() -> Iterator[RecordingServer]:
    with RecordingServer() as running:
        yield running.use("ical")


def runtime(tmp_path: Path, engine: Engine, clock: FixedClock, url: str,
            extra: str = "") -> Runtime:
    path = tmp_path / "config.yaml"
    path.write_text(f"connectors:\n  kommun:\n    type: ical\n    url: {url}\n"
                    f"    level: municipal\n    actor: Vindelns kommun\n    kind: meeting\n"
                    f"{extra}", encoding="utf-8")
    return Runtime.from_config(load_config(path), clock=clock, engine=engine)


def sync(rt: Runtime, **kwargs: Any) -> SyncReport:
    [report] = asyncio.run(rt.syncer().sync_many(rt.select_connectors(), **kwargs))
    return report


def test_config_change_is_never_short_circuited_by_a_304(
        server: RecordingServer, tmp_path: Path, sqlite_engine: Engine,
        clock: FixedClock) -> None:
    url = server.url("/calendar.ics")
    assert sync(runtime(tmp_path, sqlite_engine, clock, url)).added == 8
    assert sync(runtime(tmp_path, sqlite_engine, clock, url)).outcome == "not_modified"
    assert "if-none-match" in server.requests[-1].headers
    report = sync(runtime(tmp_path, sqlite_engine, clock, url, "    tags: [kommun]\n"))
    assert (report.outcome, report.changed) == ("ok", 8)  # remapped with the new tag
    assert "if-none-match" not in server.requests[-1].headers
    with sqlite_engine.connect() as conn:
        assert {e.tags for e in list_events(conn)} == {("kommun",)}


def test_moved_occurrence_keeps_identity_and_only_changed_groups_change(
        server: RecordingServer, tmp_path: Path, sqlite_engine: Engine,
        clock: FixedClock) -> None:
    rt = runtime(tmp_path, sqlite_engine, clock, server.url("/calendar.ics"))
    sync(rt)
    with sqlite_engine.connect() as conn:
        before = {e.external_uid: e for e in list_events(conn)}
    moved = "au-weekly@vindeln.se/20270111T073000Z"
    assert before[moved].title == "Arbetsutskottet (flyttat)"
    server.use("ical", "fewer")  # KF removed; everything else byte-identical
    report = sync(rt)
    assert (report.cancelled, report.changed, report.unchanged) == (1, 0, 7)
    with sqlite_engine.connect() as conn:
        after = {e.external_uid: e for e in list_events(conn)}
    assert {k: v.uid for k, v in after.items()} == {k: v.uid for k, v in before.items()}
