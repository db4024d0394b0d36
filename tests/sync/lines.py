"""A connector that streams its records (for the sync's batch tests): one JSON object per
line of an HTTP body, parsed lazily while the sync plans, so a line that cannot be read
half-way through fails the sync after earlier batches were already planned. Not a mock:
it runs through the real registry (`type: tests.sync.lines:LinesConnector`), HTTP
client, sync and store."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from calsync.errors import FeedParseError
from calsync.model import EventData
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


class LinesOptions(Options):
    url: str


class LinesConnector(BaseConnector):
    """Events from JSON lines: {"id", "title", "start"} each."""

    type = "tests.sync.lines:LinesConnector"
    title = "JSON lines over HTTP (tests)"
    Options = LinesOptions

    async def fetch(self, ctx: FetchContext) -> Snapshot | NotModified:
        assert isinstance(self.options, LinesOptions)
        response = await ctx.http.get(self.options.url)
        response.raise_for_status()
        return Snapshot(_records(response.text), payload_hash=record_key(response.content))

    def to_events(self, record: Record, horizon: Horizon) -> Iterable[EventData]:
        item: dict[str, Any] = record.data
        return [EventData(external_uid=item["id"], title=item["title"],
                          start=datetime.fromisoformat(item["start"]),
                          timezone="Europe/Stockholm")]


def _records(text: str) -> Iterator[Record]:
    for number, line in enumerate(text.splitlines(), 1):
        try:
            item = json.loads(line)
        except ValueError:
            raise FeedParseError(f"line {number} is not JSON") from None
        yield Record(record_key(line), item, identity=item["id"])
