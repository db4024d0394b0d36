"""`/metrics` in the Prometheus text format (0.0.4), without a client library.

Two kinds of numbers:

- **from the database** (the same for every process serving it): sync runs by source and
  outcome, failed syncs by error kind, each source's last success and staleness, events
  by level and status, and alerts by status and workflow state;
- **from this process**: HTTP requests and their latency per route template (never the
  raw path, which may carry a private feed's token), feed bodies rendered, the
  per-event cache's size, hits and misses, and the build info and `process_*` families
  (`calsync.web.procmetrics`).

Alerts are counted when the `alerts` table exists in `calsync.store.tables`
(`_alert_counts`, the extension point for the alerts engine's own gauges).
"""

from __future__ import annotations

import threading
import time
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from itertools import accumulate

from fastapi import APIRouter, Request, Response
from sqlalchemy import Connection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from calsync.alerts.store import alert_counts
from calsync.health import source_statuses
from calsync.runtime import Runtime
from calsync.store.events import count_by_level_status
from calsync.store.sources import sync_error_counts, sync_run_counts
from calsync.web.deps import Conn, RuntimeDep
from calsync.web.procmetrics import process_families

__all__ = ["RequestMetrics", "RequestStats", "router"]

router = APIRouter(tags=["health"])

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class RequestStats:
    """Request counts and a latency histogram per (method, route template)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.counts: dict[tuple[str, str, str], int] = defaultdict(int)
        # per (method, route): requests per bucket, the last over every bound
        self.buckets: dict[tuple[str, str], list[int]] = {}
        self.sums: dict[tuple[str, str], float] = defaultdict(float)

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        # One bucket per request (the first bound it fits under; the last: none), made
        # cumulative when /metrics is read: a feed's 304 is tens of microseconds.
        slot = bisect_left(BUCKETS, seconds)
        key = (method, route)
        with self.lock:
            self.counts[(method, route, str(status))] += 1
            counts = self.buckets.get(key)
            if counts is None:
                counts = self.buckets[key] = [0] * (len(BUCKETS) + 1)
            counts[slot] += 1
            self.sums[key] += seconds

    def lines(self) -> Iterable[str]:
        with self.lock:
            yield from _family("calsync_http_requests_total", "counter",
                               "HTTP requests by method, route template and status.",
                               [({"method": m, "route": r, "status": s}, v)
                                for (m, r, s), v in sorted(self.counts.items())])
            yield ("# HELP calsync_http_request_duration_seconds Request latency by method "
                   "and route template.")
            yield "# TYPE calsync_http_request_duration_seconds histogram"
            for (method, route), slots in sorted(self.buckets.items()):
                labels = {"method": method, "route": route}
                counts = list(accumulate(slots))
                for bound, count in zip(BUCKETS, counts, strict=False):
                    yield _sample("calsync_http_request_duration_seconds_bucket",
                                  {**labels, "le": repr(bound)}, count)
                yield _sample("calsync_http_request_duration_seconds_bucket",
                              {**labels, "le": "+Inf"}, counts[-1])
                yield _sample("calsync_http_request_duration_seconds_sum", labels,
                              self.sums[(method, route)])
                yield _sample("calsync_http_request_duration_seconds_count", labels,
                              counts[-1])


class RequestMetrics:
    """ASGI middleware feeding a `RequestStats` (cheap: no per-request allocation
    beyond a closure, so it does not cost the feeds' throughput)."""

    def __init__(self, app: ASGIApp, stats: RequestStats) -> None:
        self.app = app
        self.stats = stats

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            self.stats.observe(scope["method"], template, status,
                               time.perf_counter() - started)


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _sample(name: str, labels: dict[str, str], value: float) -> str:
    text = ",".join(f'{k}="{_escape(str(v))}"' for k, v in labels.items())
    number = repr(float(value)) if isinstance(value, float) else str(value)
    return f"{name}{{{text}}} {number}" if text else f"{name} {number}"


def _family(name: str, kind: str, help_text: str,
            samples: Iterable[tuple[dict[str, str], float]]) -> Iterable[str]:
    yield f"# HELP {name} {help_text}"
    yield f"# TYPE {name} {kind}"
    for labels, value in samples:
        yield _sample(name, labels, value)


def _database_lines(conn: Connection, runtime: Runtime) -> Iterable[str]:
    runs = sync_run_counts(conn)
    yield from _family("calsync_syncs_total", "counter",
                       "Sync runs by source and outcome (ok, not_modified, held, failed).",
                       [({"source": s, "outcome": o}, n) for s, o, n in runs])
    yield from _family("calsync_sync_errors_total", "counter",
                       "Failed sync runs by source and error kind.",
                       [({"source": s, "kind": k}, n) for s, k, n in sync_error_counts(conn)])
    statuses = source_statuses(runtime, conn)
    yield from _family("calsync_source_last_success_timestamp_seconds", "gauge",
                       "When each source last synced successfully (Unix time; 0: never).",
                       [({"source": s.name}, _timestamp(s.last_success_at))
                        for s in statuses])
    yield from _family("calsync_source_stale", "gauge",
                       "1 if an enabled source has not synced within api.stale_after.",
                       [({"source": s.name}, int(s.stale)) for s in statuses])
    yield from _family("calsync_source_failing", "gauge",
                       "1 if an enabled source's syncs fail, are held back or were abandoned "
                       "(its last good data is still served).",
                       [({"source": s.name},
                         int(s.enabled and bool(s.failing or s.held or s.alert)))
                        for s in statuses])
    by_level = count_by_level_status(conn)
    yield from _family("calsync_events", "gauge", "Events on the timeline by level and status.",
                       [({"level": lv, "status": st}, n) for lv, st, n in by_level])
    yield from _family("calsync_alerts", "gauge",
                       "Alerts by status (firing, resolved) and workflow state.",
                       [({"status": s, "workflow": w}, n) for s, w, n in alert_counts(conn)])


def _timestamp(iso: str | None) -> float:
    return datetime.fromisoformat(iso).timestamp() if iso else 0.0


@router.get("/metrics", response_class=Response)
def metrics(request: Request, runtime: RuntimeDep, conn: Conn) -> Response:
    """Prometheus metrics: syncs, errors, events per level, alerts, request latencies,
    build info (version, Python) and the process' CPU, memory and file descriptors."""
    lines = list(_database_lines(conn, runtime))
    feeds = getattr(request.app.state, "feeds", None)
    if feeds is not None:
        lines += _family("calsync_feed_renders_total", "counter",
                         "Feed bodies rendered (cold, or after a change).",
                         [({}, feeds.generated)])
        lines += _family("calsync_feed_event_cache_entries", "gauge",
                         "Serialised events in the per-event cache.", [({}, len(feeds.cache))])
        lines += _family("calsync_feed_event_cache_total", "counter",
                         "Per-event cache lookups by result.",
                         [({"result": "hit"}, feeds.cache.hits),
                          ({"result": "miss"}, feeds.cache.misses)])
    stats = getattr(request.app.state, "request_stats", None)
    if isinstance(stats, RequestStats):
        lines += list(stats.lines())
    for name, kind, help_text, samples in process_families():
        lines += _family(name, kind, help_text, samples)
    return Response("\n".join(lines) + "\n", media_type=CONTENT_TYPE)
