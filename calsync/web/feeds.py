"""iCal feed routes: `/feeds/all.ics`, one per feed named in config, private feeds.

    GET /feeds/{name}.ics                 a public feed
    GET /feeds/{name}/{token}.ics         a private feed (token from `calsync feeds`)
    GET /feeds/                           an HTML page of subscribe links (webcal://)

Query parameters narrow any feed ad hoc: `?level=regional,municipal&actor=*kommun
&kind=deadline&tag=erdf&status=confirmed` (lists are "any of"; actor takes globs).
Unknown parameters are ignored, because users add cache-busters to coax Google into a
refresh. A wrong or missing token answers exactly like an unknown feed (404), so the
URL gives nothing away.

HTTP: `text/calendar; charset=utf-8`, a strong ETag (a hash of the feed's settings and
its data fingerprint, see `calsync.feeds.publish`), Last-Modified, 304 for a matching
If-None-Match (or, without one, If-Modified-Since), gzip when the client accepts it.
"""

from __future__ import annotations

import gzip
import hashlib
import zlib
from collections.abc import Generator
from dataclasses import replace
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from html import escape
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, StreamingResponse
from sqlalchemy import Connection
from starlette.background import BackgroundTask

from calsync.clock import local_today
from calsync.config.schema import FeedConfig
from calsync.errors import NotFoundError
from calsync.feeds.publish import FeedSpec, Fingerprint, iter_feed
from calsync.feeds.service import (
    Body,
    FeedService,
    feed_config,
    feed_names,
    feed_spec,
    feed_texts,
    feed_urls,
)
from calsync.feeds.spans import SpanMode
from calsync.feeds.tokens import check_token
from calsync.feeds.window import EPOCH, Window
from calsync.i18n.catalogs import translator
from calsync.i18n.messages import Message
from calsync.runtime import Runtime
from calsync.store.feedrows import store_version
from calsync.web.deps import RuntimeDep, in_thread
from calsync.web.filters import adhoc_selector, parse_when, query_language, request_language

__all__ = ["accepts_gzip", "cached_response", "gzip_accepted", "not_modified", "router",
           "serve_body", "serve_feed", "validators_match"]

router = APIRouter(tags=["feeds"])

ICS_TYPE = "text/calendar; charset=utf-8"  # i18n: not text
# Feeds up to this many events are rendered whole and kept for repeated requests; larger
# ones stream from the per-event cache on every request.
WHOLE_BODY_EVENTS = 25_000


def get_service(request: Request) -> FeedService:
    # The request's own (calsync.web.deps.get_runtime: it belongs to the request's runtime)
    service = getattr(request.state, "feeds", None) or getattr(request.app.state, "feeds", None)
    if service is None:
        service = request.app.state.feeds = FeedService()
    assert isinstance(service, FeedService)
    return service


def _http_date(value: datetime) -> str:
    return format_datetime(value.astimezone(UTC).replace(microsecond=0), usegmt=True)


def not_modified(request: Request, etag: str, last_modified: datetime | None) -> bool:
    return validators_match(request.headers.get("if-none-match"),
                            request.headers.get("if-modified-since"), etag, last_modified)


def validators_match(inm: str | None, ims: str | None, etag: str,
                     last_modified: datetime | None) -> bool:
    """`not_modified` from the header values (If-None-Match wins over If-Modified-Since),
    for `calsync.web.fastfeeds`, which reads them without building a Request."""
    if inm is not None:
        tags = {t.strip().removeprefix("W/").strip('"').removesuffix(".gz")
                for t in inm.split(",")}
        return etag in tags or "*" in tags
    if ims and last_modified is not None:
        try:
            since = parsedate_to_datetime(ims)
        except (TypeError, ValueError):
            return False
        if since.tzinfo is None:
            since = since.replace(tzinfo=UTC)
        return last_modified.replace(microsecond=0) <= since
    return False


def accepts_gzip(request: Request) -> bool:
    return gzip_accepted(request.headers.get("accept-encoding", ""))


def gzip_accepted(accept: str) -> bool:
    """`accepts_gzip` from the Accept-Encoding value ("" when there is none)."""
    for part in accept.split(","):
        token, _, params = part.strip().partition(";")
        if token.strip().lower() in ("gzip", "*"):
            return params.replace(" ", "") not in ("q=0", "q=0.0", "q=0.00", "q=0.000")
    return False


def _headers(request: Request, spec: FeedSpec, fp: Fingerprint) -> tuple[str, dict[str, str]]:
    etag = fp.etag(spec)
    headers = {
        "Cache-Control": ("private" if spec.private else "public") + ", no-cache",
        "Vary": "Accept-Encoding",
        "ETag": f'"{etag}.gz"' if accepts_gzip(request) else f'"{etag}"',
    }
    headers["Last-Modified"] = _http_date(fp.modified)
    return etag, headers


def serve_body(request: Request, data: bytes, last_modified: datetime | None) -> Response:
    """A small feed rendered whole (the alerts): its ETag is the body's hash, so it has
    the same validators, 304s and gzip as the event feeds."""
    etag = hashlib.blake2b(data, digest_size=16).hexdigest()
    modified = last_modified or EPOCH
    # i18n: not text (HTTP header values)
    headers = {"Cache-Control": "public, no-cache", "Vary": "Accept-Encoding",
               "Last-Modified": _http_date(modified)}
    use_gzip = accepts_gzip(request)
    headers["ETag"] = f'"{etag}.gz"' if use_gzip else f'"{etag}"'
    if not_modified(request, etag, modified):
        return Response(status_code=304, headers=headers)
    if use_gzip:
        headers["Content-Encoding"] = "gzip"
        data = gzip.compress(data, compresslevel=6, mtime=0)
    return Response(data, media_type=ICS_TYPE, headers=headers)


def cached_response(request: Request, service: FeedService, spec: FeedSpec, fp: Fingerprint
            ) -> Response | None:
    """A 304, or the kept body, when no rendering is needed."""
    etag, headers = _headers(request, spec, fp)
    if not_modified(request, etag, fp.modified):
        return Response(status_code=304, headers=headers)
    body = service.body(etag)
    if body is None:
        return None
    if accepts_gzip(request):
        if body.gzipped is None:
            return None  # compressing takes a while: not on the event loop
        headers["Content-Encoding"] = "gzip"
        return Response(body.gzipped, media_type=ICS_TYPE, headers=headers)
    return Response(body.data, media_type=ICS_TYPE, headers=headers)


async def serve_feed(request: Request, runtime: Runtime, spec: FeedSpec) -> Response:
    """Answer a feed request. The common cases (304, an unchanged feed) cost memory
    lookups only (no query while the store's watch reports no change), done right on the
    event loop; anything that scans or renders runs in the thread pool."""
    service = get_service(request)
    now = runtime.clock.now()
    version = service.known_store_version(runtime.engine)
    if version is None:
        # In a worker thread: waiting for a pooled connection on the event loop wedged
        # the server under load (issue 17), see calsync.web.deps.
        version = await in_thread(request, service.store_version, runtime.engine)
    fp = service.known_fingerprint(spec, version, now)
    if fp is not None:
        fast = cached_response(request, service, spec, fp)
        if fast is not None:
            return fast
    return await in_thread(request, _serve, request, runtime, service, spec)


def _serve(request: Request, runtime: Runtime, service: FeedService, spec: FeedSpec
           ) -> Response:
    conn = runtime.engine.connect()
    try:
        fp, version = service.fingerprint(conn, spec, runtime.clock.now())
        etag, headers = _headers(request, spec, fp)
        use_gzip = accepts_gzip(request)
        if not_modified(request, etag, fp.modified):
            return Response(status_code=304, headers=headers)
        body = service.body(etag)
        if body is None and fp.count <= WHOLE_BODY_EVENTS:
            data = service.render(conn, spec, fp)
            # Keep it only if nothing changed while rendering (a sync committing mid-way).
            if store_version(conn) == version:
                body = Body(etag, data)
                service.keep(body)
            else:
                body = Body(etag, data)
        if body is not None:
            if use_gzip:
                headers["Content-Encoding"] = "gzip"
                return Response(service.gzipped(body), media_type=ICS_TYPE, headers=headers)
            return Response(body.data, media_type=ICS_TYPE, headers=headers)
        stream = _stream(service, conn, spec, fp, use_gzip)
        conn = None  # type: ignore[assignment]  # the stream owns it now
        if use_gzip:
            headers["Content-Encoding"] = "gzip"
        return StreamingResponse(stream, media_type=ICS_TYPE, headers=headers,
                                 background=BackgroundTask(stream.close))
    finally:
        if conn is not None:
            conn.close()


def _stream(service: FeedService, conn: Connection, spec: FeedSpec, fp: Fingerprint,
            use_gzip: bool) -> Generator[bytes, None, None]:
    service.generated += 1
    packer = zlib.compressobj(6, zlib.DEFLATED, 31) if use_gzip else None
    try:
        for chunk in iter_feed(conn, spec, fp, service.cache):
            if packer is None:
                yield chunk
            else:
                packed = packer.compress(chunk)
                if packed:
                    yield packed
        if packer is not None:
            yield packer.flush()
    finally:
        conn.close()


def _resolve(runtime: Runtime, name: str, token: str | None) -> FeedConfig:
    """The feed's config if `name` (with `token` for a private feed) may be served.
    Checking a token reads the database: call it in a worker thread (`in_thread`)."""
    found = feed_config(runtime.config, name)
    missing = NotFoundError(Message("no feed named {name!r}", name=name))
    if found is None:
        raise missing
    if found.private:
        if token is None:
            raise missing
        with runtime.engine.connect() as conn:
            if not check_token(conn, name, token):
                raise missing
    elif token is not None:
        raise missing
    return found


FILTERS = ("level", "actor", "kind", "tag", "status", "source")
_FILTER_DOCS: dict[str, Any] = {"parameters": [
    {"name": name, "in": "query", "required": False, "style": "form", "explode": True,
     "schema": {"type": "array", "items": {"type": "string"}},
     "description": f"Only events with any of these {name} values (repeat the parameter or "
                    "give a comma list)" + ("; globs such as '* kommun'" if name == "actor"
                                            else "")}
    for name in FILTERS] + [
    {"name": "from", "in": "query", "required": False, "schema": {"type": "string"},
     "description": "Events from this date (2026-01-01, today, +P30D, -P1Y) instead of "
                    "the feed's window"},
    {"name": "to", "in": "query", "required": False, "schema": {"type": "string"},
     "description": "Events up to this date (inclusive) instead of the feed's window"},
    {"name": "spans", "in": "query", "required": False,
     "schema": {"type": "string", "enum": list(SpanMode)},
     "description": "Long spans as milestones and deadline days, or in full"},
    {"name": "lang", "in": "query", "required": False,
     "schema": {"type": "string", "enum": ["sv", "en"]},
     "description": "The language of the feed's texts instead of the feed's own"}]}


def _spec(request: Request, runtime: Runtime, name: str, config: FeedConfig) -> FeedSpec:
    """The feed's settings with the query's filters; remembered per (feed, query string),
    so a repeated request skips validation and building. Only valid queries are kept."""
    service = get_service(request)
    params = request.query_params
    tz = runtime.config.timezone
    now = runtime.clock.now() if "from" in params or "to" in params else None
    # `from=today` means another instant tomorrow: a dated query is remembered per day
    key = (name, request.url.query, local_today(now, tz) if now is not None else None)
    found = service.specs.get(key)
    if found is not None:
        return found
    extra = adhoc_selector(runtime.config, **{f: params.getlist(f) or None for f in FILTERS})
    spec = feed_spec(runtime.config, name, config, extra, _spans(params.get("spans")),
                     query_language(params.get("lang")))
    start = parse_when("from", params.get("from"), tz, now=now)
    end = parse_when("to", params.get("to"), tz, now=now, end_of_day=True)
    if start is not None or end is not None:
        window = spec.window
        spec = replace(spec, window=Window(None if start else window.past,
                                           None if end else window.future, start, end))
    if len(service.specs) >= 1000:
        service.specs.clear()
    service.specs[key] = spec
    return spec


def _spans(value: str | None) -> str | None:
    if value is None or value in tuple(SpanMode):
        return value
    raise RequestValidationError([{
        "loc": ("query", "spans"), "input": value, "type": "value_error",
        "msg": Message("expected one of {known}", known=", ".join(SpanMode))}])


@router.head("/feeds/{name}.ics", include_in_schema=False)
@router.get("/feeds/{name}.ics", response_class=Response, openapi_extra=_FILTER_DOCS,
            responses={
    200: {"content": {"text/calendar": {}}, "description": "The feed (RFC 5545)."},
    304: {"description": "Not modified (If-None-Match / If-Modified-Since)."},
    404: {"description": "No such feed (or it is private)."},
    422: {"description": "A filter value that is not known (the message lists the known)."}})
async def feed(name: str, request: Request, runtime: RuntimeDep) -> Response:
    """A public feed as iCalendar. Query parameters narrow it ad hoc (comma lists);
    unknown parameters are ignored."""
    config = _resolve(runtime, name, None)
    return await serve_feed(request, runtime, _spec(request, runtime, name, config))


@router.head("/feeds/{name}/{token}.ics", include_in_schema=False)
@router.get("/feeds/{name}/{token}.ics", response_class=Response, openapi_extra=_FILTER_DOCS,
            responses={
    200: {"content": {"text/calendar": {}}, "description": "The private feed."},
    404: {"description": "No such feed, or a wrong token."}})
async def private_feed(name: str, token: str, request: Request, runtime: RuntimeDep
                       ) -> Response:
    """A private feed: the token in the URL is the key (rotate it with
    `calsync feeds rotate-token NAME`)."""
    config = await in_thread(request, _resolve, runtime, name, token)
    return await serve_feed(request, runtime, _spec(request, runtime, name, config))


@router.get("/feeds", response_class=HTMLResponse, include_in_schema=False)
@router.get("/feeds/", response_class=HTMLResponse)
def feed_index(request: Request, runtime: RuntimeDep) -> HTMLResponse:
    """Subscribe links for every public feed (webcal:// opens the calendar app), in the
    language of `?lang=`, else Accept-Language, else the install's; the subscribe links
    carry `?lang=` where that differs from the feed's own."""
    config = runtime.config
    language = request_language(request.query_params.get("lang"),
                                request.headers.get("accept-language"), config.language)
    t = translator(language, "calsync")
    subscribe = escape(t.gettext("subscribe"))
    rows = []
    for name in feed_names(config):
        spec = feed_config(config, name)
        if spec is None or spec.private:
            continue
        urls = feed_urls(config, name, language=language)
        title, description = feed_texts(spec, language)
        rows.append(f"<li><strong>{escape(title)}</strong> — "
                    f"<a href=\"{escape(urls['webcal'])}\">{subscribe}</a> "
                    f"(<code>{escape(urls['url'])}</code>)"
                    f"{'<br>' + escape(description) if description else ''}</li>")
    other = "en" if language == "sv" else "sv"
    switch = t.gettext("In English") if other == "en" else t.gettext("På svenska")
    heading = escape(t.gettext("calsync feeds"))
    help_text = escape(t.gettext(
        "Click subscribe, or paste the address into your calendar app (Outlook: Add "
        "calendar → From internet; Google: Other calendars → From URL)."))
    page = (f"<!doctype html><html lang={language}><meta charset=utf-8>"  # i18n: not text
            f"<title>{heading}</title><h1>{heading}</h1>"
            f"<p><a href=\"?lang={other}\" hreflang={other} lang={other}>{escape(switch)}</a></p>"
            f"<p>{help_text}</p><ul>" + "".join(rows) + "</ul></html>")
    return HTMLResponse(page, headers={"Vary": "Accept-Language",
                                       "Content-Language": language})
