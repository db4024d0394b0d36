"""The scheduler in one process: APScheduler's clock drives a dispatch pass over the ledger.

Each instance runs an `AsyncIOScheduler` (in-memory job store, never shared) with one
job, `dispatch`, every `scheduler.dispatch_interval`. A pass:

1. abandons expired runs that used up their attempts (and raises an alert), and takes
   over other expired runs (a crashed or frozen instance's);
2. per job: claims its due waiting row (a retry, a deferred tick, a rule-evaluation
   request), or computes its due ticks from the APScheduler trigger and the ledger's last
   tick, coalesces them (one runs, the rest are recorded as missed) and claims the one;
   a tick due while the source backs off after failures waits until `retry_at`;
3. starts a task per claim: the sync (or singleton job) under `max_runtime`, with a
   heartbeat renewing the lease; the sync's writes commit with the run's completion in
   one fenced transaction.

SIGTERM: no new claims; running syncs get `shutdown_grace` to finish, the rest are
cancelled and their runs released (their transactions roll back), so another instance
takes them at once. Nothing is half-written: every sync is one transaction.

SQLite: several processes may share one file; each scheduler write transaction starts
with BEGIN IMMEDIATE (one writer at a time, waiting on the busy timeout instead of failing
when a read turns into a write); a pass's plain reads use an engine without it.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import socket
import time
from collections.abc import Callable, Collection, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime
from functools import partial
from typing import Any, TypeVar

import httpx
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Connection, Engine

from calsync.runtime import Runtime
from calsync.scheduler.claims import Claim, JobState
from calsync.scheduler.hooks import HookContext, Hooks, default_hooks
from calsync.scheduler.jobs import (
    DIGEST,
    EVALUATE,
    OUTBOX,
    Job,
    merge_requests,
    plan_jobs,
    request_evaluation,
)
from calsync.scheduler.ledger import ABANDONED, Ledger
from calsync.scheduler.reconfig import replan
from calsync.sdk.http import make_client
from calsync.store.engine import make_engine
from calsync.store.sources import retry_times
from calsync.sync import FencedOut, Progress, Syncer, SyncReport
from calsync.triggers import due_ticks

__all__ = ["Scheduler"]

log = logging.getLogger("calsync.scheduler")
T = TypeVar("T")

_PRUNE_EVERY = 3600.0

class Scheduler:
    """One instance's scheduler. `run(stop)` until `stop` is set; `dispatch()` is one pass
    (tests call it directly)."""

    def __init__(self, runtime: Runtime, *, engine: Engine | None = None,
                 instance_id: str | None = None, hooks: Hooks | None = None,
                 http: httpx.AsyncClient | None = None,
                 only: Collection[str] | None = None,
                 progress: Progress | None = None) -> None:
        config = runtime.config
        self.runtime = runtime
        self.settings = config.scheduler
        self.clock = runtime.clock
        self.engine = engine or make_engine(config.database_url(), immediate=True)
        # Reads of a pass without the write lock (see make_engine's `immediate`).
        self.reader = (make_engine(config.database_url()) if engine is None
                       and self.engine.dialect.name == "sqlite" else self.engine)
        host_pid = f"{socket.gethostname()}:{os.getpid()}"
        self.owner = instance_id or self.settings.instance_id or host_pid
        self.stable_id = bool(instance_id or self.settings.instance_id)
        self.hooks = hooks or default_hooks()
        self.jobs = plan_jobs(config, evaluate=self.hooks.evaluate is not None,
                              outbox=self.hooks.outbox is not None,
                              digest=self.hooks.digest is not None)
        self.only = only
        if only is not None:  # `calsync sync`: just these jobs (see calsync.scheduler.now)
            self.jobs = {name: job for name, job in self.jobs.items() if name in only}
        self.pending: Runtime | None = None  # a reloaded config, used from the next pass
        self.progress = progress
        self.reports: list[SyncReport] = []  # this instance's syncs, in completion order
        self.ledger = Ledger(self.engine, self.owner, lease=self.settings.lease,
                             max_attempts=self.settings.max_attempts,
                             retry_base=max(self.settings.dispatch_interval, 1.0),
                             reader=self.reader)
        self.syncer = Syncer(self.engine, config, self.clock)
        self.http = http
        self._own_http = False
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self._lost: set[int] = set()
        self._stopping = False
        self._passing: asyncio.Task[Any] | None = None
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="calsync-ledger")
        self._last_prune = 0.0
        self._last: dict[str, datetime | None] = {}  # last tick seen per job (a floor)
        self._random = random.Random()

    # -- lifecycle ----------------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        """Dispatch on APScheduler's clock until `stop` is set, then shut down gracefully."""
        if self.stable_id:
            reclaimed = await self._db(self.ledger.reclaim_own)
            if reclaimed:
                log.warning("%s: %d run(s) of an earlier life of this instance will be "
                            "taken over", self.owner, reclaimed)
        clock = AsyncIOScheduler(timezone=UTC)
        clock.add_job(self._pass, IntervalTrigger(seconds=self.settings.dispatch_interval,
                                                  timezone=UTC),
                      id="dispatch", coalesce=True, max_instances=1, misfire_grace_time=None)
        log.info("%s: started (%d job(s), dispatch every %gs, lease %gs)", self.owner,
                 len(self.jobs), self.settings.dispatch_interval, self.settings.lease)
        await self._pass()
        clock.start()
        try:
            await stop.wait()
        finally:
            self._stopping = True
            if self._passing is not None:  # let a pass in flight finish its claims
                await asyncio.gather(self._passing, return_exceptions=True)
            clock.shutdown(wait=False)
            await self.shutdown()

    async def shutdown(self) -> None:
        """Stop claiming; let running runs finish within the grace, release the rest."""
        self._stopping = True
        running = list(self._tasks.values())
        if running:
            log.info("%s: waiting up to %gs for %d running run(s)", self.owner,
                     self.settings.shutdown_grace, len(running))
            _done, pending = await asyncio.wait(running, timeout=self.settings.shutdown_grace)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        if self._own_http and self.http is not None:
            await self.http.aclose()
            self.http = None
        self._pool.shutdown(wait=True)

    async def wait_idle(self) -> None:
        """Wait until no run of this instance is running (tests, `--once`)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks.values()), return_exceptions=True)

    # -- dispatch -----------------------------------------------------------------------

    async def _pass(self) -> None:
        self._passing = asyncio.current_task()
        try:
            if self.pending is not None and self.pending is not self.runtime:
                replan(self, self.pending)  # between passes: no claim is half-made
            await self.dispatch()
        except Exception:  # the database may be away for a moment: try again next pass
            log.exception("%s: dispatch pass failed", self.owner)
        finally:
            self._passing = None

    async def dispatch(self, now: datetime | None = None) -> list[Claim]:
        """One pass: take over, claim what is due, start it. Returns the new claims."""
        if self._stopping:
            return []
        ledger = self.ledger
        capacity = self.settings.max_concurrent - len(self._tasks)
        at: datetime = now if now is not None else await self._db(ledger.now, None)
        # Ask for the last tick only of jobs that may be due: a job whose next tick after
        # the last one we saw is still ahead cannot be due (the ledger's is only later).
        ticked = [j.name for j in self.jobs.values() if j.may_be_due(self._last.get(j.name), at)]
        overview = await self._db(ledger.overview, ticked)
        for name in ticked:
            self._last[name] = overview[name].last_tick if name in overview else None
        claims: list[Claim] = []
        if any(state.expired for state in overview.values()):
            taken, abandoned = await self._db(ledger.take_over, max(capacity, 0),
                                              list(self.jobs))
            for row in abandoned:
                await self._abandoned(row["job"], row["tick_at"], row["error"])
            claims += taken
            capacity -= len(taken)
            for took in taken:  # running here now
                overview[took.job] = replace(overview[took.job], expired=False)
        backoff = await self._db(self._read, retry_times)
        order = list(self.jobs.values())
        self._random.shuffle(order)  # instances contend less when they start elsewhere
        for job in order:
            if capacity <= 0:
                break
            state = overview.get(job.name, JobState())
            state = replace(state, last_tick=self._last.get(job.name))
            found = await self._claim(job, state, at, backoff.get(job.name))
            if found is not None:
                claims.append(found)
                capacity -= 1
        for claim in claims:
            self._start(claim)
        if time.monotonic() - self._last_prune > _PRUNE_EVERY:
            self._last_prune = time.monotonic()
            pruned = await self._db(ledger.prune, self.settings.retention)
            if pruned:
                log.info("%s: pruned %d old ledger row(s)", self.owner, pruned)
        return claims

    async def _claim(self, job: Job, state: JobState, now: datetime,
                     retry_at: datetime | None) -> Claim | None:
        ledger = self.ledger
        if state.running:
            return None  # its next tick waits; coalesced when this run ends
        if state.waiting_since is not None and state.waiting_since <= now:
            return await self._db(ledger.claim_waiting, job.name)
        if job.trigger is None:
            return None
        due = due_ticks(job.trigger, state.last_tick, now, misfire_grace=job.misfire_grace)
        if due.run is None:
            if due.missed:
                await self._db(ledger.record, job.name, due.missed, "missed",
                               error="later than the misfire grace")
                self._last[job.name] = due.missed[-1]
            return None
        if state.waiting_since is not None:
            await self._db(ledger.record, job.name, [*due.missed, due.run], "skipped",
                           error=f"a retry is pending at {state.waiting_since.isoformat()}")
            self._last[job.name] = due.run
            return None
        if retry_at is not None and retry_at > now:
            if due.missed:
                await self._db(ledger.record, job.name, due.missed, "missed",
                               error="coalesced: a later tick of the same job is waiting")
            await self._db(ledger.record, job.name, [due.run], "waiting",
                           not_before=retry_at,
                           error=f"deferred: the source backs off after failures until "
                                 f"{retry_at.isoformat()}")
            self._last[job.name] = due.run
            return None
        claim = await self._db(ledger.claim_tick, job.name, due.run, missed=due.missed,
                               missed_total=due.missed_total)
        if claim is not None:  # lost: ask the ledger again next pass (busy, or taken)
            self._last[job.name] = due.run
        return claim

    # -- running ------------------------------------------------------------------------

    def _start(self, claim: Claim) -> None:
        task = asyncio.create_task(self._execute(claim), name=f"run {claim.job} #{claim.id}")
        self._tasks[claim.id] = task
        task.add_done_callback(lambda _t: self._tasks.pop(claim.id, None))
        quiet = claim.job in self.jobs and self.jobs[claim.job].kind == "outbox" \
            and claim.attempt == 1  # every outbox_every: not worth a line each time
        verb = "takes over" if claim.how == "takeover" else \
            "retries" if claim.attempt > 1 else "runs"
        log.log(logging.DEBUG if quiet else logging.INFO, "%s: %s %s tick %s (attempt %d)",
                self.owner, verb, claim.job, claim.tick_at.isoformat(), claim.attempt)

    async def _execute(self, claim: Claim) -> None:
        job = self.jobs[claim.job]
        me = asyncio.current_task()
        assert me is not None
        beat = asyncio.create_task(self._heartbeat(claim, me))
        try:
            run = self._sync(job, claim) if job.kind == "connector" \
                else self._singleton(job, claim)
            await asyncio.wait_for(run, timeout=job.max_runtime)
        except FencedOut:
            log.warning("%s: %s lost its lease while syncing; its writes were rolled back",
                        self.owner, claim.job)
        except TimeoutError:
            await self._failed(claim, f"exceeded the maximum runtime ({job.max_runtime:g}s)")
        except asyncio.CancelledError:
            if claim.id in self._lost:
                log.warning("%s: %s was taken over by another instance; stopped",
                            self.owner, claim.job)
            elif await self._db(self.ledger.release, claim,
                                f"released by {self.owner} on shutdown"):
                log.info("%s: released %s for another instance", self.owner, claim.job)
        except Exception as exc:
            log.exception("%s: %s failed", self.owner, claim.job)
            await self._failed(claim, f"{exc.__class__.__name__}: {exc}")
        finally:
            beat.cancel()
            self._lost.discard(claim.id)

    async def _heartbeat(self, claim: Claim, task: asyncio.Task[Any]) -> None:
        while True:
            await asyncio.sleep(self.settings.heartbeat_seconds)
            try:
                verdict = await self._db(self.ledger.heartbeat, claim)
            except Exception:
                log.warning("%s: heartbeat for %s failed; retrying", self.owner, claim.job,
                            exc_info=True)
                continue
            if verdict == "done":
                return
            if verdict == "lost":
                self._lost.add(claim.id)
                task.cancel()
                return

    async def _sync(self, job: Job, claim: Claim) -> None:
        connector = self.runtime.connectors[job.name]
        evaluate = EVALUATE in self.jobs

        def after_commit(conn: Connection, touched: Sequence[int]) -> None:
            if evaluate and touched:
                request_evaluation(self.ledger, conn, job.name, touched)

        if self.http is None:  # one client per worker, shared by every sync
            self.http, self._own_http = make_client(), True
        accept = any(d.get("accept_removals") for d in [claim.detail or {}, *claim.merged])
        report = await self.syncer.sync(connector, self.http, accept_removals=accept,
                                        fence=self.ledger.fence(claim, then=after_commit),
                                        progress=self.progress)
        self.reports.append(report)
        if report.outcome == "failed":
            retry_at = (await self._db(self._read, retry_times, job.name)).get(job.name)
            await self._failed(claim, report.error or "the sync failed", outcome="failed",
                               retry_at=retry_at, sync_run_id=report.run_id)
            return
        counts = {k: getattr(report, k) for k in ("added", "changed", "cancelled",
                                                   "unchanged", "skipped")}
        await self._db(self.ledger.annotate, claim, outcome=report.outcome,
                       sync_run_id=report.run_id, detail=counts)
        log.info("%s: %s %s (+%d ~%d -%d)", self.owner, job.name, report.outcome,
                 report.added, report.changed, report.cancelled)

    async def _singleton(self, job: Job, claim: Claim) -> None:
        hook = {"evaluate": self.hooks.evaluate, "digest": self.hooks.digest}.get(
            job.kind, self.hooks.outbox)
        assert hook is not None
        names, ids = merge_requests([claim.detail, *claim.merged])
        ctx = HookContext(engine=self.engine, config=self.runtime.config, clock=self.clock,
                          owner=self.owner, sources=names, changed_event_ids=ids,
                          digest=job.name.removeprefix(DIGEST) if job.kind == "digest"
                          else None, tick=claim.tick_at)
        result = await asyncio.to_thread(hook, ctx)
        outcome = "skipped" if "skipped" in result else "ok"
        if not await self._db(self.ledger.complete, claim, outcome=outcome,
                              detail={**(claim.detail or {}), **result,
                                      "merged": len(claim.merged)}):
            log.warning("%s: %s was taken over before it completed", self.owner, job.name)
            return
        if job.kind in ("evaluate", "digest") and OUTBOX in self.jobs \
                and result.get("enqueued"):
            await self._db(self._request_outbox)

    def _request_outbox(self) -> None:
        with self.engine.begin() as conn:
            self.ledger.request(conn, OUTBOX)

    async def _failed(self, claim: Claim, error: str, *, outcome: str | None = None,
                      retry_at: datetime | None = None, sync_run_id: int | None = None
                      ) -> None:
        state = await self._db(self.ledger.fail, claim, error, outcome=outcome,
                               retry_at=retry_at, sync_run_id=sync_run_id)
        if state == ABANDONED:
            await self._abandoned(claim.job, claim.tick_at, error)
        elif state is not None:
            log.warning("%s: %s failed (attempt %d), will retry: %s", self.owner, claim.job,
                        claim.attempt, error)

    async def _abandoned(self, job: str, tick: datetime, error: str) -> None:
        if self.hooks.alert is None:
            return
        ctx = HookContext(engine=self.engine, config=self.runtime.config, clock=self.clock,
                          owner=self.owner)
        try:
            await asyncio.to_thread(self.hooks.alert, ctx, job, tick, error)
        except Exception:
            log.exception("%s: raising the alert for abandoned %s failed", self.owner, job)

    def _read(self, query: Callable[..., T], *args: Any) -> T:
        with self.reader.connect() as conn:
            return query(conn, *args)

    async def _db(self, func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Ledger work on the scheduler's own threads, so a long sync never starves a
        heartbeat of a worker thread."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, partial(func, *args, **kwargs))
