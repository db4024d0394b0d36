"""Who can move, and alerts people act on, end to end: file connectors synced into the
store (SQLite and PostgreSQL), evaluated, turned into alerts."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from calsync.alerts import store
from calsync.alerts.evaluate import EvaluationSummary, evaluate_and_update
from calsync.runtime import Runtime
from calsync.store.events import list_events
from tests.conftest import NOW
from tests.support import write_events

CONFIG = """\
timezone: Europe/Stockholm
organisations:
  Skellefteå kommun:
    bodies: [Kommunfullmäktige i Skellefteå]
connectors:
  kommun:
    type: tests.support:FileConnector
    file: kommun.json
    level: municipal
    actor: Skellefteå kommun
    kind: decision
    mapping:   # the council's meetings: a body of the organisation
      - {{field: title, equals: Kommunfullmäktige, kind: meeting,
          actor: Kommunfullmäktige i Skellefteå}}
  eu:
    type: tests.support:FileConnector
    file: eu.json
    level: eu
    actor: European Commission
    kind: deadline
  stat:
    type: tests.support:FileConnector
    file: stat.json
    level: national
    actor: Regeringen
    kind: decision
alerts:
  past_due: {past_due}
rules:
  R1:
    kind: precedes
    title: co-financing decided before the call closes
    a: {{level: municipal, kind: decision, tags: [co-financing]}}
    b: {{level: eu, kind: deadline}}
    join: nearest
  R6:
    kind: precedes
    title: local decisions on state money after the appropriation directions
    a: {{level: national, kind: decision}}
    b: {{level: municipal, kind: decision, tags: [state-money]}}
    join: nearest
    enabled: {r6_enabled}
  R10:
    kind: blackout
    title: deadlines on working days
    a: {{level: eu, kind: deadline}}
    point: start
    windows: [{{non_working_days: SE}}]
    severity: info
"""

KOMMUN = [
    {"id": "cofin", "title": "Medfinansiering Norrsken", "start": "2027-06-01",
     "tags": ["co-financing"]},
    {"id": "kf", "title": "Kommunfullmäktige", "start": "2027-04-26T13:00:00+02:00"},
    {"id": "statlig", "title": "Beslut om statsbidrag", "start": "2027-02-01",
     "tags": ["state-money"]},
    {"id": "old-cofin", "title": "Medfinansiering Polstjärnan", "start": "2026-06-01",
     "tags": ["co-financing"]},
]
EU = [
    {"id": "call", "title": "ERDF call closes", "start": "2027-05-14"},  # a Friday
    {"id": "sunday", "title": "Interreg call closes", "start": "2027-02-14"},  # a Sunday
    {"id": "old-call", "title": "Old call closes", "start": "2026-05-15"},  # a Friday
]
STAT = [{"id": "rb", "title": "Regleringsbrev", "start": "2027-03-01"}]


def setup(tmp_path: Path, engine: Engine, write_config: Callable[..., Path],
          make_runtime: Callable[..., Runtime], *, past_due: str = "history",
          r6_enabled: bool = True) -> Runtime:
    path = write_config(CONFIG.format(past_due=past_due,
                                      r6_enabled=str(r6_enabled).lower()))
    write_events(tmp_path / "kommun.json", KOMMUN)
    write_events(tmp_path / "eu.json", EU)
    write_events(tmp_path / "stat.json", STAT)
    return make_runtime(path, engine)


@pytest.fixture
def project(tmp_path: Path, engine: Engine, write_config: Callable[..., Path],
            make_runtime: Callable[..., Runtime]) -> Runtime:
    rt = setup(tmp_path, engine, write_config, make_runtime)
    sync(rt)
    return rt



def evaluate(rt: Runtime, **kwargs: Any) -> EvaluationSummary:
    return evaluate_and_update(engine=rt.engine, config=rt.config, clock=rt.clock, **kwargs)

def sync(rt: Runtime) -> None:
    reports = asyncio.run(rt.syncer().sync_many(rt.select_connectors()))
    assert all(r.ok for r in reports), [r.error for r in reports]


def by_rule(summary: EvaluationSummary) -> dict[str, list[Any]]:
    assert summary.evaluation is not None
    return summary.evaluation.by_rule()


def test_the_fix_goes_to_the_organisation_that_can_move_with_its_last_meeting(
        project: Runtime) -> None:
    findings = by_rule(evaluate(project))["R1"]
    [late] = [f for f in findings if f.subject.title == "Medfinansiering Norrsken"]
    assert late.owner == "Skellefteå kommun" and late.labels()["owner"] == "Skellefteå kommun"
    assert late.fix is not None
    assert late.fix.text == ("Skellefteå kommun: decide by 14 May 2027; your last meeting "
                             "before then is Kommunfullmäktige on 26 April 2027")
    assert late.summary == ("Skellefteå kommun: Medfinansiering Norrsken (1 June 2027) comes 18 "
                            "days after European Commission: ERDF call closes (14 May 2027), "
                            "but it must come first (rule R1: co-financing decided before the call "
                            "closes)")


def test_when_only_the_other_side_can_move_the_fix_is_addressed_to_it(
        project: Runtime) -> None:
    [f] = by_rule(evaluate(project))["R6"]
    assert f.subject.actor == "Regeringen" and f.owner == "Skellefteå kommun"
    assert f.fix is not None and f.fix.text == (
        "Skellefteå kommun: move it to 1 March 2027 or later; your first meeting from then "
        "is Kommunfullmäktige on 26 April 2027")


def test_when_nobody_can_move_it_is_a_planning_note_never_move_it(project: Runtime) -> None:
    [f] = by_rule(evaluate(project))["R10"]
    assert f.subject.title == "Interreg call closes" and f.owner == ""
    assert f.fix is not None and f.fix.direction == "note"
    assert f.fix.text == ("planning note: European Commission sets this date, a non-working "
                          "day; the last working day before it is Friday 12 February 2027, so "
                          "be ready by then")
    assert "move" not in f.fix.text and "owner" not in f.labels()


def test_findings_already_past_are_history_not_new_alerts(project: Runtime) -> None:
    summary = evaluate(project)
    past = [f for f in by_rule(summary)["R1"] if f.subject.title.endswith("Polstjärnan")]
    assert len(past) == 1 and past[0].due_day.isoformat() == "2026-05-15"
    assert len(summary.alerts.history) == 1
    with project.engine.connect() as conn:
        firing = store.list_alerts(conn, state="firing", now=NOW)
    assert "Medfinansiering Polstjärnan" not in " ".join(a.summary for a in firing)
    assert {a.rule_id for a in firing} == {"R1", "R6", "R10"}


def test_past_due_alert_raises_them(tmp_path: Path, engine: Engine,
                                    write_config: Callable[..., Path],
                                    make_runtime: Callable[..., Runtime]) -> None:
    rt = setup(tmp_path, engine, write_config, make_runtime, past_due="alert")
    sync(rt)
    summary = evaluate(rt)
    assert summary.alerts.history == [] and len(summary.alerts.opened) == 4


def test_a_disabled_rule_resolves_at_the_next_incremental_evaluation(
        project: Runtime, tmp_path: Path, engine: Engine,
        write_config: Callable[..., Path], make_runtime: Callable[..., Runtime]) -> None:
    evaluate(project)
    disabled = setup(tmp_path, engine, write_config, make_runtime, r6_enabled=False)
    with engine.connect() as conn:
        cofin = next(e.id for e in list_events(conn) if e.external_uid == "cofin")
    summary = evaluate(disabled, changed_event_ids=[cofin])  # after a sync
    assert summary.incremental and "R6" not in summary.rules
    assert len(summary.alerts.resolved) == 1
    with engine.connect() as conn:
        [alert] = store.list_alerts(conn, state="resolved", now=NOW)
        assert alert.rule_id == "R6"
        assert store.history(conn, alert.id)[-1].reason == \
            "rule R6 is disabled or no longer configured"


def test_a_rule_that_hits_its_cap_keeps_the_first_and_warns(
        tmp_path: Path, engine: Engine, write_config: Callable[..., Path],
        make_runtime: Callable[..., Runtime]) -> None:
    path = write_config(CONFIG.format(past_due="alert", r6_enabled="true")
                        + "    max_findings: 1\n")
    write_events(tmp_path / "kommun.json", KOMMUN)
    write_events(tmp_path / "eu.json", EU)
    write_events(tmp_path / "stat.json", STAT)
    rt = make_runtime(path, engine)
    sync(rt)
    summary = evaluate(rt)
    assert len(by_rule(summary)["R1"]) == 2  # the default cap (100) is far away
    assert summary.warnings == [] and summary.as_dict()["warnings"] == []
    capped = make_runtime(write_config(
        CONFIG.format(past_due="alert", r6_enabled="true").replace(
            "    join: nearest\n", "    join: nearest\n    max_findings: 1\n", 1)), engine)
    summary = evaluate(capped)
    assert len(by_rule(summary)["R1"]) == 1
    assert summary.warnings == ["rule R1 found more than 1 misalignments; only the first 1 "
                                "are shown. Narrow the rule's events or raise its "
                                "max_findings."]
