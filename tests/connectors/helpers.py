"""Running one connector's fetch against the recording server, without a store."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from calsync.clock import FixedClock
from calsync.config import load_config
from calsync.model import EventData
from calsync.runtime import build_connectors
from calsync.sdk.contract import Bookmark, Connector, FetchContext, Horizon, NotModified, Snapshot
from calsync.sdk.http import make_client
from tests.conftest import NOW

HORIZON = Horizon(datetime(2021, 11, 29, tzinfo=UTC), datetime(2036, 11, 29, tzinfo=UTC))


def connector(tmp_path: Path, type_name: str, options: str) -> Connector:
    body = "\n".join("    " + line for line in options.strip().splitlines())
    path = tmp_path / "config.yaml"
    path.write_text(f"connectors:\n  src:\n    type: {type_name}\n    timeout: 1\n{body}\n",
                    encoding="utf-8")
    return build_connectors(load_config(path))["src"]


def fetch(conn: Connector, bookmark: Bookmark | None = None) -> Snapshot | NotModified:
    async def run() -> Snapshot | NotModified:
        async with make_client() as http:
            return await conn.fetch(FetchContext(http, FixedClock(NOW), bookmark or Bookmark(),
                                                 HORIZON))

    return asyncio.run(run())


def events(conn: Connector, bookmark: Bookmark | None = None) -> list[EventData]:
    snapshot = fetch(conn, bookmark)
    assert isinstance(snapshot, Snapshot)
    return [e for r in snapshot.records for e in conn.to_events(r, HORIZON)]


def by_uid(found: list[EventData]) -> dict[str, Any]:
    return {e.external_uid: e for e in found}
