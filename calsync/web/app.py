"""The FastAPI application factory. No import-time side effects: everything it serves
comes from the `Runtime` passed in, so tests build apps on their own databases.

Every error leaves as JSON `{"error": ..., "message": ...}`: calsync's own errors through
`errors.explain`, HTTP errors (401/403/404) with their message and headers, and bad
query parameters as 422 with one line per problem (`problems`). Messages raised as a
`calsync.i18n.messages.Message` are shown in the request's language (`?lang=`, then
Accept-Language, then the install's `language:`).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi_offline import FastAPIOffline
from sqlalchemy.exc import DataError, SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException

from calsync import __version__
from calsync.errors import CalsyncError, ConfigError, NotFoundError, StoreError, explain
from calsync.feeds.service import FeedService
from calsync.i18n.catalogs import translator
from calsync.i18n.languages import Language, parse_language
from calsync.i18n.messages import Message, shown_in
from calsync.i18n.negotiate import negotiate_language
from calsync.runtime import Runtime
from calsync.store.engine import database_problem
from calsync.web import (
    agenda,
    alerts,
    api,
    feeds,
    metrics,
    openapi,
    probes,
    reload,
    tokens,
    whatif,
)
from calsync.web.fastfeeds import FastFeeds
from calsync.web.pages import routes as pages

__all__ = ["create_app"]

log = logging.getLogger("calsync.web")

DOCS_ASSETS = "/docs/assets"  # Swagger UI's and ReDoc's scripts and styles
RETRY_AFTER = "5"  # seconds, on a 503 (database busy or down)
_REASONS = {400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound",
            405: "MethodNotAllowed", 409: "Conflict", 422: "ValidationError"}


def create_app(runtime: Runtime) -> FastAPI:
    """The web app; refuses (ConfigError) while an api.tokens variable is unset, since the
    API cannot admit that token."""
    runtime.config.require_secrets("the HTTP API (`calsync serve`)")  # i18n: not text (admin)
    # FastAPIOffline: /docs and /redoc load Swagger UI and ReDoc from the fastapi-offline
    # package's own files (under DOCS_ASSETS), never from a CDN, so they work offline.
    app = FastAPIOffline(
        title="calsync",
        version=__version__,
        description="EU, national, regional and municipal decision and budget cycles in one "
                    "timeline: iCal feeds, JSON API and misalignment alerts. Every error is "
                    "JSON (`Error`): `error` names the kind, `message` says what to do.",
        static_url=DOCS_ASSETS,
        # No badge that sends the document to validator.swagger.io.
        swagger_ui_parameters={"validatorUrl": None},
        # FastAPI's native OpenTelemetry asks three global providers on every request
        # (about 5 µs, a tenth of a feed's 304, issue 18); calsync installs no OTel SDK
        # (constraints.txt), so it never records anything: /metrics is calsync's own.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    openapi.install(app)
    reload.serve(app, runtime, FeedService())  # app.state.runtime, .feeds: swapped on reload
    app.state.request_stats = metrics.RequestStats()
    app.add_middleware(metrics.RequestMetrics, stats=app.state.request_stats)
    # Outside the metrics (it records its own requests): repeat polls of public feeds
    # answered from memory before routing (calsync.web.fastfeeds).
    app.add_middleware(FastFeeds, stats=app.state.request_stats)
    app.include_router(probes.router)
    app.include_router(metrics.router)
    # Routers with fixed paths under /feeds/ (the alerts feed) go before feeds.router,
    # whose /feeds/{name}.ics would otherwise answer for them.
    app.include_router(alerts.router)
    app.include_router(feeds.router)
    app.include_router(api.router)
    app.include_router(tokens.router)
    app.include_router(reload.router)
    app.include_router(whatif.router)
    app.include_router(agenda.router)
    app.include_router(pages.router)  # the dashboard: / and /org/<name>

    def language(request: Request) -> Language:
        # Lenient: an error page never fails on a wrong ?lang= (the route reports it).
        return negotiate_language(parse_language(request.query_params.get("lang")),
                                  request.headers.get("accept-language"),
                                  request.app.state.runtime.config.language)

    @app.exception_handler(CalsyncError)
    async def _calsync_error(request: Request, exc: CalsyncError) -> JSONResponse:
        status = 404 if isinstance(exc, NotFoundError) else 400 if isinstance(
            exc, ConfigError) else 500
        if isinstance(exc, NotFoundError) and exc.args and isinstance(exc.args[0], Message):
            exc = NotFoundError(exc.args[0].in_(language(request)))
        return JSONResponse({"error": exc.__class__.__name__, "message": explain(exc)},
                            status_code=status)

    @app.exception_handler(SQLAlchemyError)
    async def _database_error(_request: Request, exc: SQLAlchemyError) -> JSONResponse:
        if isinstance(exc, DataError):  # the request's value, not an outage (a NUL byte)
            t = translator(language(_request), "calsync")
            return JSONResponse(
                {"error": "BadRequest", "message": t.gettext(
                    "a value in the request cannot be looked up ({problem}); remove control "
                    "characters such as NUL").format(problem=database_problem(exc))},
                status_code=400)
        log.error("database error: %s", database_problem(exc))
        # i18n: not text (for operators, as the log line above)
        error = StoreError(f"the database could not answer ({database_problem(exc)})")
        return JSONResponse({"error": "StoreError", "message": explain(error)},
                            status_code=503, headers={"Retry-After": RETRY_AFTER})

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error", exc_info=exc)
        return JSONResponse({"error": "InternalError", "message": explain(exc)},
                            status_code=500)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        message = shown_in(exc.detail, language(request))
        return JSONResponse(
            {"error": _REASONS.get(exc.status_code, "HTTPError"), "message": message,
             "detail": message if isinstance(exc.detail, Message) else exc.detail},
            status_code=exc.status_code, headers=dict(exc.headers or {}))

    @app.exception_handler(RequestValidationError)
    async def _bad_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        lang = language(request)
        problems = [_problem(err, lang) for err in exc.errors()]
        head = translator(lang, "calsync").gettext("invalid request: {problems}")
        return JSONResponse(
            {"error": "ValidationError",
             "message": head.format(problems="; ".join(problems)), "problems": problems},
            status_code=422)

    return app


def _problem(err: Any, language: Language) -> str:
    """One readable line per validation error: `query.level: unknown level 'x' (got 'x')`.
    calsync's own messages (a `Message`, also inside a validator's ValueError) in
    `language`; pydantic's own stay as pydantic words them."""
    loc = ".".join(str(part) for part in err.get("loc", ()))
    raw = err.get("msg", "invalid")
    cause = (err.get("ctx") or {}).get("error")
    if isinstance(cause, ValueError) and cause.args and isinstance(cause.args[0], Message):
        raw = cause.args[0]
    message = shown_in(raw, language).removeprefix("Value error, ")  # i18n: not text
    given = err.get("input")
    if given is not None and not isinstance(given, dict | list) and repr(given) not in message:
        got = translator(language, "calsync").gettext("(got {value})").format(value=repr(given))
        message = f"{message} {got}"
    return f"{loc}: {message}" if loc else message
