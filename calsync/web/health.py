"""Liveness: the process answers and can reach its database."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from sqlalchemy import text

from calsync import __version__
from calsync.web.deps import Conn

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz(conn: Conn) -> dict[str, Any]:
    conn.execute(text("SELECT 1"))
    return {"status": "ok", "version": __version__}
