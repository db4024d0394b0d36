"""Any iCalendar feed: an http(s)/webcal URL or a local file.

Real feeds are messy, and this connector takes them as they come: RRULE/RDATE/EXDATE and
RECURRENCE-ID overrides expanded within the horizon (recurring-ical-events), X-WR-TIMEZONE
repair, Windows and home-made TZIDs, floating times in the connector's `timezone`, all-day
events, missing UID/DTSTAMP (a stable id is derived from source, start and title),
STATUS:CANCELLED, and several VCALENDARs in one file. See `calsync.sdk.ingest` for how.

A sync only parses what changed: the payload is split into per-UID groups of raw text,
and a group whose hash the store already holds is not parsed again. An unchanged feed
costs a 304 (or one hash of the body when the server has no validators).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pydantic import Field, model_validator

from calsync.errors import FatalFetchError
from calsync.model import EventData
from calsync.sdk.contract import FetchContext, Horizon, NotModified, Record, Snapshot, record_key
from calsync.sdk.http import Fetched, decode_text
from calsync.sdk.httpbase import HttpConnector, HttpOptions
from calsync.sdk.ingest.icalmap import group_to_events
from calsync.sdk.ingest.icalsplit import IcalGroup, split_records

__all__ = ["IcalConnector", "IcalOptions"]

ICAL_TYPES = ("text/calendar", "text/plain", "application/octet-stream", "application/ics",
              "application/calendar", "application/x-ical", "text/x-vcalendar",
              "text/x-ical", "application/x-ics", "application/download")


class IcalOptions(HttpOptions):
    url: str | None = Field(
        None, description="http(s):// or webcal:// address of the feed.")
    path: str | None = Field(
        None, description="A local .ics file instead of a URL, relative to the config file.")
    max_occurrences: int = Field(
        5000, ge=1, description="Most occurrences kept per recurring series within the "
                                "horizon (guards against endless daily rules).")

    @model_validator(mode="after")
    def _one_source(self) -> IcalOptions:
        if (self.url is None) == (self.path is None):
            raise ValueError("give exactly one of 'url' or 'path'")
        return self


class IcalConnector(HttpConnector):
    """Events from an iCalendar (.ics) feed or file."""

    type = "ical"
    attributes = frozenset({"category", "categories"})
    title = "iCalendar feed or file"
    Options = IcalOptions
    accept = ICAL_TYPES

    @property
    def opts(self) -> IcalOptions:
        assert isinstance(self.options, IcalOptions)
        return self.options

    async def fetch(self, ctx: FetchContext) -> Snapshot | NotModified:
        if self.opts.path is not None:
            path = self.resolve(self.opts.path)
            limit = self.opts.max_bytes
            try:
                content = await asyncio.to_thread(_read_at_most, path, limit + 1)
            except OSError as exc:
                raise FatalFetchError(f"cannot read {path}: {exc.strerror or exc}",
                                      connector=self.name, url=str(path)) from None
            if len(content) > limit:
                raise FatalFetchError(f"the file exceeds the limit of {limit:,} bytes (raise "
                                      "`max_bytes` if this is expected)",
                                      connector=self.name, url=str(path))
            fetched: Fetched | None = None
            etag = last_modified = base_url = None
        else:
            assert self.opts.url is not None
            got = await self.request(ctx, self.opts.url, conditional=True)
            if isinstance(got, NotModified):
                return got
            fetched, content = got, got.content
            etag, last_modified, base_url = fetched.etag, fetched.last_modified, fetched.url
        payload_hash = record_key(content)
        if payload_hash == ctx.bookmark.payload_hash:
            return NotModified()  # same bytes as the last good sync: nothing to decode
        text = fetched.text() if fetched is not None else decode_text(content)
        try:
            records = split_records(text, base_url)
        except FatalFetchError as exc:
            exc.connector = self.name
            exc.url = self.opts.url or self.opts.path
            raise
        return Snapshot(records, etag=etag, last_modified=last_modified,
                        payload_hash=payload_hash)

    def to_events(self, record: Record, horizon: Horizon) -> Iterable[EventData]:
        group: Any = record.data
        assert isinstance(group, IcalGroup)
        return group_to_events(group, horizon, source=self.name,
                               default_tz=self.config.timezone or "UTC",
                               max_occurrences=self.opts.max_occurrences)


def _read_at_most(path: Path, size: int) -> bytes:
    """A local file's first `size` bytes: `max_bytes` bounds a file as it bounds a
    response (a `path:` of /dev/zero, or a log file that grows, read for ever)."""
    with path.open("rb") as file:
        return file.read(size)
