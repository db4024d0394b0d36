"""The web app's part of a config reload, and its two endpoints.

    GET  /api/config          which config this instance runs, the last reload attempt
                              (with its problems), and every instance's answer
    POST /api/config/reload   re-read and apply config.yaml here, then in every instance
                              (admin token)

`calsync.reload.Reloader` does the work; this module swaps what requests run on. Every
request takes `app.state.serving` (the runtime and the feed service that belongs to it,
one tuple) once, in `calsync.web.deps.get_runtime`; a reload replaces the tuple in one
assignment, so a request in flight finishes on the config it started with and the next
one runs on the new one. The feed service is new with each config: its remembered specs
and bodies were built from the old one.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from calsync.feeds.service import FeedService
from calsync.i18n.messages import Message
from calsync.reload import POLL, STALE, Outcome, Reloader
from calsync.runtime import Runtime
from calsync.store.reloads import instance_states, latest_generation
from calsync.web.auth import AdminUser
from calsync.web.deps import Conn, RuntimeDep
from calsync.web.filters import request_language

__all__ = ["WebApplier", "attach", "router", "serve"]

router = APIRouter(prefix="/api", tags=["config"])


def serve(app: FastAPI, runtime: Runtime, feeds: FeedService) -> None:
    """From now on, requests run on `runtime` with `feeds` (one swap)."""
    app.state.serving = (runtime, feeds)
    app.state.runtime, app.state.feeds = runtime, feeds  # for /metrics and tests


def attach(app: FastAPI, reloader: Reloader) -> None:
    """Let `POST /api/config/reload` and `GET /api/config` use `reloader`."""
    app.state.reloader = reloader


class WebApplier:
    """The HTTP API cannot run without its tokens' secrets; then it swaps."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app

    def check(self, runtime: Runtime) -> None:
        runtime.config.require_secrets("the HTTP API (`calsync serve`)")  # i18n: not text

    def apply(self, runtime: Runtime) -> None:
        old: FeedService | None = getattr(self.app.state, "feeds", None)
        feeds = FeedService()
        if old is not None:  # a counter for /metrics: it goes on counting
            feeds.generated = old.generated
        serve(self.app, runtime, feeds)


class ReloadOut(BaseModel):
    applied: bool = Field(description="False: the config was refused; the old one runs.")
    generation: int = Field(description="The config generation this instance is at.")
    sha256: str = Field(description="SHA-256 of the config file that was read.")
    by: str = Field(description="Who asked: `api:<token name>`, `SIGHUP`, `cli`; `..., via "
                                "the database` when another instance or the CLI did.")
    at: str
    problems: list[str] = Field(description="Why it was refused: file:line: path: message.")
    changes: dict[str, dict[str, list[str]]] = Field(
        description="Per section (connectors, feeds, rules, receivers, tokens): the names "
                    "added, removed and changed.")
    message: str | None = None


class InstanceOut(BaseModel):
    instance: str
    role: str = Field(description="serve or worker")
    generation: int
    sha256: str = Field(description="SHA-256 of the config file it runs on.")
    loaded_at: str
    attempted_at: str
    error: str | None = Field(description="Why its last reload was refused (None: applied).")
    seen_at: str


class ConfigStatus(BaseModel):
    instance: str = Field(description="This instance.")
    role: str
    file: str
    sha256: str
    generation: int
    loaded_at: str
    ok: bool = Field(description="False: the last reload was refused (see last_reload).")
    last_reload: ReloadOut | None
    newest_generation: int = Field(description="The newest generation asked for.")
    instances: list[InstanceOut] = Field(
        description="Every running instance that shares the database, and its answer.")


def _reloader(request: Request) -> Reloader | None:
    found: Reloader | None = getattr(request.app.state, "reloader", None)
    return found


def _language(request: Request, runtime: Runtime) -> Any:
    return request_language(request.query_params.get("lang"),
                            request.headers.get("accept-language"), runtime.config.language)


@router.get("/config", response_model=ConfigStatus)
def config_status_endpoint(request: Request, runtime: RuntimeDep, conn: Conn
                           ) -> dict[str, Any]:
    """Which config this instance runs (file, SHA-256, generation, since when), whether its
    last reload was refused and why, and each running instance's answer."""
    reloader = _reloader(request)
    if reloader is not None:
        own = reloader.status()
    else:  # an app without a reloader: what it was built with
        own = {"instance": "", "role": "serve", "file": runtime.config.source_file,
               "sha256": "", "generation": 0, "loaded_at": "", "ok": True,
               "last_reload": None}
    rows = instance_states(conn, seen_within=STALE)
    return {**own, "newest_generation": latest_generation(conn), "instances": [
        {**{k: getattr(r, k) for k in ("instance", "role", "generation", "sha256", "error")},
         **{k: getattr(r, k).isoformat() for k in ("loaded_at", "attempted_at", "seen_at")}}
        for r in rows]}


@router.post("/config/reload", response_model=ReloadOut, responses={
    400: {"description": "The config is invalid (`problems`: file:line each); the running "
                         "one stays."},
    409: {"description": "This server was not started from a config file."}})
def reload_endpoint(request: Request, runtime: RuntimeDep, user: AdminUser
                    ) -> JSONResponse:
    """Re-read config.yaml and apply it without a restart (connectors, feeds, rules,
    receivers, tokens); every instance sharing the database follows within seconds. An
    invalid config is refused and the running one stays."""
    language = _language(request, runtime)
    reloader = _reloader(request)
    if reloader is None:
        text = Message("this server was not started from a config file: nothing to reload")
        return JSONResponse({"error": "Conflict", "message": text.in_(language)},
                            status_code=409)
    outcome: Outcome = reloader.reload(f"api:{user}")
    body = outcome.as_json()
    if not outcome.applied:
        text = Message("the configuration was not reloaded; the running one stays: "
                       "{problems}", problems="; ".join(body["problems"]))
        return JSONResponse({"error": "ConfigError", "message": text.in_(language),
                             "problems": body["problems"]}, status_code=400)
    text = Message("the configuration was reloaded (generation {generation}); every "
                   "instance sharing the database follows within {seconds} seconds",
                   generation=outcome.generation, seconds=format(POLL, "g"))
    return JSONResponse({**body, "message": text.in_(language)})
