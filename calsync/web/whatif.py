"""`POST /api/whatif`: the what-if of `calsync whatif` over HTTP, the same JSON answer.

Open like the other read endpoints: it writes nothing (and, without an alerts or admin
token, says nothing of events only private feeds select). A bad change is a 400 naming it,
an unknown UID a 404 (the app's NotFoundError handler).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel, Field

from calsync.clock import local_today
from calsync.web.auth import trusted_reader
from calsync.web.deps import Conn, RuntimeDep
from calsync.whatif import WhatIfInputError, parse_changes, run_whatif

__all__ = ["router"]

router = APIRouter(tags=["whatif"])


class WhatIfIn(BaseModel):
    changes: list[Any] = Field(description='{"move": UID, "to": "YYYY-MM-DD"}, '
                                           '{"cancel": UID} or {"add": {"title", "start", ...}}')


@router.post("/api/whatif")
def whatif(body: WhatIfIn, request: Request, runtime: RuntimeDep, conn: Conn
           ) -> dict[str, Any]:
    """Per rule, the findings that would appear, disappear or change; for each moved
    event the dates that keep every rule satisfied."""
    try:
        now = runtime.clock.now()
        changes = parse_changes(body.changes, local_today(now, runtime.config.timezone))
    except WhatIfInputError as exc:
        raise HTTPException(status_code=400, detail=str(exc)) from None
    return run_whatif(conn, runtime.config, now, changes,
                      open_reader=not trusted_reader(request, runtime.config.api))
