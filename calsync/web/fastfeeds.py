"""Known public feeds, and kept API answers, answered ahead of FastAPI's router (issue 18).

A subscriber's poll is nearly always a repeat: the same feed, the same query, a store
that has not changed. `calsync.web.feeds` already answers those from memory (the
remembered settings, the store watch's token, the fingerprint per store version, the
kept body and its gzip bytes), but only after routing, dependency resolution and the
exception middleware, which cost more than the answer itself. `FastFeeds` sits in
front of all that: for `GET`/`HEAD /feeds/{name}.ics` of a public feed whose settings
for this exact query are remembered, whose store version is known without a query and
whose answer is a 304 or a kept body, it answers with the very `Response` that
`feeds.cached_response` builds (same headers, same 304 rules), and records the request in the
metrics under the route's template. Anything else (first request, a changed store, a
dated query such as `?from=today`, private feeds with their token check, a body still
to be rendered or compressed) goes through the app unchanged, which also fills what the
next request finds here.

The API's kept answers (`calsync.web.answers`: the JSON of a query string already
answered, while the store watch's token stands) are sent from here too: routing and
validating ten query parameters cost ten times the lookup.

The store version is asked once per round of the event loop (`_RoundVersion`): the
`PRAGMA data_version` behind it was a fifth of the server's own time per kept answer,
and the requests wrk's eight connections send arrive together.

It also freezes the garbage collector's view of the process once start-up is complete
(`gc.freeze()`, once per process): the ~130,000 objects of the imported libraries and
the app are never garbage, yet every full collection walked them, 150–200 ms on the
loaded 2-core machine, a pause for every request in flight (the API's p99 at 64
clients was ten times its p90). Frozen, a full collection walks only what came later.
"""

from __future__ import annotations

import asyncio
import gc
import time
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from calsync.feeds.publish import FeedSpec, Fingerprint
from calsync.feeds.service import FeedService, feed_config
from calsync.web.answers import JSON_TYPE, KeptAnswers
from calsync.web.feeds import cached_response, gzip_accepted, validators_match
from calsync.web.metrics import RequestStats

__all__ = ["ROUTE", "FastFeeds"]

ROUTE = "/feeds/{name}.ics"  # the template the metrics show (calsync.web.feeds.feed)
_PREFIX, _SUFFIX = "/feeds/", ".ics"
_API = "/api/"
_OWN_ROUTES = frozenset({"alerts"})  # /feeds/<name>.ics paths other routers answer
_KEPT = 32  # feeds (spec and query) whose answers are kept; each holds a body
_HEADER_VALUES = 64  # distinct header values whose meaning is remembered (per feed version)
_START, _BODY = "http.response.start", "http.response.body"
_frozen = False  # gc.freeze() done in this process


@dataclass(frozen=True, slots=True)
class _Sent:
    """A built answer as the parts of its two ASGI messages: what the `Response` that
    `cached_response` built sends, without a Response call per request."""

    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes


@dataclass(slots=True)
class _Answers:
    """The answers built for one fingerprint of one feed, per (gzip, not modified), and
    what each If-None-Match/If-Modified-Since pair seen means for this version: one built
    answer serves every repeat, and a repeated header costs a lookup, not a parse."""

    spec: FeedSpec
    fp: Fingerprint
    etag: str
    built: dict[tuple[bool, bool], _Sent] = field(default_factory=dict)
    matches: dict[tuple[bytes | None, bytes | None], bool] = field(default_factory=dict)

    def not_modified(self, inm: bytes | None, ims: bytes | None) -> bool:
        key = (inm, ims)
        found = self.matches.get(key)
        if found is None:
            # latin-1, as Starlette decodes header values (feeds.not_modified)
            found = validators_match(None if inm is None else inm.decode("latin-1"),
                                     None if ims is None else ims.decode("latin-1"),
                                     self.etag, self.fp.modified)
            if len(self.matches) < _HEADER_VALUES:
                self.matches[key] = found
        return found


class _RoundVersion:
    """The store version (`FeedService.known_store_version`) shared by the requests that
    one round of the event loop starts, read again in the next round.

    Still "a change shows on the next request": a request's task first runs in the
    round after the one that read its bytes, so every request that finds the version
    here arrived before it was read, and a commit that happened before such a request
    was sent happened before the read. The version is forgotten by a callback queued
    at the read: the loop runs its callbacks in order, so it is gone before any
    request that arrived later starts."""

    __slots__ = ("_known",)

    def __init__(self) -> None:
        self._known: tuple[FeedService, Engine, tuple[Any, ...]] | None = None

    def get(self, service: FeedService, engine: Engine) -> tuple[Any, ...] | None:
        known = self._known
        if known is not None and known[0] is service and known[1] is engine:
            return known[2]
        version = service.known_store_version(engine)
        if version is not None:
            self._known = (service, engine, version)
            asyncio.get_running_loop().call_soon(self._forget)
        return version

    def _forget(self) -> None:
        self._known = None


class FastFeeds:
    """ASGI middleware: the memory-only answers of public feeds, before routing."""

    def __init__(self, app: ASGIApp, stats: RequestStats) -> None:
        self.app = app
        self.stats = stats
        self._version = _RoundVersion()
        self._answers: dict[int, _Answers] = {}  # by id(spec): specs are remembered
        self._gzip: dict[bytes | None, bool] = {}  # Accept-Encoding value -> gzip

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.app(scope, receive, _freezing(send))
            return
        if scope["type"] == "http" and scope["method"] in ("GET", "HEAD"):
            path: str = scope["path"]
            if path.startswith(_API) and scope["method"] == "GET":
                started = time.perf_counter()
                kept = _kept_answer(scope)
                if kept is not None:
                    route, body = kept
                    await Response(body, media_type=JSON_TYPE)(scope, receive, send)
                    self.stats.observe("GET", route, 200, time.perf_counter() - started)
                    return
            if path.startswith(_PREFIX) and path.endswith(_SUFFIX):
                started = time.perf_counter()
                sent = self._answer(scope, path[len(_PREFIX):-len(_SUFFIX)])
                if sent is not None:
                    await send({"type": _START, "status": sent.status,
                                "headers": sent.headers})
                    await send({"type": _BODY, "body": sent.body})
                    self.stats.observe(scope["method"], ROUTE, sent.status,
                                       time.perf_counter() - started)
                    return
        await self.app(scope, receive, send)

    def _answer(self, scope: Scope, name: str) -> _Sent | None:
        """The response `calsync.web.feeds.feed` would give, if it needs memory only."""
        found = _known(scope, name, self._version)
        if found is None:
            return None
        service, spec, fp = found
        answers = self._answers.get(id(spec))
        if answers is None or answers.spec is not spec or answers.fp is not fp:
            if len(self._answers) >= _KEPT:
                self._answers.clear()
            answers = self._answers[id(spec)] = _Answers(spec, fp, fp.etag(spec))
        # The request headers `accepts_gzip` and `not_modified` read (the first of each
        # name, as Starlette's Headers give it), in one pass and without a Request.
        accept = inm = ims = None
        for key, value in scope["headers"]:
            if key == b"accept-encoding":
                if accept is None:
                    accept = value
            elif key == b"if-none-match":
                if inm is None:
                    inm = value
            elif key == b"if-modified-since" and ims is None:
                ims = value
        gzip = self._gzip.get(accept)
        if gzip is None:
            gzip = gzip_accepted("" if accept is None else accept.decode("latin-1"))
            if len(self._gzip) >= _HEADER_VALUES:
                self._gzip.clear()
            self._gzip[accept] = gzip
        variant = (gzip, answers.not_modified(inm, ims))
        sent = answers.built.get(variant)
        if sent is None:
            response = cached_response(Request(scope), service, spec, fp)
            if response is None:
                return None
            sent = answers.built[variant] = _Sent(response.status_code, response.raw_headers,
                                                  bytes(response.body))
        return sent


def _serving(state: Any) -> tuple[Any, Any]:
    """The runtime and its feed service, read together (`calsync.web.reload` swaps the
    pair on a config reload, see `calsync.web.deps.get_runtime`)."""
    serving = getattr(state, "serving", None)
    if serving is not None:
        return serving[0], serving[1]
    return getattr(state, "runtime", None), getattr(state, "feeds", None)


def _kept_answer(scope: Scope) -> tuple[str, bytes] | None:
    state = getattr(scope.get("app"), "state", None)
    answers = getattr(state, "answers", None)
    runtime, _feeds = _serving(state)
    if not isinstance(answers, KeptAnswers) or runtime is None:
        return None
    return answers.peek(scope, runtime)


def _freezing(send: Send) -> Send:
    """`send` that freezes the collector when the app reports start-up complete."""

    async def wrapped(message: Message) -> None:
        global _frozen
        if message["type"] == "lifespan.startup.complete" and not _frozen:
            _frozen = True
            gc.collect()  # what is garbage now is not frozen with the rest
            gc.freeze()
        await send(message)

    return wrapped


def _known(scope: Scope, name: str, versions: _RoundVersion
           ) -> tuple[FeedService, FeedSpec, Fingerprint] | None:
    """The feed's remembered settings for this query and its fingerprint, when both
    are known without a query (else None: the app answers)."""
    if not name or "/" in name or name in _OWN_ROUTES:
        return None
    runtime, service = _serving(getattr(scope.get("app"), "state", None))
    if runtime is None or not isinstance(service, FeedService):
        return None
    try:
        query = scope.get("query_string", b"").decode()
    except UnicodeDecodeError:
        return None
    if "#" in query:  # Starlette's URL would cut it there: let the app decide
        return None
    spec = service.specs.get((name, query, None))  # an undated query: see feeds._spec
    if spec is None or spec.private:
        return None
    config = feed_config(runtime.config, name)
    if config is None or config.private:  # the feed is gone (or became private)
        return None
    version = versions.get(service, runtime.engine)
    if version is None:
        return None
    fp = service.known_fingerprint(spec, version, runtime.clock.now())
    if fp is None:
        return None
    return service, spec, fp
