"""Feed selection, settings and the per-process render cache, apart from HTTP.

`feed_config` finds a feed by name (the implicit `all` included), `feed_spec` turns its
config into the `FeedSpec` that `calsync.feeds.publish` renders, `feed_urls` gives its
subscribe addresses, and `FeedService` keeps the event cache, the last few whole bodies and
the fingerprints per store version, so that `calsync.web.feeds` (HTTP only), the CLI and the
benchmarks share one implementation.
"""

from __future__ import annotations

import gzip
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from calsync.config.schema import Config, FeedConfig
from calsync.durations import format_duration
from calsync.feeds.ics import CalendarMeta
from calsync.feeds.publish import (
    EventCache,
    FeedSpec,
    Fingerprint,
    cutoff_for,
    fingerprint,
    iter_feed,
    store_version,
)
from calsync.selectors import Selector

__all__ = ["ALL", "Body", "FeedService", "feed_config", "feed_spec", "feed_urls"]

ALL = FeedConfig(title="calsync: all levels",
                 description="Every cycle on the unified timeline: EU, national, regional "
                             "and municipal.")
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
        self.specs: dict[tuple[str, str], FeedSpec] = {}
        self._lock = threading.Lock()
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

    def known_fingerprint(self, spec: FeedSpec, version: tuple[Any, ...], now: datetime
                          ) -> Fingerprint | None:
        with self._lock:
            found = self._fingerprints.get((spec.key(), version))
        return found if found is not None and found.cutoff == cutoff_for(spec, now) else None

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
    if name in config.feeds:
        return config.feeds[name]
    return ALL if name == "all" else None


def feed_urls(config: Config, name: str, token: str | None = None) -> dict[str, str]:
    """The https (or http) and webcal addresses of a feed."""
    path = f"/feeds/{name}/{token}.ics" if token else f"/feeds/{name}.ics"
    http = f"{config.server.base_url}{path}"
    return {"url": http, "webcal": "webcal://" + http.split("://", 1)[1]}


def feed_spec(config: Config, name: str, spec: FeedConfig, extra: Selector | None = None
              ) -> FeedSpec:
    meta = CalendarMeta(name=spec.title, description=spec.description,
                        url=f"{config.server.base_url}/feeds/{name}.ics" if not spec.private
                        else None,
                        refresh=format_duration(spec.refresh), color=spec.color)
    alarms = tuple(sorted((kind, tuple(f"-{format_duration(b)}" for b in befores))
                          for kind, befores in spec.alarms.items()))
    return FeedSpec(name=name, meta=meta, selector=spec.select, extra=extra,
                    keep_cancelled=spec.keep_cancelled, alarms=alarms,
                    event_url=f"{config.server.base_url}/api/events/", private=spec.private)
