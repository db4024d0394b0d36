"""The shipped pilot, offline, on its first run (SQLite and PostgreSQL): only the findings
a coordinator acts on, as the README's "What the pilot finds" says."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine

from calsync.alerts.evaluate import evaluate_and_update
from calsync.alerts.store import list_alerts
from calsync.clock import FixedClock
from calsync.config import load_config
from calsync.runtime import Runtime
from tests.conftest import REPO

FIRST_RUN = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def first_run(engine: Engine, now: datetime) -> Runtime:
    runtime = Runtime.from_config(load_config(REPO / "config.yaml"), clock=FixedClock(now),
                                  engine=engine)
    reports = asyncio.run(runtime.syncer().sync_many(runtime.select_connectors()))
    assert all(r.ok for r in reports), [r.error for r in reports]
    assert {r.source for r in reports} == {"eu-cycles", "national-cycles", "calendar",
                                              "regional-cycles", "municipal-cycles"}
    evaluate_and_update(engine=runtime.engine, config=runtime.config,
                        clock=runtime.clock, notify=False)
    return runtime


def test_first_run_raises_only_the_rus_review(engine: Engine,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    first_run(engine, FIRST_RUN)
    with engine.connect() as conn:
        alerts = list_alerts(conn, state="firing", now=FIRST_RUN)
    assert [(a.rule_id, a.severity) for a in alerts] == [("R13", "warning")], \
        [a.summary for a in alerts]
    [alert] = alerts
    assert alert.labels.get("owner") == "Region Västerbotten"
    assert alert.due_at is not None
    assert alert.due_at.astimezone(ZoneInfo("Europe/Stockholm")).date() == date(2027, 6, 30)
    assert "30 juni 2027" in alert.summary + alert.annotations.get("fix", "")  # language: sv
    assert "30 June 2027" in alert.annotations["summary_en"] + alert.annotations["fix_en"]


def test_before_the_budget_deadline_r4_notes_the_unknown_dates(
        sqlite_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """A month before 30 November, once per organisation, at the lowest severity."""
    monkeypatch.chdir(REPO)
    now = datetime(2027, 11, 5, 9, 0, tzinfo=UTC)
    first_run(sqlite_engine, now)
    with sqlite_engine.connect() as conn:
        notes = list_alerts(conn, state="firing", now=now, rule="R4")
    assert len(notes) == 16 and {a.severity for a in notes} == {"info"}
    assert any("Umeå kommun" in a.summary and "30 november 2027" in a.summary
               for a in notes), [a.summary for a in notes]
