"""The upstream fault matrix of RELIABILITY.md (issue 17): a good sync, then the fault,
then a good sync again, on a real recording server on 127.0.0.1. For every fault the
stored events stay bit-identical (0 lost), the error is in words, and the next good
fetch recovers. `python -m tests.reliability.test_fault_matrix` prints the table."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from calsync.clock import FixedClock
from tests.reliability.ingest_support import runtime
from tests.reliability.ingest_support import stored as stored_events
from tests.server import RecordingServer

# mode -> (outcome, words the stored error must contain)
FAULTS: dict[str, tuple[str, str]] = {
    "500": ("failed", "500"), "503": ("failed", "503"), "404": ("failed", "404"),
    "429": ("failed", "429"), "hang": ("failed", "no answer"),
    "truncate": ("failed", "broke off"), "wrong-type": ("failed", "content type"),
    "redirect": ("ok", ""),
}


@pytest.fixture
def server() -> Iterator[RecordingServer]:
    with RecordingServer() as running:
        yield running.use("ical")


def snapshot(engine: Engine) -> dict[str, Any]:
    return {uid: (e.title, e.sequence, e.status, e.data.start_utc)
            for uid, e in stored_events(engine).items()}


@pytest.mark.parametrize("mode", sorted(FAULTS))
def test_fault_keeps_data_and_recovers(mode: str, server: RecordingServer, tmp_path: Path,
                                       sqlite_engine: Engine, clock: FixedClock) -> None:
    rt = runtime(tmp_path, sqlite_engine, clock, f"url: {server.url('/calendar.ics')}",
                 "    timeout: 1\n")

    def sync() -> Any:
        [report] = asyncio.run(rt.syncer().sync_many(rt.select_connectors()))
        return report

    assert sync().outcome == "ok"
    before = snapshot(sqlite_engine)
    server.use("ical", "fewer")  # upstream changed: no 304 short-cut around the fault
    server.fail(mode)
    outcome, words = FAULTS[mode]
    report = sync()
    assert report.outcome == outcome, report.error
    assert words in (report.error or ""), report.error
    if outcome == "failed":
        assert snapshot(sqlite_engine) == before  # events lost: 0
    server.fail(None)
    server.use("ical")
    assert sync().outcome in ("ok", "not_modified")
    after = snapshot(sqlite_engine)
    assert after == before if outcome == "failed" else after.keys() == before.keys()
