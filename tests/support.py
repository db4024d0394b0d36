"""A connector for testing the sync engine: it reads a JSON file on every fetch, so a
test changes "the upstream" by rewriting the file. Not a mock: it runs through the real
registry (`type: tests.support:FileConnector`), sync, store and feeds."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path
from typing import Any

from calsync.errors import FatalFetchError, RetriableFetchError
from calsync.model import EventData, Status
from calsync.sdk.contract import (
    BaseConnector,
    FetchContext,
    Horizon,
    NotModified,
    Options,
    Record,
    Snapshot,
    record_key,
)


class FileOptions(Options):
    file: str


class FileConnector(BaseConnector):
    """Events from a JSON file: a list of {id, title, start, end?, status?, tags?}, or
    {"fail": "retriable" | "fatal"} to make the fetch fail."""

    type = "tests.support:FileConnector"
    title = "JSON file (tests)"
    Options = FileOptions

    async def fetch(self, ctx: FetchContext) -> Snapshot | NotModified:
        assert isinstance(self.options, FileOptions)
        raw = self.resolve(self.options.file).read_text(encoding="utf-8")
        payload = json.loads(raw)
        if isinstance(payload, dict) and payload.get("fail") == "retriable":
            raise RetriableFetchError("upstream answered 503", connector=self.name,
                                      status=503, retry_after=120)
        if isinstance(payload, dict) and payload.get("fail") == "fatal":
            raise FatalFetchError("upstream answered 404", connector=self.name, status=404)
        records = [Record(record_key(json.dumps(item, sort_keys=True)), item) for item in payload]
        return Snapshot(records, payload_hash=record_key(raw))

    def to_events(self, record: Record, horizon: Horizon) -> Iterable[EventData]:
        item: dict[str, Any] = record.data
        return [EventData(
            external_uid=item["id"], title=item["title"], start=_when(item["start"]),
            end=_when(item["end"]) if item.get("end") else None,
            timezone=item.get("timezone", "Europe/Stockholm"),
            status=Status(item.get("status", "confirmed")), tags=tuple(item.get("tags", ())),
            attrs=item.get("attrs", {}), source_fields=item)]


def _when(value: str) -> date | datetime:
    return datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)


def write_events(path: Path, events: list[dict[str, Any]] | dict[str, Any]) -> None:
    path.write_text(json.dumps(events), encoding="utf-8")
