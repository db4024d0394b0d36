"""Running connectors: fetch, plan, apply, all-or-nothing per source.

The same semantics hold for every connector:

- a sync is one transaction per source: added, changed (sequence + 1, a revision),
  unchanged (only `last_seen` touched), and upcoming events that disappeared upstream
  become cancelled, never deleted. The records are planned in batches (parked on disk
  past a few, `calsync.sync.spill`), so memory does not grow with the payload, and
  then written batch by batch in that one transaction, which starts only after the
  whole payload was read: a payload that breaks half-way writes nothing;
- a failed fetch changes nothing stored: the source is marked failing with the error
  and a retry time that backs off;
- a payload that would cancel more than `max_removal_share` of the upcoming events is
  held back as a source anomaly until an admin accepts it (`--accept-removals`);
- a 304, or a payload byte-identical to the last one, short-circuits to a touch: the
  source's `last_success_at` moves, and the events the last writing sync saw count as
  seen then (`calsync.store.sources.seen_again`), without a write per event.

`Syncer.sync` is also the boundary where an unexpected connector bug is caught and
recorded on the source, so one broken connector cannot stop the others.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from calsync.clock import Clock
from calsync.config.schema import Config
from calsync.durations import backoff
from calsync.errors import ConnectorError, RetriableFetchError, one_line
from calsync.sdk.contract import Bookmark, Connector, FetchContext, Horizon, NotModified, Snapshot
from calsync.sdk.http import make_client
from calsync.store.engine import database_problem
from calsync.store.sources import (
    SourceState,
    finish_sync_run,
    get_source_state,
    save_source_state,
    seen_by_last_success,
    start_sync_run,
)
from calsync.sync.apply import apply_batches, load_known
from calsync.sync.plan import Limits, Tally
from calsync.sync.planner import BATCH, Planner
from calsync.sync.settle import make_settler
from calsync.sync.spill import MEMORY_BATCHES, Spill

__all__ = ["FencedOut", "Progress", "SyncReport", "Syncer", "horizon_for"]

log = logging.getLogger("calsync.sync")

Progress = Callable[[str, str], None]
"""Called with (source name, stage): fetching, mapping, writing, done, failed, held."""

Fence = Callable[[Connection, Sequence[int]], bool]
"""Checked inside the write transaction with the ids of the events it added, changed or
cancelled; False aborts it (a stale scheduler lease)."""

_BACKOFF_BASE = 60.0  # seconds after the first failure, doubling
_BACKOFF_MAX = 6 * 3600.0
_PLAN_VERSION = "1"


class FencedOut(Exception):
    """The run lost its lease while syncing; its writes were rolled back."""


@dataclass
class SyncReport:
    source: str
    outcome: str  # ok | not_modified | failed | held
    added: int = 0
    changed: int = 0
    cancelled: int = 0
    unchanged: int = 0
    skipped: int = 0
    error: str | None = None
    error_kind: str | None = None
    run_id: int | None = None
    seconds: float = 0.0
    skip_reasons: list[str] = field(default_factory=list)
    held_removals: int = 0
    warnings: list[str] = field(default_factory=list)
    """What a person should know about an ok sync: records skipped (with the reason),
    bounds reached, data kept that could not be read."""
    capture_failed: int = 0
    capture_reasons: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.outcome in ("ok", "not_modified")

    @property
    def touched_anything(self) -> bool:
        return bool(self.added or self.changed or self.cancelled)

    def as_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in (
            "source", "outcome", "added", "changed", "cancelled", "unchanged", "skipped",
            "error", "error_kind", "run_id", "seconds", "held_removals", "capture_failed")}


def horizon_for(config: Config, now: datetime) -> Horizon:
    return Horizon(start=now - config.horizon.past, end=now + config.horizon.future, now=now)


class Syncer:
    """Runs connectors against one store; create one per process."""

    def __init__(self, engine: Engine, config: Config, clock: Clock, *,
                 batch: int = BATCH, memory_batches: int = MEMORY_BATCHES) -> None:
        self.engine = engine
        self.config = config
        self.clock = clock
        self.batch = batch
        """Events per plan batch (`calsync.sync.planner.BATCH`)."""
        self.memory_batches = memory_batches
        """Batches kept in memory before the plan spills to disk (`calsync.sync.spill`)."""

    async def sync_many(self, connectors: Sequence[Connector], *,
                        accept_removals: bool = False, progress: Progress | None = None,
                        http: httpx.AsyncClient | None = None) -> list[SyncReport]:
        """Sync each connector; fetches overlap, writes are one source at a time."""
        async with _client(http) as client:
            limit = asyncio.Semaphore(4)

            async def one(connector: Connector) -> SyncReport:
                async with limit:
                    return await self.sync(connector, client, accept_removals=accept_removals,
                                           progress=progress)

            return list(await asyncio.gather(*(one(c) for c in connectors)))

    async def sync(self, connector: Connector, http: httpx.AsyncClient, *,
                   accept_removals: bool = False, progress: Progress | None = None,
                   fence: Fence | None = None) -> SyncReport:
        name = connector.name
        say = progress or (lambda _source, _stage: None)
        started = time.perf_counter()
        now = self.clock.now()
        horizon = horizon_for(self.config, now)
        with self.engine.begin() as conn:
            state = get_source_state(conn, name, connector.type)
            run_id = start_sync_run(conn, name, now)
        fingerprint = self._fingerprint(connector, horizon)
        say(name, "fetching")
        bookmark = state.bookmark
        if fingerprint != bookmark.fingerprint or state.anomaly is not None:
            # Config, horizon or a held sync changed what mapping must produce: neither a
            # 304 nor a connector's own "same payload" check may short-circuit it.
            bookmark = replace(bookmark, etag=None, last_modified=None, payload_hash=None)
        ctx = FetchContext(http=http, clock=self.clock, bookmark=bookmark,
                           horizon=horizon, log=logging.getLogger(f"calsync.connector.{name}"))
        try:
            result = await asyncio.wait_for(connector.fetch(ctx),
                                            timeout=connector.config.timeout * 4)
            if isinstance(result, Snapshot) and result.payload_hash is not None \
                    and result.payload_hash == state.bookmark.payload_hash \
                    and fingerprint == state.bookmark.fingerprint and state.anomaly is None:
                result = NotModified()
            if isinstance(result, NotModified):  # a few short statements, like the start's
                report = self._touch_all(name, state, run_id, now, fence)  # (no thread)
            else:
                say(name, "mapping")
                report = await asyncio.to_thread(
                    self._apply_snapshot, connector, state, result, run_id, now, horizon,
                    fingerprint, accept_removals, fence, say)
        except FencedOut:
            raise
        except Exception as exc:
            report = self._record_failure(connector, state, run_id, now, exc)
        report.seconds = time.perf_counter() - started
        say(name, {"ok": "done", "not_modified": "done"}.get(report.outcome, report.outcome))
        return report

    # -- outcomes ---------------------------------------------------------------------

    def _apply_snapshot(self, connector: Connector, state: SourceState, snapshot: Snapshot,
                        run_id: int, now: datetime, horizon: Horizon, fingerprint: str,
                        accept_removals: bool, fence: Fence | None, say: Progress
                        ) -> SyncReport:
        name = connector.name
        with self.engine.connect() as conn:
            known = load_known(conn, name)
        settler = make_settler(name, connector.config)
        planner = Planner(connector.to_events, settler, known, horizon=horizon, now=now,
                          reuse_keys=fingerprint == state.bookmark.fingerprint,
                          complete=snapshot.complete, batch=self.batch,
                          limits=Limits(connector.config.max_events,
                                        connector.config.max_mapping_seconds))
        with Spill(self.memory_batches) as spill:
            for batch in planner.batches(snapshot.records):
                spill.put(batch)
            tally = planner.tally
            share = tally.removal_share()
            if share > connector.config.max_removal_share and not accept_removals:
                return self._hold(name, state, run_id, now, tally, share, fence)
            say(name, "writing")
            bookmark = Bookmark(etag=snapshot.etag, last_modified=snapshot.last_modified,
                                payload_hash=snapshot.payload_hash,
                                cursor=snapshot.cursor, fingerprint=fingerprint)
            with self.engine.begin() as conn:
                touched = apply_batches(conn, name, spill, now=now, sync_id=run_id,
                                        uid_domain=self.config.server.uid_domain,
                                        cancel_reason=f"no longer published by source "
                                                      f"'{name}' (sync #{run_id})")
                save_source_state(conn, replace(
                    state, bookmark=bookmark, last_attempt_at=now, last_success_at=now,
                    last_error=None, error_kind=None, consecutive_failures=0, retry_at=None,
                    retry_after=None, anomaly=None, applied_at=now))
                warnings = sync_warnings(tally)
                finish_sync_run(conn, run_id, at=self.clock.now(), outcome="ok",
                                counts=tally.counts(), error="\n".join(warnings) or None,
                                error_kind="warning" if warnings else None)
                _check_fence(conn, fence, touched)
        if warnings:
            log.warning("%s: %s", name, "; ".join(warnings))
        if settler.capture_failed:
            log.warning("%s: %d capture(s) failed, events kept without the attribute: %s",
                        name, settler.capture_failed, "; ".join(settler.capture_reasons))
        return SyncReport(name, "ok", run_id=run_id,
                          skip_reasons=[one_line(r) for r in tally.skip_reasons],
                          warnings=warnings, capture_failed=settler.capture_failed,
                          capture_reasons=settler.capture_reasons, **tally.counts())

    def _touch_all(self, name: str, state: SourceState, run_id: int, now: datetime,
                   fence: Fence | None) -> SyncReport:
        """Nothing changed upstream: confirm what the last sync saw."""
        with self.engine.begin() as conn:
            touched = seen_by_last_success(conn, name)
            save_source_state(conn, replace(
                state, last_attempt_at=now, last_success_at=now, last_error=None,
                error_kind=None, consecutive_failures=0, retry_at=None, retry_after=None))
            finish_sync_run(conn, run_id, at=self.clock.now(), outcome="not_modified",
                            counts={"unchanged": touched})
            _check_fence(conn, fence)
        return SyncReport(name, "not_modified", unchanged=touched, run_id=run_id)

    def _hold(self, name: str, state: SourceState, run_id: int, now: datetime, plan: Tally,
              share: float, fence: Fence | None) -> SyncReport:
        message = (f"held back: this sync would cancel {len(plan.disappeared)} of "
                   f"{plan.upcoming_active} upcoming events ({share:.0%}); if the upstream "
                   f"really removed them, run `calsync sync --connector {name} "
                   f"--accept-removals`")
        anomaly = {"kind": "mass_removal", "detected_at": now.isoformat(),
                   "would_cancel": len(plan.disappeared), "upcoming": plan.upcoming_active,
                   "share": round(share, 3),
                   "examples": [k.external_uid for k in plan.disappeared[:5]]}
        with self.engine.begin() as conn:
            save_source_state(conn, replace(state, last_attempt_at=now, anomaly=anomaly,
                                            last_error=message, error_kind="held"))
            finish_sync_run(conn, run_id, at=self.clock.now(), outcome="held",
                            counts=plan.counts(), error=message, error_kind="held")
            _check_fence(conn, fence)
        log.warning("%s: %s", name, message)
        return SyncReport(name, "held", run_id=run_id, error=message, error_kind="held",
                          held_removals=len(plan.disappeared), **plan.counts())

    def _record_failure(self, connector: Connector, state: SourceState, run_id: int,
                        now: datetime, exc: BaseException) -> SyncReport:
        name = connector.name
        if isinstance(exc, TimeoutError):
            exc = RetriableFetchError(
                f"gave up after {connector.config.timeout * 4:.0f}s", connector=name)
        if isinstance(exc, ConnectorError):
            kind = "retriable" if isinstance(exc, RetriableFetchError) else "fatal"
            message = one_line(str(exc), 1000)
        elif isinstance(exc, SQLAlchemyError):  # words, never the SQL or its parameters
            kind = "retriable"
            message = f"the database refused the sync's writes ({database_problem(exc)}); " \
                      "the stored events are unchanged"
            log.error("%s: database error: %s", name, database_problem(exc))
        else:
            kind = "error"
            message = f"{exc.__class__.__name__}: {exc}"
            log.exception("%s: unexpected error in connector", name, exc_info=exc)
        failures = state.consecutive_failures + 1
        delay = timedelta(seconds=backoff(failures, base=_BACKOFF_BASE, ceiling=_BACKOFF_MAX))
        hint = getattr(exc, "retry_after", None)
        asked = now + timedelta(seconds=float(hint)) if hint else None
        if hint:
            delay = max(delay, timedelta(seconds=float(hint)))
        with self.engine.begin() as conn:
            save_source_state(conn, replace(
                state, last_attempt_at=now, last_error=message, error_kind=kind,
                consecutive_failures=failures, retry_at=now + delay, retry_after=asked))
            finish_sync_run(conn, run_id, at=self.clock.now(), outcome="failed",
                            error=message, error_kind=kind)
        return SyncReport(name, "failed", error=message, error_kind=kind, run_id=run_id)

    def _fingerprint(self, connector: Connector, horizon: Horizon) -> str:
        """Changes whenever mapping could give different events for the same record."""
        parts = [_PLAN_VERSION, connector.type, connector.config.model_dump_json(),
                 self.config.server.uid_domain, horizon.start.date().isoformat(),
                 horizon.end.date().isoformat()]
        options = getattr(connector, "options", None)
        if options is not None and hasattr(options, "model_dump_json"):
            parts.append(options.model_dump_json())
        return hashlib.blake2b("\x1f".join(parts).encode(), digest_size=16).hexdigest()


def sync_warnings(plan: Tally) -> list[str]:
    """The warnings of an ok sync, one line each (stored with the run, so `calsync
    sources` and /api/sources show them too)."""
    lines = list(plan.warnings)
    if plan.skipped:
        more = plan.skipped - len(plan.skip_reasons)
        lines += [f"skipped: {reason}" for reason in plan.skip_reasons]
        if more > 0:
            lines.append(f"and {more} more record(s) skipped")
    # A connector's reasons may quote upstream text: one printable, bounded line each.
    return [one_line(line) for line in lines]


def _check_fence(conn: Connection, fence: Fence | None, touched: Sequence[int] = ()) -> None:
    if fence is not None and not fence(conn, touched):
        raise FencedOut("the run's lease was taken over; nothing was written")


class _client:
    """Use the given client, or own a fresh one for the duration."""

    def __init__(self, given: httpx.AsyncClient | None) -> None:
        self.given = given
        self.owned: httpx.AsyncClient | None = None

    async def __aenter__(self) -> httpx.AsyncClient:
        if self.given is not None:
            return self.given
        self.owned = make_client()
        return self.owned

    async def __aexit__(self, *exc: object) -> None:
        if self.owned is not None:
            await self.owned.aclose()
