"""JSON answers of read endpoints, kept while the store has not changed (issue 18).

A dashboard, or 64 of them, asks the same `/api/events?...` again and again. The answer
depends on the query, the day (relative dates such as `from=today`), the config and the
events table only, so it is kept with the store watch's token (`calsync.store.watch`:
SQLite's `PRAGMA data_version`, PostgreSQL's notifications), taken before it was
computed: a repeat while the token stands is bytes from memory, with no pooled
connection and no thread hop. When the store changes, the first request computes the
new answer in a worker thread (through the gate, `calsync.web.deps.in_thread`) and
every request for the same key arriving meanwhile waits for that one computation
instead of starting its own, so a sync under 64 clients costs one query per key, not
64. Without a token (an in-memory database, a PostgreSQL listener not connected) every
request computes, as before.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Hashable
from typing import Any

from fastapi import Request, Response
from sqlalchemy import Connection, Engine
from starlette.types import Scope

from calsync.clock import local_today
from calsync.runtime import Runtime
from calsync.store.watch import watch
from calsync.web.deps import in_thread

__all__ = ["JSON_TYPE", "WORKERS", "KeptAnswers", "computed_json", "kept_json"]

JSON_TYPE = "application/json"  # i18n: not text
_KEPT = 256  # answers kept (distinct query strings); all dropped when full
# Answers computed at once. The work is the database's and Python's on a few cores:
# more at once only share them (16 at once answered fewer per second than one, and
# each took 16 times as long), so the rest queue, in order, on the event loop.
WORKERS = 4


class KeptAnswers:
    """Answers per (path, query string, local day), each with the watch token it was
    computed under and the runtime (config) it was computed with."""

    def __init__(self) -> None:
        # key -> (runtime, token, JSON, route template for the metrics)
        self._kept: dict[tuple[str, str, Any], tuple[Runtime, Hashable, bytes, str]] = {}
        self._pending: dict[tuple[str, str, Any],
                            tuple[Runtime, Hashable, asyncio.Future[bytes]]] = {}
        self._lock = threading.Lock()
        self._workers: asyncio.Semaphore | None = None  # made in the running loop

    async def compute(self, request: Request, runtime: Runtime,
                       compute: Callable[[Connection], bytes]) -> bytes:
        if self._workers is None:
            self._workers = asyncio.Semaphore(WORKERS)
        async with self._workers:
            return await in_thread(request, _run, runtime.engine, compute)

    def peek(self, scope: Scope, runtime: Runtime) -> tuple[str, bytes] | None:
        """The kept answer to this request and its route template, if it is current:
        asked ahead of the router (`calsync.web.fastfeeds`), on the event loop."""
        key = _key(scope, runtime)
        token = watch(runtime.engine).token()
        if key is None or token is None:
            return None
        with self._lock:
            kept = self._kept.get(key)
        if kept is None or kept[0] is not runtime or kept[1] != token:
            return None
        return kept[3], kept[2]

    async def answer(self, request: Request, runtime: Runtime,
                     compute: Callable[[Connection], bytes]) -> bytes:
        key = _key(request.scope, runtime)
        token = watch(runtime.engine).token()  # before computing: a later change moves it
        if key is None or token is None:
            return await self.compute(request, runtime, compute)
        route = getattr(request.scope.get("route"), "path", None) or request.url.path
        with self._lock:
            kept = self._kept.get(key)
            if kept is not None and kept[0] is runtime and kept[1] == token:
                return kept[2]
            pending = self._pending.get(key)
            if pending is None or pending[0] is not runtime or pending[1] != token:
                task = asyncio.ensure_future(self.compute(request, runtime, compute))
                pending = self._pending[key] = (runtime, token, task)
                task.add_done_callback(
                    lambda done: self._settle(key, runtime, token, route, done))
        # shielded: a client that goes away cancels its wait, not the others' answer
        return await asyncio.shield(pending[2])

    def _settle(self, key: tuple[str, str, Any], runtime: Runtime, token: Hashable,
                route: str, done: asyncio.Future[bytes]) -> None:
        with self._lock:
            if self._pending.get(key, (None, None, None))[2] is done:
                del self._pending[key]
            if done.cancelled() or done.exception() is not None:
                return
            if len(self._kept) >= _KEPT:
                self._kept.clear()
            self._kept[key] = (runtime, token, done.result(), route)


def _key(scope: Scope, runtime: Runtime) -> tuple[str, str, Any] | None:
    """(path, raw query string, local day): the answer is a function of these, the
    config and the store. None for a query string that is not UTF-8 (not kept)."""
    try:
        query = scope.get("query_string", b"").decode()
    except UnicodeDecodeError:
        return None
    return (scope["path"], query, local_today(runtime.clock.now(), runtime.config.timezone))


def _run(engine: Engine, compute: Callable[[Connection], bytes]) -> bytes:
    with engine.connect() as conn:
        return compute(conn)


def _answers(request: Request) -> KeptAnswers:
    answers = getattr(request.app.state, "answers", None)
    if answers is None:
        answers = request.app.state.answers = KeptAnswers()
    assert isinstance(answers, KeptAnswers)
    return answers


async def kept_json(request: Request, runtime: Runtime,
                    compute: Callable[[Connection], bytes]) -> Response:
    """`compute`'s JSON bytes for this request (on its `runtime`), kept per store
    version (see above)."""
    body = await _answers(request).answer(request, runtime, compute)
    return Response(body, media_type=JSON_TYPE)


async def computed_json(request: Request, runtime: Runtime,
                        compute: Callable[[Connection], bytes]) -> Response:
    """`compute`'s JSON bytes, computed for this request alone (an answer that depends
    on more than the query, the day and the store: the instant, a header), in one
    worker thread with a connection of its own, among the `WORKERS` at once."""
    body = await _answers(request).compute(request, runtime, compute)
    return Response(body, media_type=JSON_TYPE)
