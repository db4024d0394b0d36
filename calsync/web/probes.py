"""Liveness and readiness.

- `/healthz`: the process answers and can run a query (for a restart policy).
- `/readyz`: worth sending traffic to — the database answers, its schema is the one this
  code needs, and no enabled source has gone without a successful sync for longer than
  `api.stale_after` (default one day). 503 with the failing checks otherwise.
"""

from __future__ import annotations

from typing import Any

from alembic.runtime.migration import MigrationContext
from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from calsync import __version__
from calsync.durations import format_duration
from calsync.health import source_statuses
from calsync.store.engine import head_revision
from calsync.web.deps import Conn, RuntimeDep

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz(conn: Conn) -> dict[str, Any]:
    """Liveness: the process answers and its database connection works."""
    conn.execute(text("SELECT 1"))
    return {"status": "ok", "version": __version__}


@router.get("/readyz", responses={503: {"description": "Not ready; `checks` says why."}})
def readyz(runtime: RuntimeDep) -> JSONResponse:
    """Readiness: database reachable and migrated, sources not stale."""
    checks: dict[str, dict[str, Any]] = {}
    try:
        with runtime.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            checks["database"] = {"ok": True}
            current = MigrationContext.configure(conn).get_current_revision()
            head = head_revision()
            checks["schema"] = {"ok": current == head, "revision": current, "needs": head}
            statuses = source_statuses(runtime, conn)
    except Exception as exc:
        checks["database"] = {"ok": False, "error": f"{exc.__class__.__name__}: {exc}"}
        return JSONResponse({"status": "unavailable", "checks": checks}, status_code=503)
    stale = [s.name for s in statuses if s.stale]
    checks["sources"] = {
        "ok": not stale, "stale": stale,
        "stale_after": format_duration(runtime.config.api.stale_after),
        "detail": {s.name: s.last_success_at for s in statuses if s.enabled}}
    ready = all(check["ok"] for check in checks.values())
    return JSONResponse({"status": "ready" if ready else "unavailable", "checks": checks},
                        status_code=200 if ready else 503)
