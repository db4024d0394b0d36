"""Notifications for misalignment alerts (issue 5): Alertmanager webhook v4 and email,
grouped like Alertmanager, delivered through a persistent outbox.

`drain_outbox(...)` is the entry point for the scheduler; everything else is in
`config`, `payload`, `dispatch`, `outbox` and `senders`. Import-light on purpose.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from calsync.alerts.notify.outbox import DrainReport
    from calsync.clock import Clock
    from calsync.config.schema import Config
    from calsync.runtime import Runtime

__all__ = ["drain_outbox"]


def drain_outbox(runtime: Runtime | None = None, *, engine: Engine | None = None,
                 config: Config | None = None, clock: Clock | None = None,
                 owner: str | None = None, limit: int = 100) -> DrainReport:
    """Send the notifications that are due, once, and return what happened.

    First enqueues what grouping makes due now (`group_wait`, `group_interval`,
    `repeat_interval`), then claims due outbox rows one by one under a lease measured
    in database time (so N instances calling this concurrently never send a row twice),
    sends each, and records success, a retry with exponential backoff, or `dead` after
    `alerts.outbox.max_attempts`. Call it on a short interval (e.g. every 30 s) and
    after `calsync.rules.evaluate_and_update`. Pass a `Runtime`, or `engine` + `config`
    (+ `clock`); `owner` names this instance in the claim (default: host:pid:random).
    """
    from calsync.alerts.evaluate import parts
    from calsync.alerts.notify.dispatch import dispatch
    from calsync.alerts.notify.outbox import send_due

    engine, config, clock = parts(runtime, engine, config, clock)
    enqueued = dispatch(engine, config, clock.now())
    report = send_due(engine, config, owner=owner, limit=limit)
    report.enqueued = enqueued
    return report
