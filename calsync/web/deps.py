"""Request-scoped dependencies: the runtime, a database connection, and the gate that
keeps database work from wedging the server.

Why a gate: a request's connection is taken in a worker thread and given back after the
response is sent. If more requests than the pool holds took connections at once, worker
threads would wait for the pool while the holders waited for a worker thread (or, worse,
the event loop) to give theirs back: a wedge that only a pool timeout, or nothing, ends.
The gate admits at most `DB_GATE` connection holders; the rest wait on the event loop,
which costs nothing and blocks nobody. The pool (`calsync.store.engine.POOL_SIZE` plus
overflow) is larger than the gate, so the few direct `engine.connect()` calls in admin
handlers and the scheduler beside the server never starve either.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from typing import Annotated, TypeVar

import anyio
from fastapi import Depends, FastAPI, Request
from sqlalchemy import Connection
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool

from calsync.runtime import Runtime
from calsync.store.engine import POOL_SIZE, database_problem

__all__ = ["DB_GATE", "Conn", "RuntimeDep", "get_runtime", "in_thread"]

DB_GATE = POOL_SIZE
log = logging.getLogger("calsync.web")
T = TypeVar("T")


async def get_runtime(request: Request) -> Runtime:
    """The runtime this request runs on from start to end, and (in `request.state.feeds`)
    the feed service that belongs to it: both from one read of `app.state.serving`, which
    a config reload replaces in one assignment (calsync.web.reload)."""
    # async: FastAPI would run a plain function in the thread pool, a hop per request.
    serving = getattr(request.app.state, "serving", None)
    if serving is None:  # an app assembled by hand
        runtime: Runtime = request.app.state.runtime
        return runtime
    runtime, request.state.feeds = serving
    return runtime


def _gate(app: FastAPI) -> anyio.Semaphore:
    gate: anyio.Semaphore | None = getattr(app.state, "db_gate", None)
    if gate is None:  # created inside the running loop, on first use
        gate = app.state.db_gate = anyio.Semaphore(DB_GATE)
    return gate


async def in_thread(request: Request, func: Callable[..., T], *args: object) -> T:
    """Run database work that opens its own connection in a worker thread, through the
    gate. Never call `engine.connect()` on the event loop itself."""
    async with _gate(request.app):
        return await run_in_threadpool(func, *args)


async def get_connection(request: Request, runtime: Annotated[Runtime, Depends(get_runtime)]
                         ) -> AsyncIterator[Connection]:
    async with _gate(request.app):
        conn = await run_in_threadpool(runtime.engine.connect)
        try:
            yield conn
        finally:
            await run_in_threadpool(_close, conn)


def _close(conn: Connection) -> None:
    """Give the connection back. If the database dropped it meanwhile (a restart), giving
    it back fails after the response is sent: nobody could be told, and the pool discards
    it anyway, so it is only logged (it used to break the client's connection)."""
    try:
        conn.close()
    except SQLAlchemyError as exc:
        log.info("a database connection was lost and is discarded: %s", database_problem(exc))


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
Conn = Annotated[Connection, Depends(get_connection)]
