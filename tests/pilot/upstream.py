"""The pilot's upstreams as they publish: an iCal feed in the shape of a real municipal
budget-process feed and a JSON meeting API in the OParl shape, both from
`tests/pilot/shapes/` (copied from `../shared/fixtures/sources/`, see the README there).

A test describes what each upstream publishes with `Item`s; `publish()` writes the bodies
and a `meta.json` into a folder that `tests.server.RecordingServer.use_folder` serves on
127.0.0.1, at the paths the pilot's example connectors are pointed to.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

SHAPES = Path(__file__).resolve().parent / "shapes"
ICS_SHAPE = SHAPES / "simrishamn_budgetprocess_excerpt.ics"
OPARL_SHAPE = SHAPES / "oparl_meeting_augsburg.json"
STOCKHOLM = ZoneInfo("Europe/Stockholm")

# Where the example connectors of config.yaml read (their `url:` is rewritten to these).
PATHS = {"kommun-beslut": "/vasterbotten/beslut.ics",
         "region-moten": "/region/oparl/meetings",
         "eu-projekt": "/region/eu-projekt.ics"}

# ORGANIZER values of the shared municipal feed, and OParl organization ids of the region.
ORGANISERS = {"Vindeln": "Vindelns kommun", "Umeå": "Umeå kommun",
              "Lycksele": "Lycksele kommun", "Skellefteå": "Skellefteå kommun",
              "Tillväxtverket": "Tillväxtverket", "Interreg Aurora": "Interreg Aurora",
              "Region": "Region Västerbotten EU-kontor"}
BODIES = {"RUN": "regionala-utvecklingsnamnden", "RF": "regionfullmaktige",
          "RS": "regionstyrelsen", "SFP": "strukturfondspartnerskapet"}


@dataclass(frozen=True)
class Item:
    """One published item: a VEVENT of an iCal feed or a Meeting of the OParl API."""

    feed: str                   # a key of PATHS
    title: str
    start: str                  # YYYY-MM-DD
    end: str | None = None      # inclusive last day (None: one day)
    description: str = ""
    organizer: str | None = None    # iCal: a key of ORGANISERS; OParl: a key of BODIES
    state: str = "planerat"          # OParl meetingState


@dataclass
class Upstreams:
    """What every upstream publishes in one case."""

    items: list[Item] = field(default_factory=list)

    def of(self, feed: str) -> list[Item]:
        return [i for i in self.items if i.feed == feed]


def _ics_header() -> list[str]:
    """The calendar properties of the shape file, with its own NAME replaced."""
    lines = ICS_SHAPE.read_text(encoding="utf-8").splitlines()
    head = lines[:lines.index("BEGIN:VEVENT")]
    return [line for line in head if line and not line.startswith(("NAME:", "X-PROVENANCE"))]


def _ics_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;")


def ics(items: list[Item], name: str) -> str:
    """An iCal feed shaped like the Simrishamn budget-process feed: all-day VALUE=DATE
    events with SUMMARY and DESCRIPTION and neither UID nor DTSTAMP (the connector derives
    stable ids), plus ORGANIZER (who decides) and DTEND for multi-day items."""
    out = [*_ics_header(), f"NAME:{name}"]
    for item in items:
        out += ["BEGIN:VEVENT", f"DTSTART;VALUE=DATE:{item.start.replace('-', '')}"]
        if item.end is not None:
            last = date.fromisoformat(item.end) + timedelta(days=1)
            out.append(f"DTEND;VALUE=DATE:{last.strftime('%Y%m%d')}")
        out.append(f"SUMMARY:{_ics_escape(item.title)}")
        if item.description:
            out.append(f"DESCRIPTION:{_ics_escape(item.description)}")
        if item.organizer is not None:
            cn = ORGANISERS[item.organizer]
            out.append(f'ORGANIZER;CN="{cn}":mailto:kalender@example.invalid')
        out.append("END:VEVENT")
    out.append("END:VCALENDAR")
    return "\r\n".join(out) + "\r\n"


def _shape_meeting() -> dict[str, Any]:
    shape: dict[str, Any] = json.loads(OPARL_SHAPE.read_text(encoding="utf-8"))
    return {k: v for k, v in shape.items() if not k.startswith("_")}


def _local(day: date, at: time) -> str:
    """An OParl date-time: Swedish wall-clock time with its UTC offset."""
    return datetime.combine(day, at, STOCKHOLM).isoformat()


def oparl(items: list[Item], base: str) -> dict[str, Any]:
    """An OParl 1.1 meeting list (`data` plus `pagination` and `links`) whose Meeting
    objects have exactly the keys of the shape file, plus `web` (a spec property);
    meetings run from 09:00 on the first day to 16:00 on the last, Swedish time."""
    shape = _shape_meeting()
    data = []
    for n, item in enumerate(items, start=1):
        first = date.fromisoformat(item.start)
        last = date.fromisoformat(item.end or item.start)
        meeting = dict(shape)
        meeting.update({
            "id": f"{base}/oparl/meetings?id={n}",
            "name": item.title,
            "meetingState": item.state,
            "cancelled": item.state == "inställt",
            "start": _local(first, time(9, 0)),
            "end": _local(last, time(16, 0)),
            "organization": [f"{base}/oparl/organizations?id={BODIES[item.organizer or 'RS']}"],
            "web": f"{base}/moten/{n}",
        })
        data.append(meeting)
    return {"data": data,
            "pagination": {"totalElements": len(data), "elementsPerPage": max(len(data), 1),
                           "currentPage": 1, "totalPages": 1},
            "links": {}}


def publish(folder: Path, upstreams: Upstreams, base: str) -> Path:
    """Write every upstream's body and the `meta.json` routing requests to them."""
    folder.mkdir(parents=True, exist_ok=True)
    bodies = {
        "kommun-beslut": ("beslut.ics", "text/calendar; charset=utf-8",
                          ics(upstreams.of("kommun-beslut"), "Kommunernas beslut")),
        "eu-projekt": ("eu-projekt.ics", "text/calendar; charset=utf-8",
                       ics(upstreams.of("eu-projekt"), "EU-kontorets kalender")),
        "region-moten": ("meetings.json", "application/json",
                         json.dumps(oparl(upstreams.of("region-moten"), base),
                                    ensure_ascii=False)),
    }
    responses = []
    for feed, (file, content_type, body) in bodies.items():
        (folder / file).write_text(body, encoding="utf-8")
        responses.append({"match": {"path": PATHS[feed]}, "status": 200,
                          "headers": {"Content-Type": content_type}, "body": file})
    (folder / "meta.json").write_text(json.dumps({"responses": responses}), encoding="utf-8")
    return folder
