"""Alerts on SQLite and PostgreSQL: identity across moved events, lifecycle, workflow,
silences, history, incremental evaluation after a sync."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, update

from calsync.alerts import store
from calsync.alerts.fingerprint import fingerprint
from calsync.clock import FixedClock
from calsync.config import load_config_text
from calsync.config.schema import Config
from calsync.errors import NotFoundError
from calsync.rules import evaluate_and_update
from calsync.runtime import Runtime
from calsync.store.tables import events
from tests.rules.timelines import data
from tests.rules.timelines import store as store_events
from tests.support import write_events

NOW = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)

RULES = """
selectors:
  cofin: {kind: decision, tags: [co-financing]}
  close: {kind: deadline, tags: [call]}
rules:
  R1:
    kind: precedes
    title: co-financing before the call closes
    a: cofin
    b: close
    join: {keys: [programme], pick: nearest}
    severity: warning
    escalate: [{before_due: P30D, severity: critical}]
  july:
    kind: blackout
    a: {kind: consultation}
    windows: [{name: July, yearly: {from: --07-01, to: --07-31}}]
alerts: {lookback: null}
"""


@pytest.fixture
def config() -> Config:
    return load_config_text(RULES)


def seed(engine: Engine, decision_day: str = "2026-06-09") -> dict[str, int]:
    return store_events(engine, [
        data("call", "ERDF call closes", "2026-05-15", level="national",
             actor="Tillväxtverket", kind="deadline", tags=["call"],
             attrs={"programme": "ERDF"}),
        data("cofin", "Co-financing decision", decision_day, level="municipal",
             actor="Vindelns kommun", kind="decision", tags=["co-financing"],
             attrs={"programme": "ERDF"}),
        data("ks", "Kommunstyrelsen", "2026-04-27", level="municipal",
             actor="Vindelns kommun", kind="meeting"),
    ])


def move(engine: Engine, event_id: int, day: str) -> None:
    start = datetime.fromisoformat(day).replace(tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(update(events).where(events.c.id == event_id).values(
            start_at=start, end_at=start + timedelta(days=1)))


def test_a_finding_opens_an_explained_alert(engine: Engine, config: Config) -> None:
    seed(engine)
    clock = FixedClock(NOW)
    summary = evaluate_and_update(engine=engine, config=config, clock=clock)
    assert summary.alerts.as_dict()["opened"] == 1 and not summary.incremental
    with engine.connect() as conn:
        [alert] = store.list_alerts(conn, state="firing", now=NOW)
        [opened] = store.history(conn, alert.id)
    assert alert.rule_id == "R1" and alert.status == "firing" and alert.workflow == "open"
    assert alert.severity == "warning" and alert.due_at is not None
    assert alert.annotations["slack_days"] == "-25"
    assert "your last meeting before then is Kommunstyrelsen on 27 April 2026" in \
        alert.annotations["fix"]
    assert alert.labels["alertname"] == "R1" and alert.labels["severity"] == "warning"
    identity = {k: alert.labels[k] for k in ("alertname", "rule_kind", "subject_uid",
                                            "object_uid")}
    assert alert.fingerprint == fingerprint(identity)
    assert (opened.field, opened.to_value, opened.actor) == ("status", "firing", "calsync")


def test_a_moved_decision_updates_its_alert_then_resolves_it(engine: Engine,
                                                             config: Config) -> None:
    ids = seed(engine)
    clock = FixedClock(NOW)
    evaluate_and_update(engine=engine, config=config, clock=clock)
    with engine.connect() as conn:
        [before] = store.list_alerts(conn, state="firing", now=NOW)
    move(engine, ids["cofin"], "2026-06-02")  # still late, by 18 days
    clock.advance(timedelta(days=1))
    summary = evaluate_and_update(engine=engine, config=config, clock=clock,
                                  changed_event_ids=[ids["cofin"]])
    assert summary.incremental and summary.rules == ["R1"]
    assert summary.alerts.as_dict() == {"opened": 0, "refired": 0, "updated": 1,
                                        "unchanged": 0, "resolved": 0, "history": 0}
    with engine.connect() as conn:
        [after] = store.list_alerts(conn, state="firing", now=clock.now())
        moved = [t for t in store.history(conn, after.id) if t.field == "dates"]
    assert (after.id, after.fingerprint, after.starts_at) == (before.id, before.fingerprint,
                                                              before.starts_at)
    assert after.annotations["slack_days"] == "-18"
    assert moved and "2026-06-09 → 2026-06-02" in (moved[0].reason or "")
    move(engine, ids["cofin"], "2026-05-05")  # now in time
    clock.advance(timedelta(days=1))
    summary = evaluate_and_update(engine=engine, config=config, clock=clock,
                                  changed_event_ids=[ids["cofin"]])
    assert summary.alerts.as_dict()["resolved"] == 1
    with engine.connect() as conn:
        [resolved] = store.list_alerts(conn, state="resolved", now=clock.now())
        trail = [(t.field, t.from_value, t.to_value) for t in store.history(conn, resolved.id)]
    assert resolved.id == before.id and resolved.ends_at == clock.now()
    assert trail == [("status", None, "firing"), ("dates", None, None),
                     ("status", "firing", "resolved")]


def test_incremental_evaluation_skips_rules_that_cannot_see_the_change(
        engine: Engine, config: Config) -> None:
    ids = seed(engine)
    clock = FixedClock(NOW)
    evaluate_and_update(engine=engine, config=config, clock=clock)
    summary = evaluate_and_update(engine=engine, config=config, clock=clock,
                                  changed_event_ids=[ids["ks"]])
    assert summary.rules == [] and summary.findings == 0
    with engine.connect() as conn:
        assert len(store.list_alerts(conn, state="firing", now=NOW)) == 1  # untouched


def test_cancelled_event_resolves_through_an_incremental_run(
        engine: Engine, config: Config) -> None:
    ids = seed(engine)
    clock = FixedClock(NOW)
    evaluate_and_update(engine=engine, config=config, clock=clock)
    with engine.begin() as conn:
        conn.execute(update(events).where(events.c.id == ids["cofin"]).values(
            status="cancelled"))
    summary = evaluate_and_update(engine=engine, config=config, clock=clock,
                                  changed_event_ids=[ids["cofin"]])
    assert summary.rules == ["R1"] and summary.alerts.as_dict()["resolved"] == 1


def test_severity_escalates_and_is_recorded(engine: Engine, config: Config) -> None:
    seed(engine)
    clock = FixedClock(NOW)
    evaluate_and_update(engine=engine, config=config, clock=clock)
    clock.set(datetime(2026, 4, 20, tzinfo=UTC))  # 25 days before the due date
    evaluate_and_update(engine=engine, config=config, clock=clock)
    with engine.connect() as conn:
        [alert] = store.list_alerts(conn, state="firing", now=clock.now())
        trail = [(t.field, t.from_value, t.to_value) for t in store.history(conn, alert.id)]
    assert alert.severity == "critical" and alert.labels["severity"] == "critical"
    assert ("severity", "warning", "critical") in trail


def test_removed_rule_resolves_its_alerts_on_a_full_run(engine: Engine, config: Config) -> None:
    seed(engine)
    clock = FixedClock(NOW)
    evaluate_and_update(engine=engine, config=config, clock=clock)
    without = load_config_text(RULES.replace("  R1:", "  R1-old:").replace(
        "    kind: precedes", "    enabled: false\n    kind: precedes"))
    summary = evaluate_and_update(engine=engine, config=without, clock=clock)
    assert summary.alerts.as_dict()["resolved"] == 1
    with engine.connect() as conn:
        [alert] = store.list_alerts(conn, state="resolved", now=NOW)
        last = store.history(conn, alert.id)[-1]
    assert last.reason == "rule R1 is disabled or no longer configured"


def test_workflow_ack_snooze_wontfix_reopen(engine: Engine, config: Config) -> None:
    seed(engine)
    clock = FixedClock(NOW)
    evaluate_and_update(engine=engine, config=config, clock=clock)
    with engine.begin() as conn:
        [alert] = store.list_alerts(conn, state="firing", now=NOW)
        acked = store.acknowledge(conn, alert.id, by="anna", comment="KS moves it to April",
                                  now=NOW)
        assert (acked.workflow, acked.ack_by, acked.ack_comment) == (
            "acknowledged", "anna", "KS moves it to April")
        assert [a.id for a in store.list_alerts(conn, state="acknowledged", now=NOW)] == [
            alert.id]
        snoozed = store.snooze(conn, alert.fingerprint, until=NOW + timedelta(days=7),
                               by="anna", comment="after the summer board", now=NOW)
        assert snoozed.effective_workflow(NOW) == "snoozed"
        assert snoozed.effective_workflow(NOW + timedelta(days=8)) == "open"
        with pytest.raises(ValueError, match="not in the future"):
            store.snooze(conn, alert.id, until=NOW, by="anna", comment="", now=NOW)
        store.wont_fix(conn, alert.id, by="bo", comment="programme closed", now=NOW)
        store.reopen(conn, alert.id, by="bo", comment="", now=NOW)
        trail = [(t.field, t.from_value, t.to_value, t.actor)
                 for t in store.history(conn, alert.id)]
        with pytest.raises(NotFoundError):
            store.get_alert(conn, 999999)
    assert trail[1:] == [("workflow", "open", "acknowledged", "anna"),
                         ("workflow", "acknowledged", "snoozed", "anna"),
                         ("workflow", "snoozed", "wont_fix", "bo"),
                         ("workflow", "wont_fix", "open", "bo")]


def test_snooze_ends_by_itself(engine: Engine, config: Config) -> None:
    seed(engine)
    clock = FixedClock(NOW)
    evaluate_and_update(engine=engine, config=config, clock=clock)
    with engine.begin() as conn:
        [alert] = store.list_alerts(conn, state="firing", now=NOW)
        store.snooze(conn, alert.id, until=NOW + timedelta(days=2), by="a", comment="",
                     now=NOW)
    clock.advance(timedelta(days=3))
    evaluate_and_update(engine=engine, config=config, clock=clock)
    with engine.connect() as conn:
        woken = store.get_alert(conn, alert.id)
        last = store.history(conn, alert.id)[-1]
    assert woken.workflow == "open" and woken.snooze_until is None
    assert (last.from_value, last.to_value) == ("snoozed", "open")


def test_silences_match_labels_in_their_time_range(engine: Engine, config: Config) -> None:
    seed(engine)
    evaluate_and_update(engine=engine, config=config, clock=FixedClock(NOW))
    with engine.begin() as conn:
        regex = store.create_silence(
            conn, [store.Matcher.parse("alertname=~R[0-9]+"),
                   store.Matcher.parse({"name": "level", "value": "municipal"})],
            starts_at=NOW, ends_at=NOW + timedelta(days=7), created_by="anna",
            comment="known, being fixed", now=NOW)
        store.create_silence(conn, [store.Matcher.parse("severity!=warning")],
                             starts_at=NOW, ends_at=NOW + timedelta(days=7),
                             created_by="anna", comment="not this one", now=NOW)
        [alert] = store.list_alerts(conn, state="silenced", now=NOW)
        assert alert.silenced_by == [regex.id]
        assert store.list_alerts(conn, state="silenced", now=NOW + timedelta(days=8)) == []
        expired = store.expire_silence(conn, regex.id, NOW + timedelta(days=1))
        assert expired.state(NOW + timedelta(days=1)) == "expired"
        assert store.list_alerts(conn, state="silenced", now=NOW + timedelta(days=1)) == []
    with pytest.raises(ValueError, match="not a matcher"):
        store.Matcher.parse("level")


def test_alert_identity_survives_a_move_through_a_real_sync(
        tmp_path: Path, engine: Engine, write_config: Callable[..., Path],
        make_runtime: Callable[..., Runtime]) -> None:
    path = write_config("""
connectors:
  upstream:
    type: tests.support:FileConnector
    level: municipal
    actor: Vindelns kommun
    kind: decision
    file: events.json
""" + RULES)
    feed = tmp_path / "events.json"
    call = {"id": "call", "title": "ERDF call closes", "start": "2027-05-15",
            "tags": ["call"], "attrs": {"programme": "ERDF"}}
    decision = {"id": "cofin", "title": "Co-financing decision", "start": "2027-06-09",
                "tags": ["co-financing"], "attrs": {"programme": "ERDF"}}
    write_events(feed, [call, decision])
    runtime = make_runtime(path, engine)
    runtime.config = runtime.config.model_copy(update={"selectors": {
        "cofin": runtime.config.selectors["cofin"],
        "close": runtime.config.selectors["close"].model_copy(update={"kind": None})}})
    asyncio.run(runtime.syncer().sync_many(runtime.select_connectors()))
    evaluate_and_update(runtime)
    with engine.connect() as conn:
        [first] = store.list_alerts(conn, state="firing", now=runtime.clock.now())
    write_events(feed, [call, dict(decision, start="2027-06-01")])
    asyncio.run(runtime.syncer().sync_many(runtime.select_connectors()))
    with engine.connect() as conn:
        [row] = conn.execute(events.select().where(events.c.external_uid == "cofin")).all()
    summary = evaluate_and_update(runtime, changed_event_ids=[row.id])
    assert summary.alerts.updated and not summary.alerts.opened
    with engine.connect() as conn:
        [second] = store.list_alerts(conn, state="all", now=runtime.clock.now())
    assert second.id == first.id and second.status == "firing"
    assert second.annotations["subject_when"] == "2027-06-01"


def test_system_alerts_are_raised_once_and_survive_rule_evaluation(
        engine: Engine, config: Config) -> None:
    from calsync.alerts import raise_system_alert

    clock = FixedClock(NOW)
    tick = NOW - timedelta(hours=1)
    first = raise_system_alert(engine=engine, config=config, clock=clock,
                               name="scheduler_run_abandoned", job="eu-cycles",
                               source="eu-cycles", tick=tick, owner="host:1",
                               summary="eu-cycles: scheduled sync abandoned after retries",
                               error="HTTP 503", description="HTTP 503")
    again = raise_system_alert(engine=engine, clock=clock, name="scheduler_run_abandoned",
                               job="eu-cycles", source="eu-cycles", summary="again",
                               error="HTTP 504")
    assert first == again
    evaluate_and_update(engine=engine, config=config, clock=clock)
    with engine.connect() as conn:
        [alert] = store.list_alerts(conn, state="firing", now=NOW)
    assert (alert.rule_kind, alert.labels["job"], alert.severity) == ("system", "eu-cycles",
                                                                      "critical")
    assert alert.annotations["error"] == "HTTP 504" and alert.summary == "again"
