"""The JSON API: the timeline, its history, the sources' health, and admin actions.

Read endpoints are open (the same data the public feeds carry). Admin endpoints need a
named bearer token (`calsync.web.auth`); the token's name is recorded with the action.
The private feeds' addresses have their own router (`calsync.web.tokens`).
Filters are the feeds' filters (`calsync.web.filters`): comma lists mean "any of", and a
bad value is a 422 that says which parameter was wrong and what is accepted.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field, TypeAdapter
from sqlalchemy import Connection

from calsync.errors import NotFoundError
from calsync.feeds.publish import python_only
from calsync.feeds.service import feed_config, feed_names, feed_texts, feed_urls
from calsync.health import SourceStatus, source_statuses
from calsync.i18n.formats import format_month
from calsync.i18n.messages import Message
from calsync.model import Event
from calsync.privacy import PrivateEvents
from calsync.runtime import Runtime
from calsync.scheduler.jobs import request_sync
from calsync.selectors import Selector
from calsync.store.events import (
    Revision,
    changes_since,
    events_page,
    get_event,
    iter_events,
    revisions_of,
)
from calsync.web.answers import computed_json, kept_json
from calsync.web.auth import SyncUser
from calsync.web.deps import RuntimeDep
from calsync.web.filters import Multi, adhoc_selector, parse_when, request_language

__all__ = ["router"]

log = logging.getLogger("calsync.web.api")
router = APIRouter(prefix="/api")


# -- response models (they are the OpenAPI schema at /docs) -----------------------------


class EventOut(BaseModel):
    uid: str = Field(description="Stable public UID (the iCal UID).")
    source: str
    external_uid: str
    title: str
    start: str = Field(description="ISO date (all-day) or date-time with the source's offset.")
    end: str | None = Field(description="Exclusive end: a date for all-day events.")
    all_day: bool
    timezone: str
    level: str | None
    actor: str | None
    kind: str | None
    description: str
    url: str | None
    location: str | None
    tags: list[str]
    status: str
    attrs: dict[str, Any]
    sequence: int = Field(description="Increases on every material change.")
    first_seen: str
    last_seen: str
    updated_at: str


class RevisionOut(BaseModel):
    event_uid: str
    title: str | None = None
    at: str
    change: str = Field(description="changed | cancelled | restored")
    sequence: int
    changes: dict[str, list[Any]] = Field(description="field -> [old, new]")
    reason: str | None
    sync_id: int | None


class EventDetail(EventOut):
    revisions: list[RevisionOut]


class EventPage(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[EventOut]


class MonthGroup(BaseModel):
    month: str = Field(description="YYYY-MM")
    title: str = Field(description="e.g. 'December 2026'")
    events: list[EventOut]


class LevelOut(BaseModel):
    title: str
    color: str


class Timeline(BaseModel):
    start: str | None
    end: str | None
    timezone: str
    levels: dict[str, LevelOut]
    total: int
    months: list[MonthGroup]


class Changes(BaseModel):
    since: str
    added: list[EventOut]
    revisions: list[RevisionOut]


class SyncRequested(BaseModel):
    source: str
    request_id: int = Field(description="The scheduler ledger row of this request.")
    accept_removals: bool
    by: str = Field(description="The admin token that asked for the sync.")
    status_url: str = Field(description="Where the outcome shows (`last_run`).")


class FeedOut(BaseModel):
    name: str
    title: str
    description: str
    private: bool
    url: str | None = Field(description="https address; private feeds: see the admin call.")
    webcal: str | None


# -- helpers ------------------------------------------------------------------------------


def _event(event: Event) -> EventOut:
    return EventOut.model_validate(event.as_dict())


def _revision(revision: Revision, titles: dict[str, str] | None = None) -> RevisionOut:
    out = RevisionOut.model_validate(revision.as_dict())
    if titles is not None:
        out.title = titles.get(revision.event_uid)
    return out


def _selector(runtime: Runtime, level: list[str] | None, actor: list[str] | None,
              kind: list[str] | None, tag: list[str] | None, status: list[str] | None,
              source: list[str] | None) -> Selector | None:
    return adhoc_selector(runtime.config, level=level, actor=actor, kind=kind, tag=tag,
                          status=status, source=source)


def _range(runtime: Runtime, from_: str | None, to: str | None
           ) -> tuple[datetime | None, datetime | None]:
    tz, now = runtime.config.timezone, runtime.clock.now()
    start = parse_when("from", from_, tz, now=now)
    end = parse_when("to", to, tz, now=now, end_of_day=True)
    if start is not None and end is not None and end < start:
        raise RequestValidationError([{"loc": ("query", "to"), "input": to, "type": "value_error",
                                       "msg": Message("'to' is before 'from' ({start})",
                                                      start=from_)}])
    return start, end


def _open(runtime: Runtime, found: Iterable[Event]) -> Iterator[Event]:
    """The events the open API may show: not those only private feeds select."""
    hide = PrivateEvents.of(runtime.config)
    for event in found:
        if hide is None or not hide.hides(event.data, event.source):
            yield event


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


# -- read endpoints -----------------------------------------------------------------------
# async, each with one worker thread for its query and its JSON (calsync.web.answers):
# the connection dependency cost three thread hops a request, and 64 clients at once
# used to time out on /api/events (issue 17)

_STATUSES: TypeAdapter[list[SourceStatus]] = TypeAdapter(list[SourceStatus])

From = Annotated[str | None, Query(alias="from", description="A date (2026-12-01), today, a "
                                   "duration from today (+P90D, -P1Y) or an ISO date-time; "
                                   "naive values are in the config's zone.")]
To = Annotated[str | None, Query(description="Inclusive last day (the same forms), or an ISO "
                                             "date-time.")]
Q = Annotated[str | None, Query(description="Words, all of them in any order and case, of "
                                            "the title or description in any language, "
                                            "the actor or the deciding body.",
                                max_length=200)]


@router.get("/events", response_model=EventPage, tags=["timeline"])
async def list_events_endpoint(
        request: Request, runtime: RuntimeDep, from_: From = None, to: To = None,
        level: Multi = None, actor: Multi = None, kind: Multi = None, tag: Multi = None,
        status: Multi = None, source: Multi = None, q: Q = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        offset: Annotated[int, Query(ge=0)] = 0) -> Response:
    """Events in time order, filtered and paged (`total` counts every match)."""
    # the answer is kept while the store stands (calsync.web.answers)
    start, end = _range(runtime, from_, to)
    selector = _selector(runtime, level, actor, kind, tag, status, source)

    def page(conn: Connection) -> bytes:
        return _events_page(conn, runtime, start, end, selector, q, limit, offset)

    return await kept_json(request, runtime, page)


def _events_page(conn: Connection, runtime: Runtime, start: datetime | None,
                 end: datetime | None, selector: Selector | None, q: str | None,
                 limit: int, offset: int) -> bytes:
    """The page as JSON. Counted and paged by the database when the filter is wholly
    SQL and no private feed hides events; otherwise every match is read and checked."""
    if PrivateEvents.of(runtime.config) is None and (
            selector is None or not python_only(selector)):
        found, total = events_page(conn, start=start, end=end, selector=selector, q=q,
                                   limit=limit, offset=offset)
        items = [_event(event) for event in found]
    else:
        items, total = [], 0
        for event in _open(runtime, iter_events(conn, start=start, end=end,
                                                selector=selector, q=q)):
            if offset <= total < offset + limit:
                items.append(_event(event))
            total += 1
    return EventPage(total=total, limit=limit, offset=offset, items=items
                     ).model_dump_json().encode()


@router.get("/events/{uid}", response_model=EventDetail, tags=["timeline"],
            responses={404: {"description": "No event with this UID."}})
async def get_event_endpoint(uid: str, request: Request, runtime: RuntimeDep) -> Response:
    """One event with every revision (what changed, when, from which sync)."""

    def answer(conn: Connection) -> bytes:
        event = get_event(conn, uid)
        if event is None or not list(_open(runtime, [event])):
            raise NotFoundError(Message("no event with uid {uid!r}", uid=uid))
        revisions = [_revision(r) for r in revisions_of(conn, event.id)]
        return EventDetail(**_event(event).model_dump(), revisions=revisions
                           ).model_dump_json().encode()

    return await computed_json(request, runtime, answer)


@router.get("/timeline", response_model=Timeline, tags=["timeline"])
async def timeline_endpoint(
        runtime: RuntimeDep, request: Request, from_: From = None, to: To = None,
        level: Multi = None, actor: Multi = None, kind: Multi = None, tag: Multi = None,
        status: Multi = None, source: Multi = None, q: Q = None) -> Response:
    """Events grouped by month (in the config's zone), with level titles and colours; the
    months' titles and the levels' names in the language of `?lang=`, else Accept-Language,
    else the install's.
    Without `from`/`to`: from a month ago to a year ahead."""
    config = runtime.config
    language = request_language(request.query_params.get("lang"),
                                request.headers.get("accept-language"), config.language)
    zone = ZoneInfo(config.timezone)
    now = runtime.clock.now()
    start, end = _range(runtime, from_, to)
    if from_ is None and to is None:
        start, end = now - timedelta(days=31), now + timedelta(days=366)
    selector = _selector(runtime, level, actor, kind, tag, status, source)

    def answer(conn: Connection) -> bytes:
        months: dict[str, list[EventOut]] = defaultdict(list)
        titles: dict[str, str] = {}
        total = 0
        for event in _open(runtime, iter_events(conn, start=start, end=end,
                                                selector=selector, q=q)):
            first = event.start
            day: date = first.astimezone(zone).date() if isinstance(first, datetime) \
                else first
            key = day.strftime("%Y-%m")
            titles[key] = format_month(day, language)
            months[key].append(_event(event))
            total += 1
        return Timeline(
            start=_iso(start), end=_iso(end), timezone=config.timezone,
            levels={name: LevelOut(title=config.level_title(name, language), color=lv.color)
                    for name, lv in config.levels.items()},
            total=total,
            months=[MonthGroup(month=k, title=titles[k], events=v)
                    for k, v in months.items()]).model_dump_json().encode()

    return await computed_json(request, runtime, answer)


@router.get("/changes", response_model=Changes, tags=["timeline"])
async def changes_endpoint(
        runtime: RuntimeDep, request: Request,
        since: Annotated[str, Query(description="A date, a date-time, or a duration back "
                                                "from now: P7D is 'since last week'.")],
        level: Multi = None, actor: Multi = None, kind: Multi = None, tag: Multi = None,
        status: Multi = None, source: Multi = None) -> Response:
    """What moved since a moment: new events and every revision after it."""
    moment = parse_when("since", since, runtime.config.timezone, now=runtime.clock.now(),
                        since=True)
    if moment is None:
        raise RequestValidationError([{"loc": ("query", "since"), "input": since,
                                       "type": "value_error", "msg": Message(
                                           "'since' is empty; give a date, a date-time or a "
                                           "duration such as P7D")}])
    selector = _selector(runtime, level, actor, kind, tag, status, source)

    def answer(conn: Connection) -> bytes:
        added, revisions = changes_since(conn, moment, selector=selector)
        added = list(_open(runtime, added))
        titles: dict[str, str] = {}
        hidden: set[str] = set()
        for revision in revisions:
            if revision.event_uid not in titles:
                found = get_event(conn, revision.event_uid)
                titles[revision.event_uid] = found.title if found else ""
                if found is not None and not list(_open(runtime, [found])):
                    hidden.add(revision.event_uid)
        revisions = [r for r in revisions if r.event_uid not in hidden]
        return Changes(since=moment.isoformat(), added=[_event(e) for e in added],
                       revisions=[_revision(r, titles) for r in revisions]
                       ).model_dump_json().encode()

    return await computed_json(request, runtime, answer)


@router.get("/sources", response_model=list[SourceStatus], tags=["sources"])
async def sources_endpoint(request: Request, runtime: RuntimeDep) -> Response:
    """Each connector: last sync and its counts, events, stale, failing, held removals;
    its title in the language of `?lang=`, else Accept-Language, else the install's."""
    language = request_language(request.query_params.get("lang"),
                                request.headers.get("accept-language"), runtime.config.language)

    def answer(conn: Connection) -> bytes:
        return _STATUSES.dump_json(source_statuses(runtime, conn, language))

    return await computed_json(request, runtime, answer)


@router.get("/feeds", response_model=list[FeedOut], tags=["feeds"])
def feeds_endpoint(runtime: RuntimeDep, request: Request) -> list[FeedOut]:
    """The public feeds with their subscribe addresses, titles in the language of
    `?lang=`, else Accept-Language, else the install's. Private feeds are not listed (not
    even by name): admins see them at /api/feeds/private."""
    config = runtime.config
    language = request_language(request.query_params.get("lang"),
                                request.headers.get("accept-language"), config.language)
    out = []
    for name in feed_names(config):
        spec = feed_config(config, name)
        assert spec is not None
        if spec.private:
            continue
        urls = feed_urls(config, name, language=language)
        title, description = feed_texts(spec, language)
        out.append(FeedOut(name=name, title=title, description=description,
                           private=spec.private, url=urls.get("url"),
                           webcal=urls.get("webcal")))
    return out


# -- admin endpoints ----------------------------------------------------------------------

@router.post("/sources/{name}/sync", response_model=SyncRequested, status_code=202,
             tags=["admin"],
             responses={401: {"description": "No or invalid token."},
                        403: {"description": "The token lacks the sync scope."},
                        404: {"description": "No such connector."}})
def sync_endpoint(name: str, runtime: RuntimeDep, user: SyncUser,
                  accept_removals: bool = False) -> SyncRequested:
    """Ask for a sync of one connector now (even a disabled one); 202 Accepted.

    The request goes into the scheduler's ledger, so a sync never runs twice at once
    across instances: a scheduler instance (`calsync serve` or `calsync worker`) runs it
    within its dispatch interval, after any sync of the connector already running.
    `GET /api/sources` shows the outcome. `accept_removals=true` lets a held-back mass
    removal through. Needs a token with the `sync` or `admin` scope."""
    runtime.select_connectors([name])  # 404 for an unknown name
    request_id = request_sync(runtime.engine, name, accept_removals=accept_removals, by=user)
    log.info("sync of %s requested by %s (accept_removals=%s): ledger row %d", name, user,
             accept_removals, request_id)
    return SyncRequested(source=name, request_id=request_id, accept_removals=accept_removals,
                         by=user, status_url=f"{runtime.config.server.base_url}/api/sources")
