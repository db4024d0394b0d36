"""Liveness and readiness: what a restart policy and a load balancer ask.

- `/readyz`: this instance can serve — its database answers and its schema is the one
  this code needs. 503 with the failing check otherwise. Upstreams are deliberately not
  part of it: feeds and the API serve the last good data while a municipality's site is
  down, and a load balancer that took every instance out for that would turn one failed
  upstream into a full outage.
- `/healthz`: the process answers and can run a query (200), with the upstreams' state as
  detail (`upstreams`: failing, stale, held back or abandoned sources, the same list as
  `calsync sources --fail-on-error` and the `calsync_source_*` metrics) for monitoring.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy import Connection, text

from calsync import __version__
from calsync.durations import format_duration
from calsync.health import SourceStatus, source_statuses
from calsync.store.engine import head_revision, revision_of
from calsync.web.answers import computed_json
from calsync.web.deps import RuntimeDep

router = APIRouter(tags=["health"])


def _problem(s: SourceStatus) -> str:
    if s.alert:
        return f"scheduled run abandoned: {s.alert}"
    if s.held:
        return "held back: a sync would cancel many upcoming events"
    if s.failing:
        return f"failing: {s.last_error}"
    return "stale: no successful sync in time"


@router.get("/healthz", response_model=dict[str, Any])
async def healthz(request: Request, runtime: RuntimeDep) -> Response:
    """Liveness: the process answers and its database connection works; `upstreams` says
    which sources need attention (detail for monitoring, never a reason to restart);
    `config`, whether the last config reload was refused (`GET /api/config` says more).
    The query runs among the API's workers (`calsync.web.answers`), so a burst of probes
    and API clients queues instead of holding every pooled connection at once."""
    config = _config(request)

    def answer(conn: Connection) -> bytes:
        conn.execute(text("SELECT 1"))
        statuses = source_statuses(runtime, conn)
        attention = {s.name: _problem(s) for s in statuses if s.needs_attention()}
        return json.dumps({
            "status": "ok", "version": __version__,
            "upstreams": {"ok": not attention, "enabled": sum(s.enabled for s in statuses),
                          "failing": sorted(n for n in attention
                                            if not attention[n].startswith("stale")),
                          "stale": sorted(s.name for s in statuses if s.enabled and s.stale),
                          "stale_after": format_duration(runtime.config.api.stale_after),
                          "detail": attention},
            **config}, ensure_ascii=False).encode()

    return await computed_json(request, runtime, answer)


def _config(request: Request) -> dict[str, Any]:
    reloader = getattr(request.app.state, "reloader", None)
    if reloader is None:
        return {}
    status = reloader.status()
    last = status["last_reload"]
    return {"config": {"ok": status["ok"], "generation": status["generation"],
                       "sha256": status["sha256"], "loaded_at": status["loaded_at"],
                       "problems": [] if last is None or last["applied"] else last["problems"]}}


@router.get("/readyz", responses={503: {"description": "Not ready; `checks` says why."}})
def readyz(runtime: RuntimeDep) -> JSONResponse:
    """Readiness: this instance can serve — database reachable, schema at the code's
    revision. Failing upstreams do not make it unready (see /healthz)."""
    checks: dict[str, dict[str, Any]] = {}
    try:
        with runtime.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            checks["database"] = {"ok": True}
            current = revision_of(conn)
            head = head_revision()
            checks["schema"] = {"ok": current == head, "revision": current, "needs": head}
    except Exception as exc:
        checks["database"] = {"ok": False, "error": f"{exc.__class__.__name__}: {exc}"}
        return JSONResponse({"status": "unavailable", "checks": checks}, status_code=503)
    ready = all(check["ok"] for check in checks.values())
    return JSONResponse({"status": "ready" if ready else "unavailable", "checks": checks},
                        status_code=200 if ready else 503)
