"""Syncing on request, in this process, under the same ledger as the scheduler.

`calsync sync` must not race a worker: it asks the ledger for a run of each connector
(exactly as the API's `request_sync` does) and then acts as a short-lived instance that
claims only those runs, runs them fenced, and runs the rule evaluation and the outbox
they ask for, so alerts are up to date when the command returns. A connector already
syncing on another instance is left queued: that instance (or the next worker pass)
serves the request when its run ends. Who holds it, since when and until when is in
`ManualRun.held`: the holder may also be a process that was killed mid-sync, whose lease
nobody renews any more; it lapses at `lease_until`, and the next pass after that (of a
worker, or of `calsync sync`) takes the run over.

An upstream that answered with Retry-After is not fetched again before that time, by
hand either (the scheduler's own backoff after failures, `retry_at`, is not: asking by
hand is how an admin retries now). A wait of up to `RETRY_AFTER_WAIT` seconds is waited
out here; a longer one leaves the connector out, in `ManualRun.deferred`, with its time.
"""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from calsync.runtime import Runtime
from calsync.scheduler.jobs import EVALUATE, SINGLETONS, request_sync
from calsync.scheduler.worker import Scheduler
from calsync.sdk.contract import Connector
from calsync.store.sources import list_source_states
from calsync.sync import Progress, SyncReport

__all__ = ["RETRY_AFTER_WAIT", "ManualRun", "sync_now"]

RETRY_AFTER_WAIT = 30.0  # seconds: a Retry-After this short is waited out, not refused

# Claim-and-run passes until nothing is left: the syncs (as many per pass as
# scheduler.max_concurrent allows), the evaluation they ask for, the outbox it asks for.
_MAX_PASSES = 50


@dataclass
class ManualRun:
    reports: list[SyncReport] = field(default_factory=list)
    queued: list[str] = field(default_factory=list)  # busy elsewhere: served there later
    held: dict[str, dict[str, Any]] = field(default_factory=dict)  # queued: who holds it
    deferred: dict[str, datetime] = field(default_factory=dict)  # Retry-After: not before
    waited: float = 0.0  # seconds waited for a short Retry-After
    evaluated: bool = False


async def sync_now(runtime: Runtime, connectors: Sequence[Connector], *,
                   accept_removals: bool = False, progress: Progress | None = None
                   ) -> ManualRun:
    run = ManualRun()
    with runtime.engine.connect() as conn:
        states = list_source_states(conn)
    now = runtime.clock.now()
    asked = {c.name: after for c in connectors
             if (after := states[c.name].retry_after if c.name in states else None)
             and after > now}
    run.deferred = {name: after for name, after in asked.items()
                    if (after - now).total_seconds() > RETRY_AFTER_WAIT}
    wait = max(((after - now).total_seconds() for name, after in asked.items()
                if name not in run.deferred), default=0.0)
    if wait > 0:
        run.waited = wait
        await asyncio.sleep(wait)
    connectors = [c for c in connectors if c.name not in run.deferred]
    names = [c.name for c in connectors]
    if not names:
        return run
    scheduler = Scheduler(runtime, instance_id=f"cli-{socket.gethostname()}-{os.getpid()}",
                          only={*names, *SINGLETONS}, progress=progress)
    for name in names:
        request_sync(scheduler.engine, name, accept_removals=accept_removals, by="cli")
    try:
        for _ in range(_MAX_PASSES):
            claims = await scheduler.dispatch()
            await scheduler.wait_idle()
            run.evaluated |= any(c.job == EVALUATE for c in claims)
            if not claims:
                break
    finally:
        await scheduler.shutdown()
    order = {name: i for i, name in enumerate(names)}
    run.reports = sorted(scheduler.reports, key=lambda r: order.get(r.source, len(order)))
    done = {r.source for r in run.reports}
    run.queued = [n for n in names if n not in done]
    for name in run.queued:
        holder = scheduler.ledger.holder(name)
        if holder is not None:
            run.held[name] = holder
    return run
