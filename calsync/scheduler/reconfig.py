"""A reloaded config in a running scheduler (see `calsync.reload`).

The scheduler's job set follows the config: connectors added or removed, new schedules,
digest receivers, and the settings a pass reads (`max_concurrent`, `max_attempts`,
`lease`, `outbox_every`, ...). The swap happens on the scheduler's own loop at the start
of a dispatch pass (`Scheduler.pending`), never in the middle of one, so a pass claims
from one job set; runs already started finish on the job and connector they started
with. A removed connector's rows stay in the ledger as history and are no longer
claimed. `dispatch_interval` and `instance_id` take effect on the next start.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from datetime import datetime
from typing import Protocol

from sqlalchemy import Engine

from calsync.clock import Clock
from calsync.config.scheduler import SchedulerConfig
from calsync.runtime import Runtime
from calsync.scheduler.hooks import Hooks
from calsync.scheduler.jobs import Job, plan_jobs
from calsync.scheduler.ledger import Ledger
from calsync.sync import Syncer

__all__ = ["Replannable", "SchedulerApplier", "replan"]

log = logging.getLogger("calsync.scheduler")


class Replannable(Protocol):
    """What `replan` changes of a `calsync.scheduler.worker.Scheduler` (named here as a
    protocol: the worker imports this module)."""

    runtime: Runtime
    settings: SchedulerConfig
    jobs: dict[str, Job]
    syncer: Syncer
    pending: Runtime | None
    _last: dict[str, datetime | None]

    @property
    def hooks(self) -> Hooks: ...
    @property
    def only(self) -> Collection[str] | None: ...
    @property
    def engine(self) -> Engine: ...
    @property
    def clock(self) -> Clock: ...
    @property
    def ledger(self) -> Ledger: ...
    @property
    def owner(self) -> str: ...


def replan(scheduler: Replannable, runtime: Runtime) -> None:
    """Use `runtime` from now on: its jobs, settings and connectors."""
    config = runtime.config
    hooks = scheduler.hooks
    jobs = plan_jobs(config, evaluate=hooks.evaluate is not None,
                     outbox=hooks.outbox is not None, digest=hooks.digest is not None)
    if scheduler.only is not None:
        jobs = {name: job for name, job in jobs.items() if name in scheduler.only}
    added, removed = sorted(jobs.keys() - scheduler.jobs.keys()), sorted(
        scheduler.jobs.keys() - jobs.keys())
    scheduler.runtime, scheduler.jobs = runtime, jobs
    scheduler.settings = settings = config.scheduler
    scheduler.syncer = Syncer(scheduler.engine, config, scheduler.clock)
    ledger = scheduler.ledger
    ledger.lease, ledger.max_attempts = settings.lease, settings.max_attempts
    for name in removed:
        scheduler._last.pop(name, None)
    log.info("%s: now %d job(s)%s%s", scheduler.owner, len(jobs),
             f", added {', '.join(added)}" if added else "",
             f", removed {', '.join(removed)}" if removed else "")


class SchedulerApplier:
    """The scheduler's part of a reload: the new config's jobs must plan; then the
    scheduler takes it at its next pass (within `scheduler.dispatch_interval`)."""

    def __init__(self, scheduler: Replannable) -> None:
        self.scheduler = scheduler

    def check(self, runtime: Runtime) -> None:
        hooks = self.scheduler.hooks
        plan_jobs(runtime.config, evaluate=hooks.evaluate is not None,
                  outbox=hooks.outbox is not None, digest=hooks.digest is not None)

    def apply(self, runtime: Runtime) -> None:
        self.scheduler.pending = runtime  # one assignment; read on the scheduler's loop
