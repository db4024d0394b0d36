"""iCal feed routes: `/feeds/all.ics` and one per feed named in config."""

from __future__ import annotations

from fastapi import APIRouter, Response

from calsync.errors import NotFoundError
from calsync.feeds.ics import CalendarMeta, render_calendar
from calsync.selectors import Selector
from calsync.store.events import iter_events
from calsync.web.deps import Conn, RuntimeDep

router = APIRouter(tags=["feeds"])

ICS_TYPE = "text/calendar; charset=utf-8"


@router.get("/feeds/{name}.ics", response_class=Response)
def feed(name: str, runtime: RuntimeDep, conn: Conn) -> Response:
    config = runtime.config
    if name == "all":
        meta = CalendarMeta(name="calsync: all levels",
                            description="Every cycle on the unified timeline.",
                            url=f"{config.server.base_url}/feeds/all.ics")
        selector = Selector()
    elif name in config.feeds:
        spec = config.feeds[name]
        meta = CalendarMeta(name=spec.title, description=spec.description,
                            url=f"{config.server.base_url}/feeds/{name}.ics")
        selector = spec.select
    else:
        raise NotFoundError(f"no feed named {name!r}")
    body = render_calendar(iter_events(conn, selector=selector), meta)
    return Response(body, media_type=ICS_TYPE)
