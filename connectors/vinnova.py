"""Vinnova's open data on application rounds (ansökningsomgångar), CC0.

Legacy open API, no key: `GET https://data.vinnova.se/api/ansokningsomgangar/<date>`
returns the rounds changed since that date; calsync asks from the start of the horizon, so
the answer is every round that matters and a missing round has really disappeared.

Each round gives up to three events, each with its own stable id:
`<Diarienummer>/opening` (Oppningsdatum), `/closing` (Stangningsdatum, kind `deadline`) and
`/decision` (UppskattatBeslutsdatum, kind `decision`, tentative: it is an estimate).

Quirks (from a public connector's fixtures, `../shared/fixtures/sources/vinnova_…json`):
times are naive Europe/Stockholm; `1900-01-01T00:00:00` means "no date"; midnight means a
date without a time (an all-day event); `Publik: 0` marks invite-only rounds, skipped
unless `include_non_public`. The response is expected to be a list of rounds; a single
object is accepted too.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, datetime, time
from typing import Any, Literal

from pydantic import Field

from calsync.errors import FatalFetchError, SkippableRecordError
from calsync.model import EventData, Status
from calsync.sdk.contract import FetchContext, Horizon, NotModified, Record, Snapshot, record_key
from calsync.sdk.httpbase import HttpConnector, HttpOptions
from calsync.sdk.ingest.fields import parse_when

__all__ = ["VinnovaConnector", "VinnovaOptions"]

ZONE = "Europe/Stockholm"


class VinnovaOptions(HttpOptions):
    url: str = Field("https://data.vinnova.se/api/ansokningsomgangar/",
                     description="The application-rounds endpoint; the since-date is "
                                 "appended.")
    since: date | None = Field(None, description="Ask for rounds changed since this date "
                                                 "(default: the start of the horizon).")
    language: Literal["sv", "en"] = Field("sv", description="Title language (`en` uses "
                                                            "TitelEngelska when present).")
    include_non_public: bool = Field(False, description="Also publish invite-only rounds "
                                                        "(Publik: 0).")


class VinnovaConnector(HttpConnector):
    """Opening, closing and estimated decision dates of Vinnova's application rounds."""

    type = "vinnova"
    attributes = frozenset({"diarienummer", "call", "category"})
    title = "Vinnova: calls and application rounds"
    Options = VinnovaOptions
    accept = ("application/json", "text/json", "text/plain")

    @property
    def opts(self) -> VinnovaOptions:
        assert isinstance(self.options, VinnovaOptions)
        return self.options

    async def fetch(self, ctx: FetchContext) -> Snapshot | NotModified:
        since = self.opts.since or ctx.horizon.start.date()
        url = self.opts.url.rstrip("/") + "/" + since.isoformat()
        fetched = await self.request(ctx, url, conditional=True)
        if isinstance(fetched, NotModified):
            return fetched
        document = self.decode_json(fetched)
        rounds = document if isinstance(document, list) else [document] \
            if isinstance(document, dict) else None
        if rounds is None:
            raise FatalFetchError("expected a list of application rounds",
                                  connector=self.name, url=url)
        keep = [r for r in rounds if isinstance(r, dict) and
                (self.opts.include_non_public or str(r.get("Publik", 1)) != "0")]
        records = [Record(record_key(json.dumps(r, sort_keys=True)), r) for r in keep]
        return Snapshot(records, etag=fetched.etag, last_modified=fetched.last_modified,
                        payload_hash=record_key(fetched.content))

    def to_events(self, record: Record, horizon: Horizon) -> Iterable[EventData]:
        return self.map_round(record.data)

    def map_round(self, item: dict[str, Any]) -> list[EventData]:
        """A round's dated milestones as events (pure; tested on saved rounds)."""
        dnr = str(item.get("Diarienummer") or "").strip()
        title = str(item.get("Titel") or "").strip()
        if self.opts.language == "en":
            title = str(item.get("TitelEngelska") or "").strip() or title
        if not dnr or not title:
            raise SkippableRecordError(f"round without Diarienummer or title: "
                                       f"{str(item)[:120]}", connector=self.name)
        links = item.get("LankLista") or []
        url = next((str(link["URL"]) for link in links
                    if isinstance(link, dict) and link.get("URL")), None)
        attrs = {"diarienummer": dnr}
        if item.get("DiarienummerUtlysning"):
            attrs["call"] = str(item["DiarienummerUtlysning"])
        out = []
        for field, suffix, label, kind, status in (
                ("Oppningsdatum", "opening", "Öppnar", None, Status.CONFIRMED),
                ("Stangningsdatum", "closing", "Sista ansökningsdag", "deadline",
                 Status.CONFIRMED),
                ("UppskattatBeslutsdatum", "decision", "Beräknat beslut", "decision",
                 Status.TENTATIVE)):
            when = _when(item.get(field))
            if when is None:
                continue
            out.append(EventData(
                external_uid=f"{dnr}/{suffix}", title=f"{label}: {title}", start=when,
                timezone=ZONE, kind=kind, url=url, status=status,
                attrs={**attrs, "category": suffix}))
        return out


def _when(value: Any) -> datetime | date | None:
    if not value or str(value).startswith("1900-01-01"):
        return None
    parsed = parse_when(value, ["iso"], ZONE)
    if isinstance(parsed, datetime) and parsed.time() == time(0):
        return parsed.date()
    return parsed
