"""The changes a what-if tries: move an event to a date, cancel it, or add a hypothetical one.

One JSON shape serves the CLI and `POST /api/whatif`:
`{"move": UID, "to": "2027-12-15"}`, `{"cancel": UID}`, `{"add": {title, start, ...}}`.
An added event may be named (`"as": "step"` in the add): a move or cancel in the same
request names it by that or by its answer UID (`whatif-1`, counted over the request),
so "add the step, then try it on another date" is one request.
Parsing names what is wrong (the change's position and the field) so the CLI exits 2 and
the API answers 400 with the same text.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from calsync.durations import parse_day
from calsync.errors import CalsyncError
from calsync.i18n.events import SOURCE_LANGUAGE, text_attrs
from calsync.i18n.languages import LANGUAGES, Language
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
# Days a what-if may name: moving an event to 0001-01-01 or 9999-12-31 overflowed while
# the rules compared dates around it (a 500); the API's filters keep the same range.
_FIRST, _LAST = date(1000, 1, 1), date(9000, 1, 1)
_RANGE = "a day between the years 1000 and 9000"


class WhatIfInputError(CalsyncError):
    """A what-if change the caller must correct (bad shape, malformed date, ambiguous)."""


@dataclass(frozen=True)
class Move:
    """Start on `to`, keeping the event's length; with `last`, span `to` to `last`
    (inclusive days): "the review is done between December and 1 March" reshapes a
    four-year span, which a plain move would only shift."""

    uid: str
    to: date
    last: date | None = None


@dataclass(frozen=True)
class Cancel:
    uid: str


@dataclass(frozen=True)
class Add:
    """A hypothetical event; `ref` (the add's `"as"`) lets later changes name it."""

    data: EventData
    ref: str | None = None


Change = Move | Cancel | Add


def parse_date(value: Any, where: str, today: date) -> date:
    """A date the caller typed: YYYY-MM-DD, `today`, `+P90D`, `-P1Y`."""
    try:
        day = parse_day(value, today)
    except ValueError as exc:
        raise WhatIfInputError(f"{where}: {exc}") from None
    except OverflowError:
        raise WhatIfInputError(f"{where}: expected {_RANGE}, got {value!r}") from None
    if not _FIRST <= day < _LAST:
        raise WhatIfInputError(f"{where}: expected {_RANGE}, got {value!r}")
    return day


def _parse_when(value: Any, where: str) -> date | datetime:
    if isinstance(value, str):
        try:
            when = date.fromisoformat(value) if len(value) == 10 else \
                datetime.fromisoformat(value)
        except ValueError:
            pass
        else:
            day = when.date() if isinstance(when, datetime) else when
            if not _FIRST <= day < _LAST:
                raise WhatIfInputError(f"{where}: expected {_RANGE}, got {value!r}")
            return when
    raise WhatIfInputError(f"{where}: expected YYYY-MM-DD or an ISO date-time, got {value!r}")


def _texts(value: Any, field: str, where: str) -> tuple[str, dict[str, str]]:
    """A title or description: one string, or `{sv: ..., en: ...}` as a schedule step
    writes it (the English is the stored text, the other languages `title.sv` attrs)."""
    if isinstance(value, str):
        return value, {}
    if isinstance(value, dict) and value and all(
            k in LANGUAGES and isinstance(v, str) for k, v in value.items()):
        texts: dict[Language, str] = {k: v for k, v in value.items() if k in LANGUAGES}
        base = texts.get(SOURCE_LANGUAGE) or next(iter(texts.values()))
        return base, text_attrs(field, {**texts, SOURCE_LANGUAGE: base})
    raise WhatIfInputError(f"{where}.{field}: expected a text or {{sv: ..., en: ...}}, "
                           f"got {value!r}")


def _span(spec: dict[str, Any], where: str) -> tuple[date | datetime, date | datetime | None]:
    """`start` (and `end`) as an API event gives them, or a schedule step's `when`:
    `{date: D}` or `{start: A, end: B}` (both days inclusive)."""
    when = spec.get("when")
    if when is None:
        start = _parse_when(spec.get("start"), f"{where}.start")
        return start, _parse_when(spec["end"], f"{where}.end") if spec.get("end") else None
    if isinstance(when, dict) and set(when) == {"date"}:
        return _parse_when(when["date"], f"{where}.when.date"), None
    if isinstance(when, dict) and set(when) == {"start", "end"}:
        first = _parse_when(when["start"], f"{where}.when.start")
        last = _parse_when(when["end"], f"{where}.when.end")
        if isinstance(last, datetime) or isinstance(first, datetime):
            return first, last
        return first, last + timedelta(days=1)
    raise WhatIfInputError(f"{where}.when: a what-if takes {{date: D}} or {{start: A, end: B}}, "
                           f"got {when!r}")


def _add(spec: Any, where: str) -> Add:
    if not isinstance(spec, dict) or "title" not in spec:
        raise WhatIfInputError(f"{where}: 'add' needs an object with at least 'title' and "
                               "'start' (or a schedule step's 'when'; optionally end, level, "
                               "actor, kind, tags, attrs, description, and 'as', a name "
                               "later changes use to move or cancel it)")
    title, title_attrs = _texts(spec["title"], "title", where)
    description, description_attrs = _texts(spec.get("description") or "", "description",
                                            where)
    start, end = _span(spec, where)
    if isinstance(start, datetime) and start.tzinfo is None:
        start = start.replace(tzinfo=UTC)
    if isinstance(end, datetime) and end.tzinfo is None:
        end = end.replace(tzinfo=UTC)
    ref = spec.get("as")
    if ref is not None and (not isinstance(ref, str) or not ref.strip()):
        raise WhatIfInputError(f"{where}.as: a name for the added event (text), got {ref!r}")
    tags = spec.get("tags") or []
    attrs = spec.get("attrs") or {}
    if not isinstance(tags, list) or not isinstance(attrs, dict):
        raise WhatIfInputError(f"{where}: 'tags' is a list and 'attrs' an object")
    try:
        data = EventData(external_uid=f"whatif-{where}", title=title, start=start,
                         end=end, level=spec.get("level"), actor=spec.get("actor"),
                         kind=spec.get("kind"), tags=tuple(str(t) for t in tags),
                         description=description,
                         attrs={**{str(k): str(v) for k, v in attrs.items()}, **title_attrs,
                                **description_attrs})
    except (ValueError, TypeError) as exc:
        raise WhatIfInputError(f"{where}: {exc}") from None
    return Add(data, ref.strip() if ref is not None else None)


def _move(spec: dict[str, Any], where: str, today: date) -> Move:
    """`{"move": UID, "to": DAY}` or `"to": "FIRST..LAST"` (the CLI's `UID=FIRST..LAST`)."""
    to = spec.get("to")
    first, sep, last = to.partition("..") if isinstance(to, str) else (to, "", "")
    start = parse_date(first, f"{where}.to", today)
    if not sep:
        return Move(spec["move"], start)
    end = parse_date(last, f"{where}.to", today)
    if end < start:
        raise WhatIfInputError(f"{where}.to: the last day {end} is before the first {start}")
    return Move(spec["move"], start, end)


def parse_changes(raw: Any, today: date, what: str = "change",
                  empty_ok: bool = False) -> list[Change]:
    """The changes of a what-if request, in order; at least one (unless `empty_ok`: the
    `given` list may be empty). `today` anchors relative dates (`+P90D`); `what` names
    the list in messages ("change 2", "given 1")."""
    if not isinstance(raw, list) or (not raw and not empty_ok):
        raise WhatIfInputError(f"expected a non-empty list of {what}s: "
                               '{"move": UID, "to": DATE}, {"cancel": UID} or {"add": {...}}')
    out: list[Change] = []
    for n, spec in enumerate(raw, 1):
        where = f"{what} {n}"
        if isinstance(spec, dict) and isinstance(spec.get("move"), str):
            out.append(_move(spec, where, today))
        elif isinstance(spec, dict) and isinstance(spec.get("cancel"), str):
            out.append(Cancel(spec["cancel"]))
        elif isinstance(spec, dict) and "add" in spec:
            out.append(_add(spec["add"], where))
        else:
            raise WhatIfInputError(f"{where}: expected 'move' (with 'to'), 'cancel' or 'add', "
                                   f"got {spec!r}")
    return out


def shifted(event: Event, to: date, last: date | None = None) -> Event:
    """`event` moved so that it starts on `to` (same time of day); the same length, or
    ending on `last` (an all-day end is exclusive: the day after `last`)."""
    start = event.data.start
    first = start.date() if isinstance(start, datetime) else start
    delta = timedelta(days=(to - first).days)
    end = event.data.end
    moved_end = end + delta if end is not None else None
    if last is not None:
        if isinstance(start, datetime):
            clock = end.timetz() if isinstance(end, datetime) else start.timetz()
            moved_end = max(datetime.combine(last, clock), start + delta)
        else:
            moved_end = last + timedelta(days=1)
    return _with(event, event.data.with_(start=start + delta, end=moved_end))


def cancelled(event: Event) -> Event:
    return _with(event, event.data.with_(status=Status.CANCELLED))


def hypothetical(data: EventData, n: int) -> Event:
    """An added event: negative id and a `whatif-N` uid, so it never meets a stored one."""
    return Event(id=-n, uid=f"whatif-{n}", source="whatif", data=data, sequence=0,
                 content_hash="", first_seen=_EPOCH, last_seen=_EPOCH, updated_at=_EPOCH)


def _with(event: Event, data: EventData) -> Event:
    return replace(event, data=data)
