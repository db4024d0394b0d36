"""Generic list connectors, `json` and `csv`: agencies that publish lists, not calendars.

The admin declares where the records are (`records:` for JSON), where each event field is
(`fields:`), which date formats to try and how pages follow each other (`pagination:` by
page number, offset or next link). Mapping is `calsync.sdk.ingest.fields.map_record`, pure.

A single-page source is fetched conditionally (ETag/Last-Modified). A paged source is read
in full every sync; if it has more pages than `max_pages` the snapshot is marked
incomplete, so nothing is cancelled on the strength of a partial read.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
from collections.abc import Iterable
from typing import Any, ClassVar, Literal
from urllib.parse import urljoin

from pydantic import Field, model_validator

from calsync.errors import FatalFetchError
from calsync.model import EventData, Status
from calsync.sdk.contract import (
    FetchContext,
    Horizon,
    NotModified,
    Options,
    Record,
    Snapshot,
    record_key,
)
from calsync.sdk.http import Fetched
from calsync.sdk.httpbase import HttpConnector, HttpOptions
from calsync.sdk.ingest.fields import FieldMap, get_path, map_record

__all__ = ["CsvConnector", "CsvOptions", "JsonConnector", "JsonOptions", "Pagination"]


class Pagination(Options):
    """How pages follow each other."""

    style: Literal["page", "offset", "next"] = Field(
        description="`page`: a page-number parameter; `offset`: a record-offset parameter; "
                    "`next`: follow a next-page link (JSON path `next`, else the Link header).")
    param: str = Field("page", description="Query parameter carrying the page number or "
                                           "offset.")
    size: int = Field(100, ge=1, description="Records per page (also sent as `size_param`).")
    size_param: str | None = Field(None, description="Query parameter for the page size.")
    first: int = Field(1, description="Number of the first page (`page` style).")
    next: str | None = Field(None, description="JSON path of the next page's URL.")
    max_pages: int = Field(100, ge=1, description="Stop after this many pages (the read "
                                                  "then counts as incomplete).")


class ListingOptions(HttpOptions):
    url: str | None = Field(None, description="Address of the list.")
    path: str | None = Field(None, description="A local file instead of a URL.")
    fields: FieldMap = Field(description="Where each event field is in a record.")
    date_formats: list[str] = Field(
        default_factory=lambda: ["iso"],
        description="Formats tried in turn: `iso` or strptime patterns such as "
                    "'%d.%m.%Y %H:%M'. Naive times are in the connector's timezone.")
    status_map: dict[str, Status] = Field(
        default_factory=dict, description="Upstream status words to tentative, confirmed or "
                                          "cancelled (common words are known already).")
    params: dict[str, str] = Field(default_factory=dict,
                                   description="Query parameters sent with every request.")
    pagination: Pagination | None = Field(None, description="How to page through the list.")

    @model_validator(mode="after")
    def _one_source(self) -> ListingOptions:
        if (self.url is None) == (self.path is None):
            raise ValueError("give exactly one of 'url' or 'path'")
        if self.path is not None and self.pagination is not None:
            raise ValueError("'pagination' needs a 'url'")
        return self


class JsonOptions(ListingOptions):
    records: str | None = Field(None, description="JSON path of the list of records "
                                                  "(default: the document is the list).")


class CsvOptions(ListingOptions):
    delimiter: str = Field(",", min_length=1, max_length=1,
                           description="Column separator (`;` is common in Sweden).")
    encoding: str = Field("utf-8-sig", description="Text encoding of the file.")


class _ListingConnector(HttpConnector):
    Options: ClassVar[type[ListingOptions]] = ListingOptions

    @property
    def opts(self) -> ListingOptions:
        assert isinstance(self.options, ListingOptions)
        return self.options

    async def fetch(self, ctx: FetchContext) -> Snapshot | NotModified:
        opts = self.opts
        if opts.path is not None:
            try:
                content = await asyncio.to_thread(self.resolve(opts.path).read_bytes)
            except OSError as exc:
                raise FatalFetchError(f"cannot read {opts.path}: {exc.strerror or exc}",
                                      connector=self.name, url=opts.path) from None
            items, _ = self.parse(content, None)
            return self._snapshot(items, [content], complete=True)
        assert opts.url is not None
        if opts.pagination is None:
            fetched = await self.request(ctx, opts.url, conditional=True, params=opts.params)
            if isinstance(fetched, NotModified):
                return fetched
            items, _ = self.parse(fetched.content, fetched)
            return self._snapshot(items, [fetched.content], etag=fetched.etag,
                                  last_modified=fetched.last_modified, complete=True)
        return await self._fetch_pages(ctx, opts.url, opts.pagination)

    async def _fetch_pages(self, ctx: FetchContext, url: str, paging: Pagination) -> Snapshot:
        items: list[Any] = []
        bodies: list[bytes] = []
        next_url: str | None = url
        for number in range(paging.max_pages):
            params = dict(self.opts.params)
            if paging.style != "next" or number == 0:
                if paging.style == "page":
                    params[paging.param] = str(paging.first + number)
                elif paging.style == "offset":
                    params[paging.param] = str(number * paging.size)
                if paging.size_param:
                    params[paging.size_param] = str(paging.size)
            assert next_url is not None
            fetched = await self.request(ctx, next_url, params=params if number == 0 or
                                         paging.style != "next" else None)
            if isinstance(fetched, NotModified):
                raise FatalFetchError("unexpected 304", connector=self.name, url=next_url)
            page, link = self.parse(fetched.content, fetched)
            items += page
            bodies.append(fetched.content)
            if paging.style == "next":
                next_url = link
                if not next_url:
                    return self._snapshot(items, bodies, complete=True)
            elif len(page) < paging.size:
                return self._snapshot(items, bodies, complete=True)
        ctx.log.warning("%s: stopped after max_pages=%d; not cancelling anything this sync",
                        self.name, paging.max_pages)
        return self._snapshot(items, bodies, complete=False)

    def _snapshot(self, items: list[Any], bodies: list[bytes], *, complete: bool,
                  etag: str | None = None, last_modified: str | None = None) -> Snapshot:
        records = [Record(record_key(json.dumps(item, sort_keys=True, default=str)), item)
                   for item in items]
        return Snapshot(records, etag=etag, last_modified=last_modified,
                        payload_hash=record_key(*bodies), complete=complete)

    def parse(self, content: bytes, fetched: Fetched | None) -> tuple[list[Any], str | None]:
        """The records in one body, and the next page's URL if the body names one."""
        raise NotImplementedError

    def to_events(self, record: Record, horizon: Horizon) -> Iterable[EventData]:
        opts = self.opts
        return [map_record(record.data, opts.fields, formats=opts.date_formats,
                           tz=self.config.timezone or "UTC", status_map=opts.status_map,
                           source=self.name)]


class JsonConnector(_ListingConnector):
    """Events from a JSON list (an agency's API or export) with a declared field mapping."""

    type = "json"
    attributes = frozenset({"category"})
    title = "JSON list with a field mapping"
    Options = JsonOptions
    accept = ("application/json", "text/json", "application/ld+json", "text/plain",
              "application/vnd.api+json")

    def parse(self, content: bytes, fetched: Fetched | None) -> tuple[list[Any], str | None]:
        assert isinstance(self.options, JsonOptions)
        try:
            document = json.loads(content.decode("utf-8-sig"))
        except ValueError as exc:
            raise FatalFetchError(f"the response is not valid JSON ({exc})",
                                  connector=self.name, url=self.options.url) from None
        found = get_path(document, self.options.records) if self.options.records \
            else document
        if found is None:
            found = []
        if isinstance(found, dict):
            found = [found]  # one record where a list was expected
        if not isinstance(found, list):
            raise FatalFetchError(f"expected a list at {self.options.records or 'the top'}, "
                                  f"got {type(found).__name__}", connector=self.name,
                                  url=self.options.url)
        paging = self.options.pagination
        link = None
        if paging is not None and paging.style == "next":
            link = get_path(document, paging.next) if paging.next else None
            if not link and fetched is not None:
                link = _link_next(fetched)
        if link and fetched is not None:
            link = urljoin(fetched.url, str(link))  # next links are often relative
        return found, str(link) if link else None


class CsvConnector(_ListingConnector):
    """Events from a CSV file or URL (one row an event) with a declared column mapping."""

    type = "csv"
    attributes = frozenset({"category"})
    title = "CSV table with a column mapping"
    Options = CsvOptions
    accept = ("text/csv", "text/plain", "application/csv", "application/octet-stream",
              "application/vnd.ms-excel", "text/comma-separated-values")

    def parse(self, content: bytes, fetched: Fetched | None) -> tuple[list[Any], str | None]:
        assert isinstance(self.options, CsvOptions)
        try:
            text = content.decode(self.options.encoding)
        except (LookupError, UnicodeDecodeError) as exc:
            raise FatalFetchError(f"cannot decode the CSV as {self.options.encoding}: {exc}",
                                  connector=self.name, url=self.options.url) from None
        if text.lstrip().startswith("<"):
            raise FatalFetchError("expected CSV, got what looks like HTML or XML",
                                  connector=self.name, url=self.options.url)
        rows = list(csv.DictReader(io.StringIO(text), delimiter=self.options.delimiter))
        link = _link_next(fetched) if fetched is not None else None
        return [dict(row) for row in rows], link


def _link_next(fetched: Fetched) -> str | None:
    return fetched.next_link
