"""Evaluate the rules against the store and bring alerts and notifications up to date."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, or_, select

from calsync.alerts.store import ApplyResult, apply_findings, wake_snoozed
from calsync.clock import Clock, SystemClock
from calsync.config.schema import Config
from calsync.rules.engine import Evaluation, evaluate, rules_touched
from calsync.rules.timeline import load_timeline
from calsync.store.events import row_to_event
from calsync.store.tables import alerts, events

if TYPE_CHECKING:
    from calsync.runtime import Runtime

__all__ = ["EvaluationSummary", "evaluate_and_update", "parts"]


@dataclass
class EvaluationSummary:
    """What one evaluation did: which rules ran, what they found, what changed."""

    at: datetime
    incremental: bool
    rules: list[str]
    findings: int
    alerts: ApplyResult
    enqueued: int
    events: int
    seconds: float
    rule_seconds: dict[str, float] = field(default_factory=dict)
    evaluation: Evaluation | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"at": self.at.isoformat(), "incremental": self.incremental,
                "rules": self.rules, "findings": self.findings,
                "alerts": self.alerts.as_dict(), "enqueued": self.enqueued,
                "events": self.events, "seconds": round(self.seconds, 3),
                "warnings": list(self.warnings)}

    @property
    def warnings(self) -> list[str]:
        """Rules that hit their findings cap, in words."""
        return self.evaluation.warnings if self.evaluation is not None else []


def parts(runtime: Runtime | None, engine: Engine | None, config: Config | None,
          clock: Clock | None) -> tuple[Engine, Config, Clock]:
    """Engine, config and clock from a runtime or given one by one."""
    if runtime is not None:
        return (engine or runtime.engine, config or runtime.config, clock or runtime.clock)
    if engine is None or config is None:
        raise TypeError("give a runtime, or an engine and a config")
    return engine, config, clock or SystemClock()


def evaluate_and_update(runtime: Runtime | None = None, *, engine: Engine | None = None,
                        config: Config | None = None, clock: Clock | None = None,
                        changed_event_ids: Iterable[int] | None = None,
                        notify: bool = True) -> EvaluationSummary:
    """Run the misalignment rules now, update alerts, enqueue due notifications.

    Call it after a sync with the ids of the events the sync added, changed or
    cancelled (`changed_event_ids`): only the rules whose selectors contain one of them
    (or that have a firing alert about one of them) run, and only their alerts change.
    Without ids every enabled rule runs. Either way, alerts of rules disabled or no
    longer configured resolve, and findings already due before today that have no
    alert yet are history, not new alerts (`alerts.past_due`). Pass a `Runtime`, or
    `engine` + `config` (+ `clock`). Sending is separate: `calsync.alerts.notify.drain_outbox`
    delivers what this enqueued.
    """
    engine, config, clock = parts(runtime, engine, config, clock)
    started = time.perf_counter()
    now = clock.now()
    with engine.connect() as conn:
        timeline = load_timeline(conn, config.timezone)
        rule_ids: list[str] | None = None
        if changed_event_ids is not None:
            ids = sorted(set(changed_event_ids))
            changed = []
            for i in range(0, len(ids), 500):
                rows = conn.execute(select(events).where(events.c.id.in_(ids[i:i + 500])))
                changed += [row_to_event(r) for r in rows.mappings()]
            touched = set(rules_touched(config, timeline, changed))
            uids = [e.uid for e in changed]
            for i in range(0, len(uids), 500):
                chunk = uids[i:i + 500]
                touched |= set(conn.execute(select(alerts.c.rule_id).where(
                    alerts.c.status == "firing",
                    or_(alerts.c.subject_uid.in_(chunk), alerts.c.object_uid.in_(chunk))
                )).scalars())
            rule_ids = [r for r in config.rules if r in touched]
    evaluation = evaluate(config, timeline, now, rule_ids)
    with engine.begin() as conn:
        # Rules disabled or removed since: their alerts resolve now, whatever evaluation
        # (full or incremental, from any command or job) comes first.
        configured = {r for r, rule in config.rules.items() if rule.enabled}
        stale = [r for r in conn.execute(select(alerts.c.rule_id).distinct().where(
            alerts.c.status == "firing", alerts.c.rule_kind != "system")).scalars()
                 if r not in configured]
        history_before = now.astimezone(ZoneInfo(config.timezone)).date() \
            if config.alerts.past_due == "history" else None
        result = apply_findings(conn, evaluation.findings, evaluation.rules, now,
                                resolve_other_rules=stale, history_before=history_before)
        wake_snoozed(conn, now)
    enqueued = 0
    if notify:
        from calsync.alerts.notify.dispatch import dispatch

        enqueued = dispatch(engine, config, now)
    return EvaluationSummary(
        at=now, incremental=rule_ids is not None, rules=evaluation.rules,
        findings=len(evaluation.findings), alerts=result, enqueued=enqueued,
        events=evaluation.events, seconds=time.perf_counter() - started,
        rule_seconds=evaluation.seconds, evaluation=evaluation)
