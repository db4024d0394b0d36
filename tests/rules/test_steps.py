"""Expected and actual steps end to end: built-in cycles (a `schedules` connector) and a
connector's actual step (mapped by config), synced into the store (SQLite and
PostgreSQL), evaluated, listed and published."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from calsync.alerts.evaluate import EvaluationSummary, evaluate_and_update, load_timeline
from calsync.runtime import Runtime
from calsync.store.events import list_events
from calsync.web.app import create_app
from tests.support import write_events

SCHEDULE = """\
defaults: {timezone: Europe/Stockholm}
cycles:
- id: umea.budget.council-adoption
  title: "Umeå kommun: the council adopts the {next_year} budget (by 30 November)"
  level: municipal
  actor: Umeå kommun
  kind: budget
  when: {window: {from: --11-30, to: --11-30}}
  precision: no_later_than
  certainty: high
  tags: [budget-adoption]
  attrs: {budget_year: "{next_year}"}
  step: {process: budget, step: council-adoption, period: "{next_year}"}
  sources: [{url: "https://example.org/kl"}]
- id: umea.budget.june-practice
  title: "Umeå kommun: the council usually adopts the {next_year} budget in June"
  level: municipal
  actor: Umeå kommun
  kind: budget
  when: {window: {from: --06-15, to: --06-15}}
  precision: observed
  certainty: medium
  tags: [budget-adoption]
  attrs: {budget_year: "{next_year}"}
  step: {process: budget, step: council-adoption, period: "{next_year}", role: expected}
  sources: [{url: "https://example.org/umea"}]
"""

CONFIG = """\
timezone: Europe/Stockholm
horizon: {past: P1Y, future: P2Y}
connectors:
  cycles:
    type: schedules
    paths: [schedules/cycles.yaml]
  umea-kf:
    type: tests.support:FileConnector
    file: kf.json
    level: municipal
    actor: Umeå kommun
    kind: meeting
    max_removal_share: 1.0
    mapping:
      - field: title
        matches: '^KF: Budget (?P<budget_year>\\d{4})'
        kind: budget
        tags: [budget-adoption]
        attrs: {process: budget, step: council-adoption, period: "{budget_year}"}
selectors:
  council_budget: {kind: budget, where: {process: budget, step: council-adoption}}
rules:
  R4:
    kind: deadline
    title: the council adopts the budget by 30 November
    a: council_budget
    partition: [actor]
    year: {attr: budget_year, offset: -1}
    by: --11-30
    severity: warning
"""

ACTUAL_LATE = [{"id": "kf-2028", "title": "KF: Budget 2028 och plan 2029-2030",
                "start": "2027-12-10"}]


@pytest.fixture
def project(tmp_path: Path, engine: Engine, write_config: Callable[..., Path],
            make_runtime: Callable[..., Runtime]) -> Runtime:
    path = write_config(CONFIG, **{"schedules__cycles.yaml": SCHEDULE})
    write_events(tmp_path / "kf.json", [])
    return make_runtime(path, engine)



def evaluate(rt: Runtime, **kwargs: Any) -> EvaluationSummary:
    return evaluate_and_update(engine=rt.engine, config=rt.config, clock=rt.clock, **kwargs)

def sync(rt: Runtime) -> None:
    reports = asyncio.run(rt.syncer().sync_many(rt.select_connectors()))
    assert all(r.ok for r in reports), [r.error for r in reports]


def titles(rt: Runtime) -> list[str]:
    with rt.engine.connect() as conn:
        return [e.title for e in list_events(conn)]


def test_expectations_alone_never_satisfy_nor_break_the_rule_but_the_gap_is_reported(
        project: Runtime) -> None:
    sync(project)
    summary = evaluate(project)
    assert summary.evaluation is not None
    found = summary.evaluation.findings
    # 2027's deadline is tomorrow (the clock says 29 November 2026) and no date is known;
    # 2028's is a year away: nothing yet. Expectations are not violations.
    assert [(f.rule_id, f.severity, f.identity["year"]) for f in found] == [
        ("R4", "info", "2026")]
    assert found[0].summary == ("No date is known yet for Umeå kommun: the council adopts "
                                "the 2027 budget; the deadline is 30 November 2026.")
    assert found[0].subject.title.startswith("Umeå kommun: the council adopts the 2027")
    assert summary.alerts.as_dict()["opened"] == 1


def test_an_actual_step_supersedes_the_expectation_and_is_checked_against_the_deadline(
        project: Runtime, tmp_path: Path) -> None:
    sync(project)
    june_2028 = "Umeå kommun: the council usually adopts the 2028 budget in June"
    assert june_2028 in titles(project)
    write_events(tmp_path / "kf.json", ACTUAL_LATE)
    sync(project)
    summary = evaluate(project)
    assert summary.evaluation is not None
    late = [f for f in summary.evaluation.findings if f.identity["year"] == "2027"]
    assert [(f.severity, f.subject.title) for f in late] == [
        ("warning", "KF: Budget 2028 och plan 2029-2030")]
    assert "comes 10 days after the deadline of 30 November 2027" in late[0].summary
    # the expectation of the 2028 step is gone from listings, the rules and the feeds;
    # the statutory deadline stays, and so do the expectations of other years
    listed = titles(project)
    assert june_2028 not in listed
    assert "Umeå kommun: the council adopts the 2028 budget (by 30 November)" in listed
    assert "Umeå kommun: the council usually adopts the 2027 budget in June" in listed
    with project.engine.connect() as conn:
        on_timeline = [i.title for i in load_timeline(conn, "Europe/Stockholm").items]
    assert june_2028 not in on_timeline and "KF: Budget 2028 och plan 2029-2030" in on_timeline
    feed = TestClient(create_app(project)).get("/feeds/all.ics").text
    assert "KF: Budget 2028" in feed and "usually adopts the 2028 budget" not in feed
    assert "SUMMARY:Expected: Umeå kommun: the council usually adopts the 2027 budget" in feed
    # the actual step is withdrawn upstream (cancelled): the expectation is back
    write_events(tmp_path / "kf.json", [])
    sync(project)
    assert june_2028 in titles(project)
    feed = TestClient(create_app(project)).get("/feeds/all.ics").text
    assert "usually adopts the 2028 budget" in feed


def test_an_actual_on_time_satisfies_the_rule(project: Runtime, tmp_path: Path) -> None:
    write_events(tmp_path / "kf.json", [{"id": "kf-2028", "title": "KF: Budget 2028",
                                         "start": "2027-06-14"}])
    sync(project)
    summary = evaluate(project)
    assert summary.evaluation is not None
    assert [f.identity["year"] for f in summary.evaluation.findings] == ["2026"]  # the gap
