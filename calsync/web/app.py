"""The FastAPI application factory. No import-time side effects: everything it serves
comes from the `Runtime` passed in, so tests build apps on their own databases."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from calsync import __version__
from calsync.errors import CalsyncError, ConfigError, NotFoundError, explain
from calsync.runtime import Runtime
from calsync.web import feeds, health

__all__ = ["create_app"]


def create_app(runtime: Runtime) -> FastAPI:
    app = FastAPI(
        title="calsync",
        version=__version__,
        description="EU, national, regional and municipal decision and budget cycles in one "
                    "timeline: iCal feeds, JSON API and misalignment alerts.",
    )
    app.state.runtime = runtime
    app.include_router(health.router)
    app.include_router(feeds.router)

    @app.exception_handler(CalsyncError)
    async def _calsync_error(_request: Request, exc: CalsyncError) -> JSONResponse:
        status = 404 if isinstance(exc, NotFoundError) else 400 if isinstance(
            exc, ConfigError) else 500
        return JSONResponse({"error": exc.__class__.__name__, "message": explain(exc)},
                            status_code=status)

    return app
