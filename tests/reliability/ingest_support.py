"""Writing calendars and syncing them through the real `ical` connector and store."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from calsync.clock import FixedClock
from calsync.config import load_config
from calsync.runtime import Runtime
from calsync.store.events import list_events
from calsync.sync import SyncReport

__all__ = ["calendar", "stored", "sync_file", "vevent"]


def vevent(uid: str, start: str = "20270115T090000Z", summary: str = "Sammanträde",
           extra: str = "") -> str:
    lines = ["BEGIN:VEVENT", f"UID:{uid}", "DTSTAMP:20261101T000000Z", f"DTSTART:{start}",
             f"SUMMARY:{summary}", *[x for x in extra.split("\n") if x], "END:VEVENT"]
    return "\r\n".join(lines) + "\r\n"


def calendar(*events: str) -> str:
    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n" + "".join(events)
            + "END:VCALENDAR\r\n")


def runtime(folder: Path, engine: Engine, clock: FixedClock, source: str,
            extra: str = "") -> Runtime:
    config = folder / "config.yaml"
    config.write_text(f"connectors:\n  kommun:\n    type: ical\n    {source}\n"
                      f"    level: municipal\n    actor: Vindelns kommun\n    kind: meeting\n"
                      f"    max_removal_share: 1.0\n{extra}", encoding="utf-8")
    return Runtime.from_config(load_config(config), clock=clock, engine=engine)


def sync_file(folder: Path, engine: Engine, clock: FixedClock, text: str | bytes,
              extra: str = "", **kwargs: Any) -> SyncReport:
    path = folder / "feed.ics"
    if isinstance(text, str):
        text = text.encode("utf-8")
    path.write_bytes(text)
    rt = runtime(folder, engine, clock, f"path: {path}", extra)
    [report] = asyncio.run(rt.syncer().sync_many(rt.select_connectors(), **kwargs))
    return report


def stored(engine: Engine) -> dict[str, Any]:
    with engine.connect() as conn:
        return {e.external_uid: e for e in list_events(conn)}
