"""The one entry point that evaluates and notifies: run the rules on the stored timeline,
bring alerts up to date, enqueue the notifications that are due.

The CLI (`calsync evaluate`), the API (`POST /api/alerts/evaluate`) and the scheduler's
`__evaluate__` job all call `evaluate_and_update`; the rules themselves stay pure.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine

from calsync.alerts.kept import kept_timeline, lock, save_snapshot
from calsync.alerts.notify.dispatch import enqueue_due
from calsync.alerts.store import ApplyResult, apply_findings, firing_rule_ids, wake_snoozed
from calsync.clock import Clock
from calsync.config.schema import Config
from calsync.perf import no_gc_pauses
from calsync.rules.engine import Evaluation, evaluate, rules_touched
from calsync.rules.timeline import Timeline
from calsync.store.events import events_by_ids
from calsync.store.facts import iter_facts

__all__ = ["EvaluationSummary", "evaluate_and_update", "evaluate_stored", "load_timeline"]


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


def load_timeline(conn: Connection, tz: str) -> Timeline:
    """The rules' timeline of every non-cancelled stored event."""
    return Timeline.from_facts(iter_facts(conn), tz)


def evaluate_stored(engine: Engine, config: Config, now: datetime) -> Evaluation:
    """Every enabled rule over the stored timeline, touching nothing (`--dry-run`)."""
    with lock(engine):
        with engine.connect() as conn:
            timeline = kept_timeline(engine, conn, config.timezone)
        return evaluate(config, timeline, now)


def evaluate_and_update(*, engine: Engine, config: Config, clock: Clock,
                        changed_event_ids: Iterable[int] | None = None,
                        notify: bool = True) -> EvaluationSummary:
    """Run the misalignment rules now, update alerts, enqueue due notifications.

    Call it after a sync with the ids of the events the sync added, changed or
    cancelled (`changed_event_ids`): only the rules whose selectors contain one of them
    (or that have a firing alert about one of them) run, and only their alerts change.
    Without ids every enabled rule runs. Either way, alerts of rules disabled or no
    longer configured resolve, and findings already due before today that have no
    alert yet are history, not new alerts (`alerts.past_due`). Sending is separate:
    `calsync.alerts.notify.deliver.drain_outbox` delivers what this enqueued.
    """
    started = time.perf_counter()
    now = clock.now()
    ids = None if changed_event_ids is None else list(changed_event_ids)
    with lock(engine), no_gc_pauses():
        # The timeline kept from the last evaluation, brought up to date with what
        # changed since (`calsync.alerts.kept`), instead of reading every event again.
        with engine.connect() as conn:
            timeline = kept_timeline(engine, conn, config.timezone, ids)
            rule_ids: list[str] | None = None
            if ids is not None:
                changed = events_by_ids(conn, ids)
                touched = set(rules_touched(config, timeline, changed))
                touched |= firing_rule_ids(conn, about=[e.uid for e in changed])
                rule_ids = [r for r in config.rules if r in touched]
        save_snapshot(engine)  # for the next process, if this one had to read much
        evaluation = evaluate(config, timeline, now, rule_ids)
        with engine.begin() as conn:
            # Rules disabled or removed since: their alerts resolve now, whatever
            # evaluation (full or incremental, from any command or job) comes first.
            configured = {r for r, rule in config.rules.items() if rule.enabled}
            stale = sorted(firing_rule_ids(conn) - configured)
            history_before = now.astimezone(ZoneInfo(config.timezone)).date() \
                if config.alerts.past_due == "history" else None
            result = apply_findings(conn, evaluation.findings, evaluation.rules, now,
                                    resolve_other_rules=stale,
                                    history_before=history_before)
            wake_snoozed(conn, now)
            # In the same transaction: a crash leaves alerts and their notifications
            # both committed or neither (tests/reliability/test_evaluate_kill.py).
            enqueued = enqueue_due(conn, config, now) if notify else 0
    return EvaluationSummary(
        at=now, incremental=rule_ids is not None, rules=evaluation.rules,
        findings=len(evaluation.findings), alerts=result, enqueued=enqueued,
        events=evaluation.events, seconds=time.perf_counter() - started,
        rule_seconds=evaluation.seconds, evaluation=evaluation)
