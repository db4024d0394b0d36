"""What the singleton jobs call: rule evaluation, the outbox, alerts for abandoned runs.

The scheduler only guarantees *when* and *once*; the work itself belongs to the rules,
notify and alerts packages. `default_hooks()` wires whichever of them this calsync has;
a missing one leaves its job recorded as skipped (and says why), never failing.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine

from calsync.clock import Clock
from calsync.config.schema import Config

__all__ = ["HookContext", "Hooks", "default_hooks", "drain_outbox", "evaluate_changes",
           "raise_abandoned_alert"]

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


Hook = Callable[[HookContext], dict[str, Any]]
AlertHook = Callable[[HookContext, str, datetime, str], None]


@dataclass(frozen=True)
class Hooks:
    evaluate: Hook | None = None
    outbox: Hook | None = None
    alert: AlertHook | None = None


def default_hooks() -> Hooks:
    return Hooks(evaluate=evaluate_changes, outbox=drain_outbox, alert=raise_abandoned_alert)


def _find(module: str, *names: str) -> Callable[..., Any] | None:
    try:
        found = importlib.import_module(module)
    except ImportError:
        return None
    for name in names:
        func = getattr(found, name, None)
        if callable(func):
            return func  # type: ignore[no-any-return]
    return None


def evaluate_changes(ctx: HookContext) -> dict[str, Any]:
    """Re-evaluate the misalignment rules after syncs changed events, once per batch:
    `calsync.rules.evaluate_and_update` (it updates alerts and enqueues notifications)."""
    func = _find("calsync.alerts.evaluate", "evaluate_and_update")
    if func is None:
        return {"skipped": "this calsync has no rule evaluation (calsync.alerts.evaluate)"}
    ids = None if ctx.changed_event_ids is None else sorted(ctx.changed_event_ids)
    return _summary(func(engine=ctx.engine, config=ctx.config, clock=ctx.clock,
                         changed_event_ids=ids))


def drain_outbox(ctx: HookContext) -> dict[str, Any]:
    """Send what the notification outbox holds: `calsync.alerts.notify.drain_outbox` (it claims
    each notification under its own lease, so a takeover never sends one twice)."""
    func = _find("calsync.alerts.notify", "drain_outbox")
    if func is None:
        return {"skipped": "this calsync has no notification outbox (calsync.alerts.notify)"}
    return _summary(func(engine=ctx.engine, config=ctx.config, clock=ctx.clock,
                         owner=ctx.owner))


def raise_abandoned_alert(ctx: HookContext, job: str, tick: datetime, error: str) -> None:
    """A run gave up after its retries: a system alert (`calsync.alerts`, through the same
    store, workflow and receivers as misalignments), and the log."""
    log.error("%s: the run for %s was abandoned: %s", job, tick.isoformat(), error)
    func = _find("calsync.alerts", "raise_system_alert")
    if func is None:
        return
    where = {"job": job} if job.startswith("__") else {"job": job, "source": job}
    func(engine=ctx.engine, clock=ctx.clock, name="ScheduledRunAbandoned",
         summary=f"{job}: the scheduled run of {tick.isoformat()} was abandoned after "
                 f"its retries", description=error, tick=tick, instance=ctx.owner, **where)


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
