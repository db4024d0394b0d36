"""What the scheduler runs: one job per connector, plus singleton jobs.

A job is a name in the ledger. Connectors are jobs under their own names, ticked by their
schedule (a disabled or unscheduled connector runs only when asked: `request_sync`).
Two singleton jobs share the ledger under reserved names, so they too run once across
every instance and are taken over if an instance dies:

- `__evaluate__`: rule evaluation. Not on a clock: a sync that changed events asks for a
  run in its own (fenced) transaction, with the changed event ids; requests that pile up
  while an evaluation runs are merged into the next one.
- `__outbox__`: draining the notification outbox, every `scheduler.outbox_every`, and
  right after an evaluation that queued notifications;
- `__digest__:NAME`: queueing the digest of the `digest` receiver NAME, on its schedule.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine

from calsync.config.notify import DigestReceiver
from calsync.config.schema import Config
from calsync.errors import ConfigError, Problem
from calsync.scheduler.ledger import Ledger
from calsync.triggers import Trigger, build_trigger, every_seconds

__all__ = ["DIGEST", "DIGEST_GRACE", "EVALUATE", "OUTBOX", "SINGLETONS", "Job", "merge_requests",
           "plan_jobs", "request_evaluation", "request_sync"]

EVALUATE = "__evaluate__"
OUTBOX = "__outbox__"
SINGLETONS = (EVALUATE, OUTBOX)
DIGEST = "__digest__:"
"""Prefix of the digest jobs, one per `digest` receiver (`__digest__:NAME`), each on the
receiver's own schedule."""
DIGEST_GRACE = 12 * 3600.0
"""A digest tick this late (a scheduler down over Monday morning) still goes out."""
_MAX_CHANGED_IDS = 5000  # more changed events than this: evaluate everything


@dataclass(frozen=True)
class Job:
    name: str
    kind: str  # connector | evaluate | outbox | digest
    trigger: Trigger | None  # None: runs only when asked (a waiting row)
    max_runtime: float
    misfire_grace: float | None = None

    def may_be_due(self, last: datetime | None, at: datetime) -> bool:
        """False when the next tick after `last` (the last one seen) is still ahead of
        `at`: then the ledger's last tick, which is only later, cannot make it due."""
        if self.trigger is None:
            return False
        if last is None:
            return True
        nxt = self.trigger.after(last)
        return nxt is not None and nxt <= at


def plan_jobs(config: Config, *, evaluate: bool = True, outbox: bool = True,
              digest: bool = True) -> dict[str, Job]:
    """Every job of this configuration; schedule mistakes are ConfigErrors with a path."""
    settings = config.scheduler
    zone = settings.timezone or config.timezone
    jobs: dict[str, Job] = {}
    problems: list[Problem] = []
    for name, connector in config.connectors.items():
        own = connector.schedule
        schedule: Any = own if own is not None else settings.default_schedule
        trigger = None  # disabled or unscheduled: runs only when asked (`request_sync`)
        if connector.enabled and schedule is not None:
            where = (f"connectors.{name}.schedule" if own is not None
                     else "scheduler.default_schedule")
            try:
                trigger = build_trigger(schedule, zone)
            except ValueError as exc:
                problems.append(Problem(config.source_file, None, where, str(exc)))
                continue
        jobs[name] = Job(
            name=name, kind="connector", trigger=trigger,
            max_runtime=getattr(own, "max_runtime", None) or settings.max_runtime,
            misfire_grace=getattr(own, "misfire_grace", None) or settings.misfire_grace)
    for name, receiver in config.alerts.receivers.items():
        if not digest or not isinstance(receiver, DigestReceiver) or not receiver.enabled:
            continue
        try:
            trigger = build_trigger(receiver.schedule, zone)
        except ValueError as exc:
            problems.append(Problem(config.source_file, None,
                                    f"alerts.receivers.{name}.schedule", str(exc)))
            continue
        jobs[DIGEST + name] = Job(DIGEST + name, "digest", trigger, settings.max_runtime,
                                  misfire_grace=DIGEST_GRACE)
    if problems:
        raise ConfigError(problems)
    if evaluate:
        jobs[EVALUATE] = Job(EVALUATE, "evaluate", None, settings.max_runtime)
    if outbox:
        jobs[OUTBOX] = Job(OUTBOX, "outbox", every_seconds(settings.outbox_every),
                           settings.max_runtime, misfire_grace=settings.outbox_every)
    return jobs


def request_sync(engine: Engine, connector: str, *, accept_removals: bool = False,
                 by: str | None = None) -> int:
    """Ask the scheduler to sync `connector` now (at most one sync of it runs at a time,
    across every instance). Returns the ledger row's id; `status()` shows the outcome.

    The run waits in the ledger until a worker claims it (within its dispatch interval),
    exactly like a retry, so a request made while a sync of the connector runs is served
    after it, and requests that pile up meanwhile merge into one run.
    """
    detail: dict[str, Any] = {"requested_by": by or "api"}
    if accept_removals:
        detail["accept_removals"] = True
    with engine.begin() as conn:
        return Ledger(engine, "request", lease=1, max_attempts=1).request(conn, connector,
                                                                            detail)


def request_evaluation(ledger: Ledger, conn: Connection, source: str, touched: Sequence[int]
                       ) -> None:
    """Inside a sync's transaction: ask for one evaluation of the events it added, changed
    or cancelled (`apply_plan` returned their ids); too many means "evaluate everything"."""
    ledger.request(conn, EVALUATE, {
        "sources": [source],
        "event_ids": list(touched) if len(touched) <= _MAX_CHANGED_IDS else None})


def merge_requests(details: Iterable[dict[str, Any] | None]
                   ) -> tuple[frozenset[str], frozenset[int] | None]:
    """The sources and event ids of evaluation requests merged into one run (None: some
    request asked to evaluate everything)."""
    ids: set[int] | None = set()
    names: set[str] = set()
    for detail in details:
        if not detail:
            continue
        names.update(detail.get("sources") or ())
        if detail.get("event_ids") is None and "event_ids" in detail:
            ids = None
        elif ids is not None:
            ids.update(detail.get("event_ids") or ())
    return frozenset(names), None if ids is None else frozenset(ids)
