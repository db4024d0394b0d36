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
                                           '{"cancel": UID} or {"add": {"title", "start", ...}}; '
                                           'an add may carry "as": NAME, which a move or cancel '
                                           'in the same request names instead of a UID')
    given: list[Any] = Field(default_factory=list,
                             description="Changes assumed on both sides (the same shapes): "
                                         "the answer compares store + given with store + "
                                         "given + changes, so a move of a given added step "
                                         "shows the findings it resolves")


@router.post("/api/whatif")
def whatif(body: WhatIfIn, request: Request, runtime: RuntimeDep, conn: Conn
           ) -> dict[str, Any]:
    """Per rule, the findings that would appear, disappear or change; for each moved
    event the dates that keep every rule satisfied."""
    try:
        now = runtime.clock.now()
        today = local_today(now, runtime.config.timezone)
        changes = parse_changes(body.changes, today)
        given = parse_changes(body.given, today, "given", empty_ok=True)
        return run_whatif(conn, runtime.config, now, changes, given,
                          open_reader=not trusted_reader(request, runtime.config.api))
    except WhatIfInputError as exc:
        raise HTTPException(status_code=400, detail=str(exc)) from None
