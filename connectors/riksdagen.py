"""The Swedish Riksdag's open-data calendar: chamber debates and decisions, committee and
EU-committee meetings, hearings (`data.riksdagen.se/kalender`).

Known from public client code and parsers, not from an official schema (see
`../shared/fixtures/sources/riksdagen_kalender.json`), so the mapping is tolerant:

- JSON: `kalenderlista.kalender` is a list, or a single object when one event matches, or
  missing when none do. Keys are iCalendar names (UID, DTSTART, SUMMARY, …) plus Riksdag
  extensions (XRDDOKID, XRDRM, XRDDTSTARTSTATUS, …). Text keeps iCal escapes (\\n, \\,).
- DTSTART/DTEND carry no zone: they are Europe/Stockholm wall-clock times. Formats seen
  vary (`20241105T090000`, ISO); every common form is tried.
- `utformat: icalendar` is read with the `ical` connector's machinery instead.
- Status is not a documented field: "inställt" (cancelled) in the title or start-status
  makes the event cancelled, "preliminär" tentative. Uncertain; adjust with `mapping:`.
- The calendar keeps events only four weeks back; older events are left as history.

Terms: free to use, also commercially; cite "Sveriges riksdag".
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import Field

from calsync.errors import FatalFetchError, SkippableRecordError
from calsync.model import EventData, Status
from calsync.sdk.contract import FetchContext, Horizon, NotModified, Record, Snapshot, record_key
from calsync.sdk.httpbase import HttpConnector, HttpOptions
from calsync.sdk.ingest.fields import parse_when, valid_end
from calsync.sdk.ingest.icalmap import group_to_events
from calsync.sdk.ingest.icalsplit import IcalGroup, split_records

__all__ = ["RiksdagenConnector", "RiksdagenOptions"]

ZONE = "Europe/Stockholm"
_FORMATS = ["%Y%m%dT%H%M%S", "%Y%m%dT%H%M", "iso", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M",
            "%Y%m%d"]


class RiksdagenOptions(HttpOptions):
    url: str = Field("https://data.riksdagen.se/kalender/",
                     description="The calendar endpoint.")
    format: Literal["json", "icalendar"] = Field(
        "json", description="Which of the Riksdag's outputs to read (`utformat`).")
    org: list[str] = Field(default_factory=list,
                           description="Organ codes to include, e.g. [kamm] for the Chamber "
                                       "or a committee's code; empty means all.")
    akt: list[str] = Field(default_factory=list,
                           description="Activity-type codes to include (e.g. be, ib, re); "
                                       "empty means all.")
    days_back: int = Field(28, ge=0, le=366, description="Ask from this many days ago "
                                                         "(the Riksdag keeps four weeks).")
    days_ahead: int | None = Field(None, ge=1, description="Ask up to this many days ahead "
                                                           "(default: no limit).")
    page_size: int = Field(1000, ge=1, le=10000, description="Events per request (`sz`).")


class RiksdagenConnector(HttpConnector):
    """Events from the Riksdag's calendar (data.riksdagen.se/kalender)."""

    type = "riksdagen"
    attributes = frozenset({"category", "dok_id", "riksmote", "start_status"})
    title = "Sveriges riksdag: calendar"
    Options = RiksdagenOptions
    accept = ("application/json", "text/json", "text/plain", "text/calendar")

    @property
    def opts(self) -> RiksdagenOptions:
        assert isinstance(self.options, RiksdagenOptions)
        return self.options

    async def fetch(self, ctx: FetchContext) -> Snapshot | NotModified:
        opts = self.opts
        today = ctx.clock.now().astimezone(_zone()).date()
        params: dict[str, Any] = {"utformat": opts.format, "sz": str(opts.page_size),
                                  "from": (today - timedelta(days=opts.days_back)).isoformat(),
                                  "sort": "datum", "sortorder": "asc"}
        if opts.days_ahead is not None:
            params["tom"] = (today + timedelta(days=opts.days_ahead)).isoformat()
        if opts.org:
            params["org"] = opts.org
        if opts.akt:
            params["akt"] = opts.akt
        fetched = await self.request(ctx, opts.url, conditional=True, params=params)
        if isinstance(fetched, NotModified):
            return fetched
        if opts.format == "icalendar":
            records = split_records(fetched.text())
        else:
            records = [Record(record_key(json.dumps(item, sort_keys=True)), item)
                       for item in self._items(self.decode_json(fetched))]
        return Snapshot(records, etag=fetched.etag, last_modified=fetched.last_modified,
                        payload_hash=record_key(fetched.content))

    def _items(self, document: Any) -> list[dict[str, Any]]:
        if not isinstance(document, dict) or not isinstance(
                document.get("kalenderlista", {}), dict | type(None)):
            raise FatalFetchError("expected {\"kalenderlista\": {\"kalender\": [...]}}; the "
                                  "Riksdag's format may have changed", connector=self.name,
                                  url=self.opts.url)
        found = (document.get("kalenderlista") or {}).get("kalender")
        if found is None:
            return []
        items = found if isinstance(found, list) else [found]  # the object-or-list quirk
        return [item for item in items if isinstance(item, dict)]

    def to_events(self, record: Record, horizon: Horizon) -> Iterable[EventData]:
        if isinstance(record.data, IcalGroup):
            return group_to_events(record.data, horizon, source=self.name, default_tz=ZONE)
        return [self.map_item(record.data)]

    def map_item(self, item: dict[str, Any]) -> EventData:
        """One `kalender` entry as an event (pure; tested on saved entries)."""
        title = unescape(item.get("SUMMARY")) or unescape(item.get("CATEGORIES"))
        start = parse_when(item.get("DTSTART"), _FORMATS, ZONE)
        if not title or start is None:
            raise SkippableRecordError(f"calendar entry without title or start: "
                                       f"{str(item)[:120]}", connector=self.name)
        end = parse_when(item.get("DTEND"), _FORMATS, ZONE)
        if not valid_end(start, end):
            end = None
        dok_id = unescape(item.get("XRDDOKID"))
        uid = unescape(item.get("UID")) or (f"dok-{dok_id}-{start.isoformat()}" if dok_id
                                           else f"{start.isoformat()}-{title}")
        start_status = unescape(item.get("XRDDTSTARTSTATUS"))
        words = f"{title} {start_status}".lower()
        status = Status.CANCELLED if "inställ" in words else \
            Status.TENTATIVE if "prelimin" in words else Status.CONFIRMED
        attrs = {k: v for k, v in (
            ("category", unescape(item.get("CATEGORIES"))), ("dok_id", dok_id),
            ("riksmote", unescape(item.get("XRDRM"))), ("start_status", start_status),
        ) if v}
        return EventData(
            external_uid=uid, title=title, start=start, end=end, timezone=ZONE,
            description=unescape(item.get("DESCRIPTION")),
            location=unescape(item.get("LOCATION")) or None,
            url=f"https://data.riksdagen.se/dokument/{dok_id}" if dok_id else None,
            status=status, attrs=attrs)


def unescape(value: Any) -> str:
    """Text as the Riksdag sends it (iCal-escaped, sometimes a list of lines) to plain."""
    if value is None:
        return ""
    if isinstance(value, list):
        return "\n".join(unescape(v) for v in value if v is not None).strip()
    text = str(value)
    out, i = [], 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            out.append("\n" if nxt in "nN" else nxt)
            i += 2
        else:
            out.append(text[i])
            i += 1
    return "".join(out).strip()


def _zone() -> ZoneInfo:
    return ZoneInfo(ZONE)
