"""`POST /api/whatif`: the what-if of `calsync whatif` over HTTP, the same JSON answer.

Open like the other read endpoints: it writes nothing (and, without an alerts or admin
token, says nothing of events only private feeds select). A bad change is a 400 naming it,
an unknown UID a 404 (the app's NotFoundError handler). The reader's language (`?lang=`,
a wrong one a 422; then Accept-Language; then the config's `language:`) gives the
answer's summaries, fixes and ranges and the words of those errors.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request, Response
from pydantic import BaseModel, Field

from calsync.clock import local_today
from calsync.web.auth import trusted_reader
from calsync.web.deps import Conn, RuntimeDep
from calsync.web.filters import request_language
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
def whatif(body: WhatIfIn, request: Request, response: Response, runtime: RuntimeDep,
           conn: Conn) -> dict[str, Any]:
    """Per rule, the findings that would appear, disappear or change; for each moved
    event the dates that keep every rule satisfied. Texts are in `?lang=`, else
    Accept-Language, else the config's language."""
    response.headers["Vary"] = "Accept-Language"
    language = request_language(request.query_params.get("lang"),
                                request.headers.get("accept-language"), runtime.config.language)
    try:
        now = runtime.clock.now()
        today = local_today(now, runtime.config.timezone)
        changes = parse_changes(body.changes, today)
        given = parse_changes(body.given, today, "given", empty_ok=True)
        return run_whatif(conn, runtime.config, now, changes, given,
                          open_reader=not trusted_reader(request, runtime.config.api),
                          language=language)
    except WhatIfInputError as exc:
        raise HTTPException(status_code=400, detail=exc.message.in_(language)) from None
