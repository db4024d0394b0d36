"""What the singleton jobs call: rule evaluation, the outbox, alerts for abandoned runs.

The scheduler only guarantees *when* and *once*; the work itself belongs to the alerts
package (`alerts.evaluate`, `alerts.notify.deliver`, `alerts.system`). `default_hooks()`
wires them; a `Hooks` without one (tests) leaves that job out of the plan.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine

from calsync.alerts.evaluate import evaluate_and_update
from calsync.alerts.notify import deliver
from calsync.alerts.system import raise_system_alert
from calsync.clock import Clock
from calsync.config.schema import Config
from calsync.digest.send import enqueue_digest

__all__ = ["HookContext", "Hooks", "default_hooks", "drain_outbox", "evaluate_changes",
           "queue_digest", "raise_abandoned_alert"]

log = logging.getLogger("calsync.scheduler")


@dataclass(frozen=True)
class HookContext:
    engine: Engine
    config: Config
    clock: Clock
    owner: str
    # Rule evaluation: the events changed since the last evaluation (None: evaluate all).
    changed_event_ids: frozenset[int] | None = None
    sources: frozenset[str] = field(default_factory=frozenset)
    # A digest job: the receiver's name and the tick being run.
    digest: str | None = None
    tick: datetime | None = None


Hook = Callable[[HookContext], dict[str, Any]]
AlertHook = Callable[[HookContext, str, datetime, str], None]


@dataclass(frozen=True)
class Hooks:
    evaluate: Hook | None = None
    outbox: Hook | None = None
    alert: AlertHook | None = None
    digest: Hook | None = None


def default_hooks() -> Hooks:
    return Hooks(evaluate=evaluate_changes, outbox=drain_outbox, alert=raise_abandoned_alert,
                 digest=queue_digest)


def queue_digest(ctx: HookContext) -> dict[str, Any]:
    """Queue one digest for its tick (`calsync.digest.send`: at most once per tick, the
    outbox sends it)."""
    assert ctx.digest is not None
    return _summary(enqueue_digest(ctx.engine, ctx.config, ctx.digest, ctx.clock.now(),
                                   ctx.tick))


def evaluate_changes(ctx: HookContext) -> dict[str, Any]:
    """Re-evaluate the misalignment rules after syncs changed events, once per batch:
    `calsync.alerts.evaluate.evaluate_and_update` (it updates alerts and enqueues
    notifications)."""
    ids = None if ctx.changed_event_ids is None else sorted(ctx.changed_event_ids)
    return _summary(evaluate_and_update(engine=ctx.engine, config=ctx.config,
                                        clock=ctx.clock, changed_event_ids=ids))


def drain_outbox(ctx: HookContext) -> dict[str, Any]:
    """Send what the notification outbox holds: `calsync.alerts.notify.deliver` (it claims
    each notification under its own lease, so a takeover never sends one twice)."""
    return _summary(deliver.drain_outbox(engine=ctx.engine, config=ctx.config,
                                         clock=ctx.clock, owner=ctx.owner))


def raise_abandoned_alert(ctx: HookContext, job: str, tick: datetime, error: str) -> None:
    """A run gave up after its retries: a system alert (`calsync.alerts.system`, through
    the same store, workflow and receivers as misalignments), and the log."""
    log.error("%s: the run for %s was abandoned: %s", job, tick.isoformat(), error)
    where = {"job": job} if job.startswith("__") else {"job": job, "source": job}
    raise_system_alert(engine=ctx.engine, clock=ctx.clock, name="ScheduledRunAbandoned",
                       summary=f"{job}: the scheduled run of {tick.isoformat()} was "
                               f"abandoned after its retries", description=error, tick=tick,
                       instance=ctx.owner, language=ctx.config.language, **where)


def _summary(result: Any) -> dict[str, Any]:
    if result is None:
        return {}
    if isinstance(result, dict):
        return {k: v for k, v in result.items() if isinstance(v, str | int | float | bool)}
    if hasattr(result, "as_dict"):
        return _summary(result.as_dict())
    if isinstance(result, int):
        return {"count": result}
    return {"result": str(result)[:200]}
