"""Schedule health per connector, for `calsync sources` and `/api/sources`.

`status(engine, config, clock)` answers, for every configured connector:

- `schedule`: the schedule in words, or None (disabled, or run by hand only);
- `next_run`: when it is due next (in the past: overdue, a worker should pick it up);
- `last_run`: the latest run that was attempted (tick, state, outcome, attempt, owner,
  times, error), `running` while one is going on;
- `outcome`: that run's sync outcome (ok, not_modified, held, failed) or its state;
- `stale`: the source has not synced successfully for two schedule periods plus the
  maximum runtime (or never), or its last run was abandoned;
- `alert`: why the last run was abandoned, when it was.

Everything is JSON-ready (ISO-8601 instants in UTC).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine

from calsync.clock import Clock
from calsync.config.schema import Config
from calsync.errors import ConfigError
from calsync.scheduler.jobs import Job, plan_jobs
from calsync.scheduler.ledger import ABANDONED, RUNNING, job_history
from calsync.store.sources import list_source_states

__all__ = ["status"]


def status(engine: Engine, config: Config, clock: Clock) -> dict[str, dict[str, Any]]:
    now = clock.now()
    try:
        jobs = plan_jobs(config, evaluate=False, outbox=False, digest=False)
    except ConfigError:
        jobs = {}
    with engine.connect() as conn:
        runs = job_history(conn)
        health = list_source_states(conn)
    out: dict[str, dict[str, Any]] = {}
    for name, connector in config.connectors.items():
        job = jobs.get(name)
        last = runs.last_runs.get(name)
        success = health[name].last_success_at if name in health else None
        out[name] = {
            "schedule": job.trigger.text if job and job.trigger else None,
            "next_run": _iso(_next_run(job, runs.last_ticks.get(name),
                                       runs.waiting.get(name), now)),
            "last_run": _run(last),
            "running": bool(last and last["state"] == RUNNING),
            "outcome": (last["outcome"] or last["state"]) if last else None,
            "last_success": _iso(success),
            "stale": connector.enabled and _stale(job, success, last, now),
            "alert": last["error"] if last and last["state"] == ABANDONED else None,
        }
    return out


def _next_run(job: Job | None, last_tick: datetime | None, waiting: datetime | None,
              now: datetime) -> datetime | None:
    if job is None:
        return None
    if waiting is not None:  # a retry, a deferred tick or a requested sync
        return waiting
    if job.trigger is None:
        return None
    if last_tick is None:
        return job.trigger.latest_at_or_before(now) or job.trigger.after(now)
    return job.trigger.after(last_tick)


def _stale(job: Job | None, success: datetime | None, last: dict[str, Any] | None,
           now: datetime) -> bool:
    if job is None or job.trigger is None:
        return False
    if last is not None and last["state"] == ABANDONED:
        return True
    if success is None:
        return True
    period = job.trigger.period(now) or timedelta(days=1)
    return now - success > 2 * period + timedelta(seconds=job.max_runtime)


def _run(row: dict[str, Any] | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {"tick": _iso(row["tick_at"]), "state": row["state"], "outcome": row["outcome"],
            "attempt": row["attempt"], "owner": row["owner"],
            "started_at": _iso(row["started_at"]), "finished_at": _iso(row["finished_at"]),
            "error": row["error"], "sync_run_id": row["sync_run_id"]}


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None
