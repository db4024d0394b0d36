"""The changes a what-if tries: move an event to a date, cancel it, or add a hypothetical one.

One JSON shape serves the CLI and `POST /api/whatif`:
`{"move": UID, "to": "2027-12-15"}`, `{"cancel": UID}`, `{"add": {title, start, ...}}`.
An added event may be named (`"as": "step"` in the add): a move or cancel in the same
request names it by that or by its answer UID (`whatif-1`, counted over the request),
so "add the step, then try it on another date" is one request.
Parsing names what is wrong (the change's position and the field) so the CLI exits 2 and
the API answers 400 with the same text; the error carries a catalog `Message` (its
position too: "change 2" is "ändring 2"), shown in the reader's language.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from calsync.durations import parse_day
from calsync.errors import CalsyncError
from calsync.i18n.events import SOURCE_LANGUAGE, text_attrs
from calsync.i18n.languages import LANGUAGES, Language
from calsync.i18n.messages import Message
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
_RANGE = Message("a day between the years 1000 and 9000")


class WhatIfInputError(CalsyncError):
    """A what-if change the caller must correct (bad shape, malformed date, ambiguous).

    `args[0]` is a `Message`: `str()` is the English text, `message.in_(language)` the
    reader's (the API's 400 detail, the CLI's exit-2 line)."""

    def __init__(self, message: Message) -> None:
        super().__init__(message)
        self.message = message


def at(where: Message, field: str) -> Message:
    """`where` narrowed to one of its fields: "change 2" and ".to" give "change 2.to"."""
    path = str(where.params.get("field", "")) + field
    return Message(where.template, **{**where.params, "field": path})


def position(what: str, n: int) -> Message:
    """The n-th change of the `changes` or the `given` list, as messages name it."""
    if what == "given":
        return Message("given {n}{field}", n=n, field="")
    return Message("change {n}{field}", n=n, field="")


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


def parse_date(value: Any, where: Message | str, today: date) -> date:
    """A date the caller typed: YYYY-MM-DD, `today`, `+P90D`, `-P1Y`."""
    try:
        day = parse_day(value, today)
    except ValueError:  # parse_day's one message, in the catalog with the same English
        raise WhatIfInputError(Message("{where}: expected a date as YYYY-MM-DD, 'today', or a "
                                       "duration from today such as '+P90D' or '-P1Y', "
                                       "got {value!r}", where=where, value=value)) from None
    except OverflowError:
        raise _out_of_range(where, value) from None
    if not _FIRST <= day < _LAST:
        raise _out_of_range(where, value)
    return day


def _out_of_range(where: Message | str, value: Any) -> WhatIfInputError:
    return WhatIfInputError(Message("{where}: expected {range}, got {value!r}", where=where,
                                    range=_RANGE, value=value))


def _parse_when(value: Any, where: Message) -> date | datetime:
    if isinstance(value, str):
        try:
            when = date.fromisoformat(value) if len(value) == 10 else \
                datetime.fromisoformat(value)
        except ValueError:
            pass
        else:
            day = when.date() if isinstance(when, datetime) else when
            if not _FIRST <= day < _LAST:
                raise _out_of_range(where, value)
            return when
    raise WhatIfInputError(Message("{where}: expected YYYY-MM-DD or an ISO date-time, "
                                   "got {value!r}", where=where, value=value))


def _texts(value: Any, field: str, where: Message) -> tuple[str, dict[str, str]]:
    """A title or description: one string, or `{sv: ..., en: ...}` as a schedule step
    writes it (the English is the stored text, the other languages `title.sv` attrs)."""
    if isinstance(value, str):
        return value, {}
    if isinstance(value, dict) and value and all(
            k in LANGUAGES and isinstance(v, str) for k, v in value.items()):
        texts: dict[Language, str] = {k: v for k, v in value.items() if k in LANGUAGES}
        base = texts.get(SOURCE_LANGUAGE) or next(iter(texts.values()))
        return base, text_attrs(field, {**texts, SOURCE_LANGUAGE: base})
    raise WhatIfInputError(Message("{where}: expected a text or {{sv: ..., en: ...}}, "
                                   "got {value!r}", where=at(where, f".{field}"), value=value))


def _span(spec: dict[str, Any], where: Message) -> tuple[date | datetime, date | datetime | None]:
    """`start` (and `end`) as an API event gives them, or a schedule step's `when`:
    `{date: D}` or `{start: A, end: B}` (both days inclusive)."""
    when = spec.get("when")
    if when is None:
        start = _parse_when(spec.get("start"), at(where, ".start"))
        return start, _parse_when(spec["end"], at(where, ".end")) if spec.get("end") else None
    if isinstance(when, dict) and set(when) == {"date"}:
        return _parse_when(when["date"], at(where, ".when.date")), None
    if isinstance(when, dict) and set(when) == {"start", "end"}:
        first = _parse_when(when["start"], at(where, ".when.start"))
        last = _parse_when(when["end"], at(where, ".when.end"))
        if isinstance(last, datetime) or isinstance(first, datetime):
            return first, last
        return first, last + timedelta(days=1)
    raise WhatIfInputError(Message("{where}: a what-if takes {{date: D}} or "
                                   "{{start: A, end: B}}, got {when!r}",
                                   where=at(where, ".when"), when=when))


def _add(spec: Any, where: Message) -> Add:
    if not isinstance(spec, dict) or "title" not in spec:
        raise WhatIfInputError(Message("{where}: 'add' needs an object with at least 'title' "
                                       "and 'start' (or a schedule step's 'when'; optionally "
                                       "end, level, actor, kind, tags, attrs, description, "
                                       "and 'as', a name later changes use to move or "
                                       "cancel it)", where=where))
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
        raise WhatIfInputError(Message("{where}: a name for the added event (text), "
                                       "got {ref!r}", where=at(where, ".as"), ref=ref))
    tags = spec.get("tags") or []
    attrs = spec.get("attrs") or {}
    if not isinstance(tags, list) or not isinstance(attrs, dict):
        raise WhatIfInputError(Message("{where}: 'tags' is a list and 'attrs' an object",
                                       where=where))
    try:
        data = EventData(external_uid=f"whatif-{where}", title=title, start=start,
                         end=end, level=spec.get("level"), actor=spec.get("actor"),
                         kind=spec.get("kind"), tags=tuple(str(t) for t in tags),
                         description=description,
                         attrs={**{str(k): str(v) for k, v in attrs.items()}, **title_attrs,
                                **description_attrs})
    except (ValueError, TypeError) as exc:
        raise WhatIfInputError(Message("{where}: {problem}", where=where, problem=str(exc))
                               ) from None
    return Add(data, ref.strip() if ref is not None else None)


def _move(spec: dict[str, Any], where: Message, today: date) -> Move:
    """`{"move": UID, "to": DAY}` or `"to": "FIRST..LAST"` (the CLI's `UID=FIRST..LAST`)."""
    to = spec.get("to")
    first, sep, last = to.partition("..") if isinstance(to, str) else (to, "", "")
    start = parse_date(first, at(where, ".to"), today)
    if not sep:
        return Move(spec["move"], start)
    end = parse_date(last, at(where, ".to"), today)
    if end < start:
        raise WhatIfInputError(Message("{where}: the last day {end} is before the first "
                                       "{start}", where=at(where, ".to"), end=end, start=start))
    return Move(spec["move"], start, end)


def parse_changes(raw: Any, today: date, what: str = "change",
                  empty_ok: bool = False) -> list[Change]:
    """The changes of a what-if request, in order; at least one (unless `empty_ok`: the
    `given` list may be empty). `today` anchors relative dates (`+P90D`); `what` names
    the list in messages ("change 2", "given 1")."""
    if not isinstance(raw, list) or (not raw and not empty_ok):
        if what == "given":
            raise WhatIfInputError(Message(
                'expected a list of given changes: {{"move": UID, "to": DATE}}, '
                '{{"cancel": UID}} or {{"add": {{...}}}}'))
        raise WhatIfInputError(Message(
            'expected a non-empty list of changes: {{"move": UID, "to": DATE}}, '
            '{{"cancel": UID}} or {{"add": {{...}}}}'))
    out: list[Change] = []
    for n, spec in enumerate(raw, 1):
        where = position(what, n)
        if isinstance(spec, dict) and isinstance(spec.get("move"), str):
            out.append(_move(spec, where, today))
        elif isinstance(spec, dict) and isinstance(spec.get("cancel"), str):
            out.append(Cancel(spec["cancel"]))
        elif isinstance(spec, dict) and "add" in spec:
            out.append(_add(spec["add"], where))
        else:
            raise WhatIfInputError(Message("{where}: expected 'move' (with 'to'), 'cancel' "
                                           "or 'add', got {spec!r}", where=where, spec=spec))
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
