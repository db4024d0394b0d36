"""The scheduler: connector syncs, rule evaluation and the outbox, on their own, exactly
once across any number of instances.

APScheduler 3.11 is each process's clock and parses the schedules (`triggers`); the
database is the source of truth (`ledger`): one row per (job, tick), claimed atomically,
leased, heartbeated and completed in the same transaction as the synced data. `worker`
runs the dispatch loop; `calsync worker` and `calsync serve` start it.

Only `status` and `request_sync` are imported from here (the CLI and the API use them);
the modules are imported by path so that `calsync.config.schema` can use `settings`
without a cycle.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from calsync.clock import Clock
    from calsync.config.schema import Config

__all__ = ["request_sync", "status"]


def status(engine: Engine, config: Config, clock: Clock) -> dict[str, dict[str, Any]]:
    """Each configured connector's schedule health: next run, last run, its outcome,
    whether the source is stale, and any alert (see `calsync.scheduler.status`)."""
    from calsync.scheduler.status import status as _status

    return _status(engine, config, clock)


def request_sync(engine: Engine, connector: str, *, accept_removals: bool = False,
                 by: str | None = None) -> int:
    """Ask the scheduler to sync `connector` now (at most one sync of it runs at a time,
    across every instance). Returns the ledger row's id; `status()` shows the outcome.

    The run waits in the ledger until a worker claims it (within its dispatch interval),
    exactly like a retry, so a request made while a sync of the connector runs is served
    after it, and requests that pile up meanwhile merge into one run.
    """
    from calsync.scheduler.ledger import Ledger

    detail: dict[str, Any] = {"requested_by": by or "api"}
    if accept_removals:
        detail["accept_removals"] = True
    with engine.begin() as conn:
        return Ledger(engine, "request", lease=1, max_attempts=1).request(conn, connector,
                                                                            detail)
