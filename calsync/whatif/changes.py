"""The changes a what-if tries: move an event to a date, cancel it, or add a hypothetical one.

One JSON shape serves the CLI and `POST /api/whatif`:
`{"move": UID, "to": "2027-12-15"}`, `{"cancel": UID}`, `{"add": {title, start, ...}}`.
Parsing names what is wrong (the change's position and the field) so the CLI exits 2 and
the API answers 400 with the same text.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from calsync.durations import parse_day
from calsync.errors import CalsyncError
from calsync.model import Event, EventData, Status

__all__ = [
    "Add",
    "Cancel",
    "Change",
    "Move",
    "WhatIfInputError",
    "cancelled",
    "hypothetical",
    "parse_changes",
    "parse_date",
    "shifted",
]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class WhatIfInputError(CalsyncError):
    """A what-if change the caller must correct (bad shape, malformed date, ambiguous)."""


@dataclass(frozen=True)
class Move:
    uid: str
    to: date


@dataclass(frozen=True)
class Cancel:
    uid: str


@dataclass(frozen=True)
class Add:
    data: EventData


Change = Move | Cancel | Add


def parse_date(value: Any, where: str, today: date) -> date:
    """A date the caller typed: YYYY-MM-DD, `today`, `+P90D`, `-P1Y`."""
    try:
        return parse_day(value, today)
    except ValueError as exc:
        raise WhatIfInputError(f"{where}: {exc}") from None


def _parse_when(value: Any, where: str) -> date | datetime:
    if isinstance(value, str):
        try:
            return date.fromisoformat(value) if len(value) == 10 else \
                datetime.fromisoformat(value)
        except ValueError:
            pass
    raise WhatIfInputError(f"{where}: expected YYYY-MM-DD or an ISO date-time, got {value!r}")


def _add(spec: Any, where: str) -> Add:
    if not isinstance(spec, dict) or not isinstance(spec.get("title"), str):
        raise WhatIfInputError(f"{where}: 'add' needs an object with at least 'title' and "
                               "'start' (and optionally end, level, actor, kind, tags, attrs)")
    start = _parse_when(spec.get("start"), f"{where}.start")
    end = _parse_when(spec["end"], f"{where}.end") if spec.get("end") else None
    if isinstance(start, datetime) and start.tzinfo is None:
        start = start.replace(tzinfo=UTC)
    if isinstance(end, datetime) and end.tzinfo is None:
        end = end.replace(tzinfo=UTC)
    tags = spec.get("tags") or []
    attrs = spec.get("attrs") or {}
    if not isinstance(tags, list) or not isinstance(attrs, dict):
        raise WhatIfInputError(f"{where}: 'tags' is a list and 'attrs' an object")
    try:
        data = EventData(external_uid=f"whatif-{where}", title=spec["title"], start=start,
                         end=end, level=spec.get("level"), actor=spec.get("actor"),
                         kind=spec.get("kind"), tags=tuple(str(t) for t in tags),
                         attrs={str(k): str(v) for k, v in attrs.items()})
    except (ValueError, TypeError) as exc:
        raise WhatIfInputError(f"{where}: {exc}") from None
    return Add(data)


def parse_changes(raw: Any, today: date) -> list[Change]:
    """The changes of a what-if request, in order; at least one. `today` anchors
    relative dates (`+P90D`)."""
    if not isinstance(raw, list) or not raw:
        raise WhatIfInputError("expected a non-empty list of changes: "
                               '{"move": UID, "to": DATE}, {"cancel": UID} or {"add": {...}}')
    out: list[Change] = []
    for n, spec in enumerate(raw, 1):
        where = f"change {n}"
        if isinstance(spec, dict) and isinstance(spec.get("move"), str):
            out.append(Move(spec["move"], parse_date(spec.get("to"), f"{where}.to", today)))
        elif isinstance(spec, dict) and isinstance(spec.get("cancel"), str):
            out.append(Cancel(spec["cancel"]))
        elif isinstance(spec, dict) and "add" in spec:
            out.append(_add(spec["add"], where))
        else:
            raise WhatIfInputError(f"{where}: expected 'move' (with 'to'), 'cancel' or 'add', "
                                   f"got {spec!r}")
    return out


def shifted(event: Event, to: date) -> Event:
    """`event` moved so that it starts on `to` (same time of day, same length)."""
    start = event.data.start
    first = start.date() if isinstance(start, datetime) else start
    delta = timedelta(days=(to - first).days)
    end = event.data.end
    return _with(event, event.data.with_(start=start + delta,
                                         end=end + delta if end is not None else None))


def cancelled(event: Event) -> Event:
    return _with(event, event.data.with_(status=Status.CANCELLED))


def hypothetical(data: EventData, n: int) -> Event:
    """An added event: negative id and a `whatif-N` uid, so it never meets a stored one."""
    return Event(id=-n, uid=f"whatif-{n}", source="whatif", data=data, sequence=0,
                 content_hash="", first_seen=_EPOCH, last_seen=_EPOCH, updated_at=_EPOCH)


def _with(event: Event, data: EventData) -> Event:
    return replace(event, data=data)
