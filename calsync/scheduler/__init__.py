"""The scheduler: connector syncs, rule evaluation and the outbox, on their own, exactly
once across any number of instances.

APScheduler 3.11 is each process's clock and parses the schedules (`triggers`); the
database is the source of truth (`ledger`): one row per (job, tick), claimed atomically,
leased, heartbeated and completed in the same transaction as the synced data. `worker`
runs the dispatch loop; `calsync worker` and `calsync serve` start it.

Only `status` is imported from here (the CLI and the API show it); the modules are
imported by path so that `calsync.config.schema` can use `settings` without a cycle.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from calsync.clock import Clock
    from calsync.config.schema import Config

__all__ = ["status"]


def status(engine: Engine, config: Config, clock: Clock) -> dict[str, dict[str, Any]]:
    """Each configured connector's schedule health: next run, last run, its outcome,
    whether the source is stale, and any alert (see `calsync.scheduler.health`)."""
    from calsync.scheduler.health import status as _status

    return _status(engine, config, clock)
