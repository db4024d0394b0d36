"""Request-scoped dependencies: the runtime, a database connection."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Connection

from calsync.runtime import Runtime

__all__ = ["Conn", "RuntimeDep", "get_runtime"]


async def get_runtime(request: Request) -> Runtime:
    # async: FastAPI would run a plain function in the thread pool, a hop per request.
    runtime: Runtime = request.app.state.runtime
    return runtime


def get_connection(runtime: Annotated[Runtime, Depends(get_runtime)]) -> Iterator[Connection]:
    with runtime.engine.connect() as conn:
        yield conn


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
Conn = Annotated[Connection, Depends(get_connection)]
