"""Per-source state (bookmark, health, held-back removals) and the sync log."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, ScalarSelect, func, insert, select, update

from calsync.sdk.contract import Bookmark
from calsync.store.tables import sources, sync_runs

__all__ = [
    "SourceState",
    "SyncRun",
    "finish_sync_run",
    "get_source_state",
    "last_sync_run_id",
    "list_source_states",
    "recent_sync_runs",
    "retry_times",
    "save_source_state",
    "seen_again",
    "seen_by_last_success",
    "start_sync_run",
    "sync_error_counts",
    "sync_run_counts",
]


@dataclass(frozen=True, slots=True)
class SourceState:
    name: str
    type: str
    bookmark: Bookmark = field(default_factory=Bookmark)
    last_attempt_at: datetime | None = None
    last_success_at: datetime | None = None
    last_error: str | None = None
    error_kind: str | None = None
    consecutive_failures: int = 0
    retry_at: datetime | None = None  # our backoff after failures (the scheduler waits)
    retry_after: datetime | None = None  # the upstream's Retry-After (everyone waits)
    anomaly: dict[str, Any] | None = None
    applied_at: datetime | None = None
    """When the last sync that wrote the source's events ran (the `last_seen` of the
    events it saw); `last_success_at` is the last time upstream confirmed them."""

    @property
    def failing(self) -> bool:
        return self.consecutive_failures > 0

    def as_dict(self) -> dict[str, Any]:
        def iso(value: datetime | None) -> str | None:
            return value.isoformat() if value else None

        return {
            "name": self.name, "type": self.type,
            "last_attempt_at": iso(self.last_attempt_at),
            "last_success_at": iso(self.last_success_at),
            "last_error": self.last_error, "error_kind": self.error_kind,
            "consecutive_failures": self.consecutive_failures,
            "retry_at": iso(self.retry_at), "retry_after": iso(self.retry_after),
            "anomaly": self.anomaly,
        }


@dataclass(frozen=True, slots=True)
class SyncRun:
    id: int
    source: str
    started_at: datetime
    finished_at: datetime | None
    outcome: str
    added: int
    changed: int
    cancelled: int
    unchanged: int
    skipped: int
    error: str | None
    error_kind: str | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "source": self.source, "started_at": self.started_at.isoformat(),
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "outcome": self.outcome, "added": self.added, "changed": self.changed,
            "cancelled": self.cancelled, "unchanged": self.unchanged, "skipped": self.skipped,
            "error": self.error, "error_kind": self.error_kind,
        }


def _state(row: Mapping[Any, Any]) -> SourceState:
    return SourceState(
        name=row["name"], type=row["type"], bookmark=Bookmark.from_json(row["bookmark"]),
        last_attempt_at=row["last_attempt_at"], last_success_at=row["last_success_at"],
        last_error=row["last_error"], error_kind=row["error_kind"],
        consecutive_failures=row["consecutive_failures"], retry_at=row["retry_at"],
        retry_after=row["retry_after"], anomaly=row["anomaly"], applied_at=row["applied_at"],
    )


def get_source_state(conn: Connection, name: str, type_: str = "") -> SourceState:
    row = conn.execute(select(sources).where(sources.c.name == name)).mappings().first()
    return _state(row) if row is not None else SourceState(name=name, type=type_)


def list_source_states(conn: Connection) -> dict[str, SourceState]:
    return {row["name"]: _state(row)
            for row in conn.execute(select(sources).order_by(sources.c.name)).mappings()}


def save_source_state(conn: Connection, state: SourceState) -> None:
    values = {
        "type": state.type, "bookmark": state.bookmark.to_json(),
        "last_attempt_at": state.last_attempt_at, "last_success_at": state.last_success_at,
        "last_error": state.last_error, "error_kind": state.error_kind,
        "consecutive_failures": state.consecutive_failures, "retry_at": state.retry_at,
        "retry_after": state.retry_after, "anomaly": state.anomaly,
        "applied_at": state.applied_at,
    }
    done = conn.execute(update(sources).where(sources.c.name == state.name).values(**values))
    if done.rowcount == 0:
        conn.execute(insert(sources).values(name=state.name, **values))


def start_sync_run(conn: Connection, source: str, at: datetime) -> int:
    """Log a sync as started. The ledger lets only one sync of a source run at a time, so
    a row of the source still 'running' belongs to a process that died (or lost its lease)
    before finishing: it is closed as interrupted, and its writes never happened."""
    conn.execute(update(sync_runs).where(sync_runs.c.source == source,
                                         sync_runs.c.outcome == "running").values(
        outcome="interrupted", finished_at=at, error_kind="interrupted",
        error="the process running this sync stopped (or lost its lease) before it finished; "
              "nothing of it was written"))
    result = conn.execute(insert(sync_runs).values(
        source=source, started_at=at, outcome="running", added=0, changed=0, cancelled=0,
        unchanged=0, skipped=0).returning(sync_runs.c.id))
    return int(result.scalar_one())


def finish_sync_run(conn: Connection, run_id: int, *, at: datetime, outcome: str,
                    counts: Mapping[str, Any] | None = None, error: str | None = None,
                    error_kind: str | None = None) -> None:
    conn.execute(update(sync_runs).where(sync_runs.c.id == run_id).values(
        finished_at=at, outcome=outcome, error=error, error_kind=error_kind,
        **dict(counts or {})))


def recent_sync_runs(conn: Connection, source: str | None = None, limit: int = 20
                     ) -> list[SyncRun]:
    stmt = select(sync_runs).order_by(sync_runs.c.started_at.desc(), sync_runs.c.id.desc())
    if source is not None:
        stmt = stmt.where(sync_runs.c.source == source)
    return [SyncRun(**row) for row in conn.execute(stmt.limit(limit)).mappings()]


def sync_run_counts(conn: Connection) -> list[tuple[str, str, int]]:
    """(source, outcome, count) of the recorded sync runs, for /metrics."""
    return [(source, outcome, count) for source, outcome, count in conn.execute(
        select(sync_runs.c.source, sync_runs.c.outcome, func.count())
        .group_by(sync_runs.c.source, sync_runs.c.outcome)
        .order_by(sync_runs.c.source, sync_runs.c.outcome))]


def sync_error_counts(conn: Connection) -> list[tuple[str, str, int]]:
    """(source, error kind, count) of the failed sync runs, for /metrics."""
    return [(source, kind or "error", count) for source, kind, count in conn.execute(
        select(sync_runs.c.source, sync_runs.c.error_kind, func.count())
        .where(sync_runs.c.outcome == "failed")
        .group_by(sync_runs.c.source, sync_runs.c.error_kind)
        .order_by(sync_runs.c.source))]


def retry_times(conn: Connection, source: str | None = None) -> dict[str, datetime]:
    """When each backing-off source (or just `source`) may be synced again."""
    stmt = select(sources.c.name, sources.c.retry_at).where(sources.c.retry_at.is_not(None))
    if source is not None:
        stmt = stmt.where(sources.c.name == source)
    return {name: retry for name, retry in conn.execute(stmt)}


def last_sync_run_id() -> ScalarSelect[Any]:
    """The highest sync run id, as a scalar subquery (every sync adds a run)."""
    return select(func.max(sync_runs.c.id)).scalar_subquery()


def seen_again(source: ColumnElement[Any], last_seen: ColumnElement[Any]
               ) -> ColumnElement[Any]:
    """An event's last sighting, given its row's `source` and `last_seen`: a "not
    modified" sync records the confirmation once on the source instead of rewriting
    every row, so the events the last writing sync saw (`last_seen >= applied_at`) were
    seen at the source's `last_success_at`; any other row at its own `last_seen`."""
    again = select(sources.c.last_success_at).where(
        sources.c.name == source, sources.c.applied_at <= last_seen,
        sources.c.last_success_at > last_seen).scalar_subquery()
    return func.coalesce(again, last_seen)


def seen_by_last_success(conn: Connection, source: str) -> int:
    """How many events the source's last successful sync saw, which a "not modified" sync
    confirms again (`seen_again`): read from the run log instead of counting the rows.
    The last writing sync added, changed or found unchanged exactly the events it saw,
    and every "not modified" run after it records that number as its unchanged."""
    c = sync_runs.c
    seen = conn.execute(select(c.added + c.changed + c.unchanged).where(
        c.source == source, c.outcome.in_(("ok", "not_modified")))
        .order_by(c.started_at.desc(), c.id.desc()).limit(1)).scalar()
    return int(seen or 0)
