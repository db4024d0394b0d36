"""Calls and topics of the EU Funding & Tenders Portal, with opening and deadline dates.

The portal's search API (SEDIA) is public (`apiKey=SEDIA`) and documented only through
its clients (`../shared/fixtures/sources/eu_ft_sedia_search.json`):

- `POST …/rest/search?apiKey=SEDIA&text=…&pageSize=…&pageNumber=…` with multipart parts
  `query` (an Elasticsearch-style bool query), `languages` and `sort`. calsync sorts by
  `identifier` ascending: unsorted paging returned different sets on consecutive runs.
- Status codes (31094501 forthcoming, 31094502 open, 31094503 closed) are swapped by some
  clients, so calsync resolves the configured status words through `…/rest/facet` on
  every sync, and falls back to the codes above only if the facet answer is unusable.
  Programme names are resolved the same way (codes may be given directly).
- Every metadata value is an array. A topic may carry several `deadlineDate` values (one
  per cut-off): each becomes its own event `<identifier>/deadline-<n>`, numbered by date.
  `startDate` becomes `<identifier>/opening`.
- Dates look like `2026-02-01T17:00:00.000+0000`. Whether `+0000` is really UTC or the
  Brussels 17:00 cut-off mislabelled is unconfirmed; calsync takes the value as written
  and shows it in Europe/Brussels. A midnight value is taken as a date (all-day).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, datetime, time
from typing import Any

from pydantic import Field

from calsync.errors import ConnectorError, FatalFetchError, SkippableRecordError
from calsync.model import EventData
from calsync.sdk.contract import FetchContext, Horizon, NotModified, Record, Snapshot, record_key
from calsync.sdk.httpbase import HttpConnector, HttpOptions

__all__ = ["EuFundingTendersConnector", "EuFundingTendersOptions"]

API = "https://api.tech.ec.europa.eu/search-api/prod/rest"
FALLBACK_STATUS = {"forthcoming": "31094501", "open": "31094502", "closed": "31094503"}
KNOWN_PROGRAMMES = {"horizon europe": "43108390", "digital europe": "43152860",
                    "eu4health": "43332642"}


class EuFundingTendersOptions(HttpOptions):
    url: str = Field(f"{API}/search", description="The search endpoint.")
    facet_url: str = Field(f"{API}/facet", description="The facet endpoint (code labels).")
    api_key: str = Field("SEDIA", description="The portal's public API key.")
    programmes: list[str] = Field(
        default_factory=list, description="Framework programmes by name (e.g. 'Horizon "
                                          "Europe', 'Interreg') or code; empty means all.")
    keywords: list[str] = Field(default_factory=list,
                                description="Free-text search words (all must match).")
    statuses: list[str] = Field(default_factory=lambda: ["forthcoming", "open"],
                                description="Which calls: forthcoming, open, closed.")
    types: list[str] = Field(default_factory=lambda: ["1", "2"],
                             description="Result types: 1 grant topic, 2 call for proposals, "
                                         "8 cascade funding, 0 tender.")
    programme_period: str | None = Field("2021 - 2027", description="Programme period "
                                                                    "filter, or null.")
    page_size: int = Field(100, ge=1, le=1000, description="Results per page.")
    max_pages: int = Field(20, ge=1, description="Stop after this many pages (the read "
                                                 "then counts as incomplete).")


class EuFundingTendersConnector(HttpConnector):
    """Opening and deadline dates of EU funding calls and topics (SEDIA search API)."""

    type = "eu_funding_tenders"
    attributes = frozenset({"identifier", "call", "programme", "status", "category"})
    title = "EU Funding & Tenders Portal: calls and topics"
    Options = EuFundingTendersOptions
    accept = ("application/json", "text/json")

    @property
    def opts(self) -> EuFundingTendersOptions:
        assert isinstance(self.options, EuFundingTendersOptions)
        return self.options

    async def fetch(self, ctx: FetchContext) -> Snapshot | NotModified:
        opts = self.opts
        facets = await self._facets(ctx)
        statuses = [self._code(facets.get("status", {}), s, FALLBACK_STATUS)
                    for s in opts.statuses]
        programmes = [self._code(facets.get("frameworkProgramme", {}), p, KNOWN_PROGRAMMES)
                      for p in opts.programmes]
        query = self._query(statuses=statuses, programmes=programmes)
        labels = {code: label for code, label in facets.get("status", {}).items()}
        results: list[dict[str, Any]] = []
        bodies: list[bytes] = [json.dumps(labels, sort_keys=True).encode()]
        for page in range(1, opts.max_pages + 1):
            fetched = await self.request(
                ctx, opts.url, method="POST", params=self._params(page),
                files=self._parts(query, sort=True))
            if isinstance(fetched, NotModified):
                raise FatalFetchError("unexpected 304", connector=self.name, url=opts.url)
            document = self.decode_json(fetched)
            if not isinstance(document, dict) or not isinstance(document.get("results"),
                                                                list | type(None)):
                raise FatalFetchError("expected {\"results\": [...]} from the search API",
                                      connector=self.name, url=opts.url)
            found = [r for r in document.get("results") or [] if isinstance(r, dict)]
            results += found
            bodies.append(fetched.content)
            total = int(document.get("totalResults") or 0)
            if not found or len(results) >= total:
                return self._snapshot(results, labels, bodies, complete=True)
        ctx.log.warning("%s: stopped after max_pages=%d of %d results; not cancelling "
                        "anything this sync", self.name, opts.max_pages, len(results))
        return self._snapshot(results, labels, bodies, complete=False)

    def _snapshot(self, results: list[dict[str, Any]], labels: dict[str, str],
                  bodies: list[bytes], *, complete: bool) -> Snapshot:
        records = []
        for result in results:
            data = {"result": result, "labels": labels}
            records.append(Record(record_key(json.dumps(data, sort_keys=True)), data))
        return Snapshot(records, payload_hash=record_key(*bodies), complete=complete)

    def _params(self, page: int) -> dict[str, str]:
        text = " ".join(self.opts.keywords) or "***"
        return {"apiKey": self.opts.api_key, "text": text,
                "pageSize": str(self.opts.page_size), "pageNumber": str(page)}

    def _query(self, *, statuses: list[str], programmes: list[str]) -> dict[str, Any]:
        must: list[dict[str, Any]] = [{"terms": {"type": self.opts.types}}]
        if statuses:
            must.append({"terms": {"status": statuses}})
        if self.opts.programme_period:
            must.append({"term": {"programmePeriod": self.opts.programme_period}})
        if programmes:
            must.append({"terms": {"frameworkProgramme": programmes}})
        return {"bool": {"must": must}}

    @staticmethod
    def _parts(query: dict[str, Any], *, sort: bool) -> dict[str, Any]:
        parts: dict[str, Any] = {
            "query": ("blob", json.dumps(query).encode(), "application/json"),
            "languages": ("blob", json.dumps(["en"]).encode(), "application/json")}
        if sort:
            parts["sort"] = ("blob", json.dumps({"field": "identifier", "order": "ASC"})
                             .encode(), "application/json")
        return parts

    async def _facets(self, ctx: FetchContext) -> dict[str, dict[str, str]]:
        """facet name -> {code: label}; empty when the facet endpoint is unusable."""
        opts = self.opts
        try:
            document = await self.request_json(
                ctx, opts.facet_url, method="POST", params={"apiKey": opts.api_key,
                                                            "text": "***"},
                files=self._parts(self._query(statuses=[], programmes=[]), sort=False))
        except ConnectorError as exc:
            ctx.log.warning("%s: facet endpoint unusable (%s); using known codes",
                            self.name, exc)
            return {}
        out: dict[str, dict[str, str]] = {}
        facets = document.get("facets") if isinstance(document, dict) else None
        for facet in facets or []:
            if not isinstance(facet, dict):
                continue
            values = {str(v.get("rawValue")): str(v.get("value"))
                      for v in facet.get("values") or []
                      if isinstance(v, dict) and v.get("rawValue") is not None}
            out[str(facet.get("name"))] = values
        return out

    def _code(self, labels: dict[str, str], wanted: str, fallback: dict[str, str]) -> str:
        """The code for a configured word: via the facet's labels, else the known table."""
        if wanted.isdigit():
            return wanted
        word = wanted.strip().lower()
        for code, label in sorted(labels.items()):
            if label.lower() == word or label.lower().startswith(word):
                return code
        if word in fallback:
            return fallback[word]
        raise FatalFetchError(f"unknown value {wanted!r}; the portal knows: "
                              f"{', '.join(sorted(labels.values())) or '(facets unavailable)'}",
                              connector=self.name)

    def to_events(self, record: Record, horizon: Horizon) -> Iterable[EventData]:
        return self.map_result(record.data["result"], record.data.get("labels", {}))

    def map_result(self, result: dict[str, Any], labels: dict[str, str]) -> list[EventData]:
        """One search result's opening and deadlines as events (pure)."""
        meta = result.get("metadata") or {}
        identifier = _first(meta, "identifier") or _first(meta, "callIdentifier") or \
            str(result.get("reference") or "")
        title = _first(meta, "title") or str(result.get("summary") or "").strip()
        if not identifier or not title:
            raise SkippableRecordError(f"result without identifier or title: "
                                       f"{str(result)[:120]}", connector=self.name)
        status_code = _first(meta, "status")
        attrs = {k: v for k, v in (
            ("identifier", identifier), ("call", _first(meta, "callIdentifier")),
            ("programme", _first(meta, "frameworkProgramme")),
            ("status", labels.get(status_code, status_code))) if v}
        url = str(result["url"]) if result.get("url") else None
        out = []
        opening = _when(_first(meta, "startDate"))
        if opening is not None:
            out.append(EventData(external_uid=f"{identifier}/opening",
                                 title=f"Opens: {title}", start=opening,
                                 timezone="Europe/Brussels", url=url,
                                 attrs={**attrs, "category": "opening"}))
        deadlines = sorted({d for d in (_when(v) for v in meta.get("deadlineDate") or [])
                            if d is not None}, key=_sort_key)
        for n, deadline in enumerate(deadlines, start=1):
            label = "Deadline" if len(deadlines) == 1 else f"Deadline {n}/{len(deadlines)}"
            out.append(EventData(external_uid=f"{identifier}/deadline-{n}",
                                 title=f"{label}: {title}", start=deadline, kind="deadline",
                                 timezone="Europe/Brussels", url=url,
                                 attrs={**attrs, "category": "deadline"}))
        return out


def _first(meta: dict[str, Any], key: str) -> str:
    value = meta.get(key)
    if isinstance(value, list):
        value = value[0] if value else None
    return str(value).strip() if value is not None else ""


def _when(value: Any) -> datetime | date | None:
    if not value:
        return None
    text = str(value).strip()
    for fmt in ("%Y-%m-%dT%H:%M:%S.%f%z", "%Y-%m-%dT%H:%M:%S%z"):
        try:
            parsed = datetime.strptime(text, fmt)
        except ValueError:
            continue
        return parsed.date() if parsed.time() == time(0) else parsed
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise SkippableRecordError(f"cannot read date {text!r}") from None


def _sort_key(value: datetime | date) -> str:
    return value.isoformat()
