"""Feed selection, settings and the per-process render cache, apart from HTTP.

`feed_config` finds a feed by name (the implicit `all` and `alerts` included), `feed_spec`
turns its config into the `FeedSpec` that `calsync.feeds.publish` renders, `feed_urls`
gives its subscribe addresses, and `FeedService` keeps the event cache, the last few whole
bodies and the fingerprints per store version, so that `calsync.web.feeds` (HTTP only),
the CLI and the benchmarks share one implementation.
"""

from __future__ import annotations

import gzip
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Engine

from calsync.config.links import events_prefix
from calsync.config.schema import Config, FeedConfig
from calsync.configtypes import text_in
from calsync.durations import format_duration, parse_duration
from calsync.errors import NotFoundError
from calsync.feeds.ics import CalendarMeta
from calsync.feeds.links import OrgLinks
from calsync.feeds.publish import (
    EventCache,
    FeedSpec,
    Fingerprint,
    fingerprint,
    iter_feed,
)
from calsync.feeds.spans import SpanMode
from calsync.feeds.window import Window
from calsync.i18n.catalogs import N_, translator
from calsync.i18n.languages import Language
from calsync.i18n.messages import Message
from calsync.privacy import PrivateEvents
from calsync.selectors import Selector
from calsync.store.feedrows import store_version
from calsync.store.watch import Remembered

__all__ = ["ALERTS", "ALL", "Body", "FeedService", "feed_config", "feed_names", "feed_spec",
           "feed_texts", "feed_urls", "private_feed_config"]

# The built-in feeds; their texts are the `calsync` catalog's (see `feed_texts`).
ALL = FeedConfig(title=N_("calsync: all levels"),
                 description=N_("Every cycle on the unified timeline: EU, national, regional "
                                "and municipal."))
ALERTS = FeedConfig(title=N_("calsync: misalignment alerts"),
                    description=N_("Firing misalignment alerts on their due dates, with the "
                                   "explanation and the fix."),
                    refresh=parse_duration("PT1H"))
_BUILT_IN = {"all": ALL, "alerts": ALERTS}
_BODIES = 16


@dataclass(frozen=True, slots=True)
class Body:
    etag: str
    data: bytes
    gzipped: bytes | None = None


class FeedService:
    """Per-process state of the feeds: the event cache and the last few whole bodies."""

    def __init__(self, *, cache_capacity: int = 250_000) -> None:
        self.cache = EventCache(cache_capacity)
        self._bodies: OrderedDict[str, Body] = OrderedDict()
        self._fingerprints: dict[tuple[str, tuple[Any, ...]], Fingerprint] = {}
        self.specs: dict[tuple[str, str, date | None], FeedSpec] = {}
        self._lock = threading.Lock()
        self._version: Remembered[tuple[Any, ...]] | None = None
        self.generated = 0  # bodies rendered (cold or after a change), for /metrics

    def body(self, etag: str) -> Body | None:
        with self._lock:
            found = self._bodies.get(etag)
            if found is not None:
                self._bodies.move_to_end(etag)
            return found

    def keep(self, body: Body) -> None:
        with self._lock:
            self._bodies[body.etag] = body
            self._bodies.move_to_end(body.etag)
            while len(self._bodies) > _BODIES:
                self._bodies.popitem(last=False)

    def gzipped(self, body: Body) -> bytes:
        if body.gzipped is None:
            packed = gzip.compress(body.data, compresslevel=6, mtime=0)
            body = Body(body.etag, body.data, packed)
            self.keep(body)
            return packed
        return body.gzipped

    def store_version(self, engine: Engine) -> tuple[Any, ...]:
        """Asked of the database only when the store may have changed (no query for a
        304, a kept body or its gzip form while nothing did: `calsync.store.watch`)."""
        remembered = self._version
        if remembered is None or remembered.engine is not engine:
            remembered = self._version = Remembered(engine, store_version)
        return remembered.get()

    def known_store_version(self, engine: Engine) -> tuple[Any, ...] | None:
        """The store version when no query is needed to know it (see `store_version`)."""
        remembered = self._version
        if remembered is None or remembered.engine is not engine:
            return None
        return remembered.peek()

    def known_fingerprint(self, spec: FeedSpec, version: tuple[Any, ...], now: datetime
                          ) -> Fingerprint | None:
        with self._lock:
            found = self._fingerprints.get((spec.key(), version))
        if found is None or found.bounds != spec.bounds(now):
            return None
        return found

    def fingerprint(self, conn: Connection, spec: FeedSpec, now: datetime
                    ) -> tuple[Fingerprint, tuple[Any, ...]]:
        """The feed's fingerprint, recomputed only when the store version moved."""
        version = store_version(conn)
        found = self.known_fingerprint(spec, version, now)
        if found is not None:
            return found, version
        key = (spec.key(), version)
        fp = fingerprint(conn, spec, now)
        with self._lock:
            if len(self._fingerprints) > 1000:
                self._fingerprints.clear()
            self._fingerprints[key] = fp
        return fp, version

    def render(self, conn: Connection, spec: FeedSpec, fp: Fingerprint) -> bytes:
        self.generated += 1
        return b"".join(iter_feed(conn, spec, fp, self.cache))


def feed_config(config: Config, name: str) -> FeedConfig | None:
    """A feed's settings: from config, or the built-in `all` and `alerts` feeds."""
    found = config.feeds.get(name)
    return found if found is not None else _BUILT_IN.get(name)


def private_feed_config(config: Config, name: str) -> FeedConfig:
    """A private feed's settings, or a NotFoundError that names the private feeds."""
    spec = feed_config(config, name)
    if spec is None or not spec.private:
        private = [n for n, f in config.feeds.items() if f.private]
        raise NotFoundError(Message(
            "no private feed named {name!r} (private feeds: {known})", name=name,
            known=", ".join(private) or Message("none; set private: true on a feed")))
    return spec


def feed_texts(spec: FeedConfig, language: Language) -> tuple[str, str]:
    """A feed's title and description in `language`: the built-in feeds' from the
    catalog, a configured feed's as config gives them (one text, or {sv, en})."""
    if spec is ALL or spec is ALERTS:
        t = translator(language, "calsync")
        assert isinstance(spec.title, str) and isinstance(spec.description, str)
        return t.gettext(spec.title), t.gettext(spec.description)
    return text_in(spec.title, language), text_in(spec.description, language)


def feed_names(config: Config) -> list[str]:
    """Every feed, in the order they are listed (`/feeds/`, `/api/feeds`, the CLI)."""
    return ["all", *[n for n in config.feeds if n != "all"], "alerts"]


def feed_urls(config: Config, name: str, token: str | None = None,
              language: Language | None = None) -> dict[str, str]:
    """The https (or http) and webcal addresses of a feed; with `language` when that is
    not the feed's own (`?lang=`)."""
    path = f"/feeds/{name}/{token}.ics" if token else f"/feeds/{name}.ics"
    if language is not None and language != config.feed_language(feed_config(config, name)):
        path += f"?lang={language}"
    http = f"{config.server.base_url}{path}"
    return {"url": http, "webcal": "webcal://" + http.split("://", 1)[1]}


def feed_spec(config: Config, name: str, spec: FeedConfig, extra: Selector | None = None,
              spans: str | None = None, language: Language | None = None) -> FeedSpec:
    """The feed's rendering settings; `spans` and `language` override the feed's
    (`?spans=`, `?lang=`)."""
    language = language or config.feed_language(spec)
    title, description = feed_texts(spec, language)
    meta = CalendarMeta(name=title, description=description,
                        url=f"{config.server.base_url}/feeds/{name}.ics" if not spec.private
                        else None,
                        refresh=format_duration(spec.refresh), color=spec.color)
    alarms = tuple(sorted((kind, tuple(f"-{format_duration(b)}" for b in befores))
                          for kind, befores in spec.alarms.items()))
    window = spec.window
    return FeedSpec(name=name, meta=meta, language=language, selector=spec.select, extra=extra,
                    keep_cancelled=spec.keep_cancelled, alarms=alarms,
                    event_url=events_prefix(config.server.base_url), private=spec.private,
                    spans=SpanMode(spans or spec.spans),
                    window=Window(window.past, window.future) if window else Window(),
                    colors=tuple(sorted((name, level.color_name)
                                        for name, level in config.levels.items()
                                        if level.color_name)),
                    level_titles=tuple(sorted(config.level_titles(language).items())),
                    organisations=tuple(sorted(
                        (actor, OrgLinks(org.url, org.pages))
                        for actor, org in config.organisations.items())),
                    hide=None if spec.private else PrivateEvents.of(config))
