"""Delivering notifications: enqueue what grouping makes due, then send the outbox."""

from __future__ import annotations

from sqlalchemy import Engine

from calsync.alerts.notify.dispatch import dispatch
from calsync.alerts.notify.outbox import DrainReport, send_due
from calsync.clock import Clock
from calsync.config.schema import Config

__all__ = ["drain_outbox"]


def drain_outbox(*, engine: Engine, config: Config, clock: Clock, owner: str | None = None,
                 limit: int = 100) -> DrainReport:
    """Send the notifications that are due, once, and return what happened.

    First enqueues what grouping makes due now (`group_wait`, `group_interval`,
    `repeat_interval`), then claims due outbox rows one by one under a lease measured
    in database time (so N instances calling this concurrently never send a row twice),
    sends each, and records success, a retry with exponential backoff, or `dead` after
    `alerts.outbox.max_attempts`. Call it on a short interval (e.g. every 30 s) and
    after `calsync.alerts.evaluate.evaluate_and_update`; `owner` names this instance in
    the claim (default: host:pid:random).
    """
    enqueued = dispatch(engine, config, clock.now())
    report = send_due(engine, config, owner=owner, limit=limit)
    report.enqueued = enqueued
    return report
