"""The run ledger: the database decides who runs what, once, across every instance.

One row per (job, tick) in `scheduler_runs`. Every state change is one conditional SQL
statement, so it is atomic on PostgreSQL (any number of instances) and on SQLite (one
writer at a time):

    claim      INSERT (job, tick, running, me, attempt 1, lease) ON CONFLICT DO NOTHING
               - the unique key (job, tick) lets one instance win a tick; the partial
               unique index (job) WHERE state = 'running' keeps a second tick of a busy
               job out (it is claimed later or coalesced)
    heartbeat  UPDATE lease_until = now + lease WHERE id, owner = me, attempt = k
    complete   the same fenced UPDATE to 'succeeded', inside the transaction that writes
               the synced data (`fence`); zero rows means the run was taken over, and
               the whole transaction rolls back
    takeover   UPDATE owner = me, attempt + 1 WHERE running AND lease_until < now
               (rows picked FOR UPDATE SKIP LOCKED on PostgreSQL); after max_attempts the
               run is abandoned instead
    retry      a failed attempt goes back to 'waiting' until the source's backoff ends
    release    on shutdown, a run not finished in time goes back to 'waiting' at once

`attempt` is the fencing token: it grows with every claim, so a stale instance that
wakes up late (a long GC pause, a frozen VM) can neither heartbeat nor complete.

The lease itself (claim, renew, release, lapse; database time, never an instance's own
clock) is `calsync.store.lease`, shared with the notification outbox; this module adds
what a run is (its states, ticks, retries).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    Insert,
    and_,
    case,
    delete,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.elements import ColumnElement

from calsync.durations import backoff
from calsync.store.clock import db_now
from calsync.store.lease import Held, Leases
from calsync.store.tables import scheduler_runs

__all__ = ["ABANDONED", "FINAL", "MISSED", "RUNNING", "SKIPPED", "SUCCEEDED", "WAITING",
           "Claim", "JobState", "Ledger"]

WAITING = "waiting"
RUNNING = "running"
SUCCEEDED = "succeeded"
MISSED = "missed"
SKIPPED = "skipped"
ABANDONED = "abandoned"
FINAL = (SUCCEEDED, MISSED, SKIPPED, ABANDONED)

runs = scheduler_runs
_RETURNED = (runs.c.id, runs.c.job, runs.c.tick_at, runs.c.attempt, runs.c.failures,
             runs.c.detail)


@dataclass(frozen=True)
class Claim:
    """A run this instance holds: `(id, attempt)` is what every later write must name."""

    id: int
    job: str
    tick_at: datetime
    attempt: int
    failures: int
    owner: str
    how: str  # new | retry | takeover
    detail: dict[str, Any] | None = None
    merged: list[dict[str, Any]] = field(default_factory=list)

    @property
    def held(self) -> Held:
        return Held(self.id, self.owner, self.attempt)


@dataclass(frozen=True)
class JobState:
    """What the dispatcher needs to know of one job, from one query."""

    last_tick: datetime | None = None
    running: bool = False
    waiting_since: datetime | None = None  # earliest not_before of its waiting rows
    expired: bool = False  # its running run's lease has lapsed: take over or abandon


class Ledger:
    """The ledger as seen by one instance (`owner`)."""

    def __init__(self, engine: Engine, owner: str, *, lease: float, max_attempts: int,
                 retry_base: float = 5.0, reader: Engine | None = None) -> None:
        self.engine = engine
        # Reads that write nothing may use another engine: on SQLite the scheduler's
        # engine starts every transaction with BEGIN IMMEDIATE (the write lock), which a
        # dispatch pass's reads have no need to hold.
        self.reader = reader or engine
        self.owner = owner
        self.lease = lease
        self.max_attempts = max_attempts
        self.retry_base = retry_base  # first retry delay when the job names none
        self.dialect = engine.dialect.name
        self.leases = Leases(runs, self.dialect)

    # -- reading ------------------------------------------------------------------------

    def time(self, offset: float = 0.0) -> ColumnElement[datetime]:
        return self.leases.now(offset)

    def now(self, conn: Connection | None = None) -> datetime:
        """The database's current time."""
        if conn is not None:
            return db_now(conn)
        with self.reader.connect() as own:
            return self.now(own)

    def overview(self, ticked: Sequence[str] | None = None) -> dict[str, JobState]:
        """Which jobs run now and their earliest waiting row, with the last tick of the
        `ticked` jobs (default: all; an index probe per job, not a scan of the ledger)."""
        out: dict[str, dict[str, Any]] = {}
        with self.reader.connect() as conn:
            if ticked is None or ticked:
                lasts = select(runs.c.job, func.max(runs.c.tick_at)).group_by(runs.c.job)
                if ticked is not None:
                    lasts = lasts.where(runs.c.job.in_(list(ticked)))
                for job, last in conn.execute(lasts):
                    out.setdefault(job, {})["last_tick"] = last
            expired = func.max(case((self.leases.lapsed(), 1), else_=0))
            stmt = (select(runs.c.job, runs.c.state, func.min(runs.c.not_before), expired)
                    .where(runs.c.state.in_((RUNNING, WAITING)))
                    .group_by(runs.c.job, runs.c.state))
            for job, state, not_before, lapsed in conn.execute(stmt):
                if state == RUNNING:
                    out.setdefault(job, {}).update(running=True, expired=bool(lapsed))
                else:
                    out.setdefault(job, {})["waiting_since"] = not_before
        return {job: JobState(**values) for job, values in out.items()}

    # -- claiming -----------------------------------------------------------------------

    def claim_tick(self, job: str, tick: datetime, *, missed: Sequence[datetime] = (),
                   missed_total: int = 0) -> Claim | None:
        """Try to run `tick` of `job` here; older due ticks are recorded as missed."""
        detail = {"missed": missed_total} if missed_total else None
        with self.engine.begin() as conn:
            if missed:
                self._record(conn, job, missed, MISSED,
                             error="coalesced: a later tick of the same job ran instead")
            stmt = self._insert().values(
                job=job, tick_at=tick, state=RUNNING, failures=0, started_at=self.time(),
                heartbeat_at=self.time(), detail=detail,
                **self.leases.taken(self.owner, self.lease, first=True),
            ).on_conflict_do_nothing().returning(*_RETURNED)
            row = conn.execute(stmt).first()
        return None if row is None else self._claim(row, "new")

    def record(self, job: str, ticks: Sequence[datetime], state: str, *,
               error: str | None = None, not_before: datetime | None = None) -> int:
        """Record ticks that will not run now (missed, skipped) or later (waiting)."""
        if not ticks:
            return 0
        with self.engine.begin() as conn:
            return self._record(conn, job, ticks, state, error=error, not_before=not_before)

    def claim_waiting(self, job: str) -> Claim | None:
        """Claim the latest due waiting row of `job`; older waiting rows merge into it.

        Competing instances all go for the same (latest) row, not past it (no SKIP LOCKED
        here): the loser waits for the winner's commit and then finds the row taken. Two
        instances claiming two rows of one job would each wait for the other: one for the
        running-run index, the other for the row it merges.
        """
        pick = (select(runs.c.id)
                .where(runs.c.job == job, runs.c.state == WAITING,
                       or_(runs.c.not_before.is_(None), runs.c.not_before <= self.time()))
                .order_by(runs.c.tick_at.desc()).limit(1).scalar_subquery())
        try:
            with self.engine.begin() as conn:
                row = conn.execute(self.leases.claim(
                    self.owner, self.lease, runs.c.id == pick, runs.c.state == WAITING,
                    state=RUNNING, started_at=self.time(), heartbeat_at=self.time(),
                    not_before=None, finished_at=None,
                ).returning(*_RETURNED)).first()
                if row is None:
                    return None
                merged = [d for (d,) in conn.execute(
                    update(runs)
                    .where(runs.c.job == job, runs.c.state == WAITING,
                           runs.c.tick_at < row.tick_at)
                    .values(state=SKIPPED, finished_at=self.time(),
                            error=f"coalesced into run {row.id}")
                    .returning(runs.c.detail)) if d]
        except IntegrityError:
            return None  # another run of this job started meanwhile: try again later
        return self._claim(row, "retry", merged=merged)

    def take_over(self, limit: int, jobs: Sequence[str] | None = None
                  ) -> tuple[list[Claim], list[dict[str, Any]]]:
        """Abandon exhausted expired runs, then take over up to `limit` other expired runs
        (of `jobs` only: those this instance knows how to run).

        Returns (taken over, abandoned rows as dicts).
        """
        expired = and_(runs.c.state == RUNNING, self.leases.lapsed())
        exhausted = runs.c.failures + 1 >= self.max_attempts
        give_up = select(runs.c.id).where(expired, exhausted).with_for_update(skip_locked=True)
        with self.engine.begin() as conn:
            abandoned = [dict(r) for r in conn.execute(
                update(runs).where(runs.c.id.in_(give_up), expired, exhausted).values(
                    state=ABANDONED, finished_at=self.time(), **self.leases.ended(),
                    failures=runs.c.failures + 1,
                    error=f"abandoned after {self.max_attempts} attempt(s): the instance "
                          "running the last one stopped renewing its lease (it crashed, "
                          "hung or lost the database)")
                .returning(runs.c.id, runs.c.job, runs.c.tick_at, runs.c.owner,
                           runs.c.attempt, runs.c.error)).mappings()]
        if limit <= 0:
            return [], abandoned
        pick = select(runs.c.id).where(expired, ~exhausted)
        if jobs is not None:
            pick = pick.where(runs.c.job.in_(list(jobs)))
        pick = pick.order_by(runs.c.lease_until).limit(limit).with_for_update(skip_locked=True)
        with self.engine.begin() as conn:
            rows = conn.execute(self.leases.claim(
                self.owner, self.lease, runs.c.id.in_(pick), expired,
                failures=runs.c.failures + 1, started_at=self.time(),
                heartbeat_at=self.time(),
            ).returning(*_RETURNED)).all()
        return [self._claim(r, "takeover") for r in rows], abandoned

    # -- while running ------------------------------------------------------------------

    def heartbeat(self, claim: Claim) -> str:
        """Renew the lease: 'ok', 'done' (the run already finished) or 'lost'."""
        with self.engine.begin() as conn:
            renewed = conn.execute(self.leases.renew(
                claim.held, self.lease, runs.c.state == RUNNING,
                heartbeat_at=self.time())).rowcount
            if renewed == 1:
                return "ok"
            row = conn.execute(select(runs.c.owner, runs.c.attempt)
                               .where(runs.c.id == claim.id)).first()
        if row is not None and (row.owner, row.attempt) == (claim.owner, claim.attempt):
            return "done"
        return "lost"

    def fence(self, claim: Claim,
              then: Callable[[Connection, Sequence[int]], None] | None = None
              ) -> Callable[[Connection, Sequence[int]], bool]:
        """A check for `Syncer.sync(fence=...)`: completes the run in the caller's
        transaction if (and only if) this instance still holds it, then calls `then` with
        the ids of the events the sync touched."""

        def check(conn: Connection, touched: Sequence[int] = ()) -> bool:
            done = conn.execute(self._end(claim, state=SUCCEEDED,
                                          finished_at=self.time())).rowcount
            if done != 1:
                return False
            if then is not None:
                then(conn, touched)
            return True

        return check

    def complete(self, claim: Claim, *, outcome: str | None = None,
                 detail: dict[str, Any] | None = None) -> bool:
        """Complete a run that had no data transaction to fence (singleton jobs)."""
        with self.engine.begin() as conn:
            return bool(conn.execute(self._end(
                claim, state=SUCCEEDED, finished_at=self.time(), outcome=outcome,
                detail=detail)).rowcount == 1)

    def annotate(self, claim: Claim, *, outcome: str | None, sync_run_id: int | None = None,
                 detail: dict[str, Any] | None = None) -> None:
        """Add what the run did to its (already completed) row."""
        values: dict[str, Any] = {"outcome": outcome, "sync_run_id": sync_run_id}
        if detail is not None:
            values["detail"] = {**(claim.detail or {}), **detail}
        with self.engine.begin() as conn:
            conn.execute(update(runs).where(runs.c.id == claim.id,
                                            runs.c.attempt == claim.attempt).values(**values))

    def fail(self, claim: Claim, error: str, *, outcome: str | None = None,
             retry_at: datetime | None = None, sync_run_id: int | None = None) -> str | None:
        """A failed attempt: back to 'waiting' until `retry_at` (default: a backoff of
        retry_base × 4^failures, at most an hour), or 'abandoned' after max_attempts.
        Returns the new state, or None if the run was no longer ours."""
        delay = backoff(claim.failures + 1, base=self.retry_base, ceiling=3600.0, factor=4.0)
        with self.engine.begin() as conn:
            row = conn.execute(self._end(
                claim, failures=runs.c.failures + 1,
                state=case((runs.c.failures + 1 >= self.max_attempts, ABANDONED),
                           else_=WAITING),
                finished_at=case((runs.c.failures + 1 >= self.max_attempts, self.time()),
                                 else_=None),
                not_before=retry_at if retry_at is not None else self.time(delay),
                error=error[:2000], outcome=outcome,
                sync_run_id=sync_run_id).returning(runs.c.state)).first()
        return None if row is None else str(row.state)

    def release(self, claim: Claim, reason: str) -> bool:
        """Give a run back at once (shutdown): another instance claims it next."""
        with self.engine.begin() as conn:
            return bool(conn.execute(self._end(
                claim, state=WAITING, not_before=self.time(), error=reason)).rowcount == 1)

    # -- requests and housekeeping ------------------------------------------------------

    def request(self, conn: Connection, job: str, detail: dict[str, Any] | None = None
                ) -> int:
        """Ask for one run of `job` now, inside the caller's transaction; the row's id."""
        at = self.now(conn)
        for step in range(1000):  # two requests in the same microsecond get two rows
            row = conn.execute(self._insert().values(
                job=job, tick_at=at + timedelta(microseconds=step), state=WAITING,
                not_before=at, attempt=0, failures=0, detail=detail,
            ).on_conflict_do_nothing().returning(runs.c.id)).first()
            if row is not None:
                return int(row.id)
        raise RuntimeError(f"could not record a request for {job}")  # pragma: no cover

    def reclaim_own(self) -> int:
        """On start with a stable instance id: our old running rows are dead, expire them
        now so they are taken over without waiting for the lease."""
        with self.engine.begin() as conn:
            return int(conn.execute(self.leases.expire(
                runs.c.owner == self.owner, runs.c.state == RUNNING)).rowcount)

    def prune(self, retention: float) -> int:
        """Delete finished rows older than `retention` seconds, keeping each job's latest
        (the dispatcher counts ticks from it)."""
        newer = runs.alias("newer")
        latest = select(func.max(newer.c.tick_at)).where(newer.c.job == runs.c.job)
        with self.engine.begin() as conn:
            return int(conn.execute(delete(runs).where(
                runs.c.state.in_(FINAL),
                func.coalesce(runs.c.finished_at, runs.c.tick_at) < self.time(-retention),
                runs.c.tick_at < latest.scalar_subquery())).rowcount)

    # -- helpers ------------------------------------------------------------------------

    def _end(self, claim: Claim, **values: Any) -> Any:
        """End our lease on a running run with `values` (zero rows: no longer ours)."""
        return self.leases.release(claim.held, runs.c.state == RUNNING, **values)

    def _insert(self) -> Any:
        dialect = postgresql if self.dialect == "postgresql" else sqlite
        insert: Callable[[Any], Insert] = dialect.insert
        return insert(runs)

    def _record(self, conn: Connection, job: str, ticks: Iterable[datetime], state: str, *,
                error: str | None, not_before: datetime | None = None) -> int:
        finished = self.time() if state in FINAL else None
        rows = [{"job": job, "tick_at": tick, "state": state, "attempt": 0, "failures": 0,
                 "error": error, "not_before": not_before, "finished_at": finished}
                for tick in ticks]
        stmt = self._insert().values(rows).on_conflict_do_nothing()
        return int(conn.execute(stmt).rowcount)

    def _claim(self, row: Any, how: str, merged: list[dict[str, Any]] | None = None
               ) -> Claim:
        return Claim(id=row.id, job=row.job, tick_at=row.tick_at, attempt=row.attempt,
                     failures=row.failures, owner=self.owner, how=how, detail=row.detail,
                     merged=merged or [])

