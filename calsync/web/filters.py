"""Query-string filters shared by the feeds and the JSON API.

Every filter becomes a `Selector` (the one model calsync uses to pick events). Values
are checked against the config (known levels, kinds, statuses) and a bad value is a 422
naming the parameter, the value and what would be accepted.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import Query
from fastapi.exceptions import RequestValidationError

from calsync.clock import local_today
from calsync.config.schema import Config
from calsync.durations import parse_day, parse_duration
from calsync.model import Status
from calsync.selectors import Selector

__all__ = ["MAX_ROW_ID", "Multi", "adhoc_selector", "parse_when", "split"]

MAX_VALUE = 500  # characters in one filter value; a 60 KB tag made the database give up
MAX_ROW_ID = 2**31 - 1  # ids are 32-bit integers on PostgreSQL; larger ones exist nowhere
# Instants the API accepts: well inside what datetime and both databases can hold, so
# 0001-01-01 in Europe/Stockholm (before year 1 in UTC) is a 422, not an OverflowError.
_EARLIEST = datetime(1000, 1, 1, tzinfo=UTC)
_LATEST = datetime(9000, 1, 1, tzinfo=UTC)

Multi = Annotated[list[str] | None, Query(description="Repeat the parameter or give a "
                                                      "comma-separated list (any of).")]


def split(values: list[str] | None) -> list[str] | None:
    if not values:
        return None
    out = [part.strip() for value in values for part in value.split(",") if part.strip()]
    return out or None


def _problem(name: str, value: Any, message: str) -> dict[str, Any]:
    return {"loc": ("query", name), "input": value, "msg": message, "type": "value_error"}


def adhoc_selector(config: Config, *, level: list[str] | None = None,
                   actor: list[str] | None = None, kind: list[str] | None = None,
                   tag: list[str] | None = None, status: list[str] | None = None,
                   source: list[str] | None = None) -> Selector | None:
    """The filters as a Selector (None when there are none); unknown values are a 422."""
    problems = []
    for name, given in (("level", level), ("actor", actor), ("kind", kind), ("tag", tag),
                        ("status", status), ("source", source)):
        for value in given or []:
            if len(value) > MAX_VALUE:
                problems.append(_problem(name, value[:40] + "…",
                                         f"longer than {MAX_VALUE} characters"))
    if problems:
        raise RequestValidationError(problems)
    levels, kinds, statuses, sources = split(level), split(kind), split(status), split(source)
    for value in levels or []:
        if value not in config.levels:
            problems.append(_problem("level", value,
                                     f"unknown level; known: {', '.join(config.levels)}"))
    for value in kinds or []:
        if value not in config.kinds:
            problems.append(_problem("kind", value,
                                     f"unknown kind; known: {', '.join(config.kinds)}"))
    known_status = [s.value for s in Status]
    for value in statuses or []:
        if value not in known_status:
            problems.append(_problem("status", value,
                                     f"unknown status; known: {', '.join(known_status)}"))
    for value in sources or []:
        if value not in config.connectors:
            problems.append(_problem("source", value, "unknown source; known: "
                                     + ", ".join(config.connectors)))
    if problems:
        raise RequestValidationError(problems)
    tags = split(tag)
    selector = Selector.model_validate({
        "level": levels, "actor": split(actor), "kind": kinds, "status": statuses,
        "tags": {"any": tags} if tags else None, "source": sources})
    return None if selector.is_empty() else selector


def parse_when(name: str, value: str | None, tz: str, *, now: datetime | None = None,
               end_of_day: bool = False, since: bool = False) -> datetime | None:
    """A query value as an aware instant: `2026-12-01` (midnight in `tz`, or the end of
    that day), `2026-12-01T09:00` (in `tz`), `2026-12-01T09:00+01:00`; when `now` is given
    also a day relative to today in `tz` (`today`, `+P90D`, `-P1Y`: the CLI's forms, one
    parser in `calsync.durations.parse_day`), and with `since` a bare duration back from
    now (`P7D`: a week ago). Anything else, or an instant outside the years 1000–9000, is
    a 422 naming the parameter and the value."""
    if value is None or value == "":
        return None
    text = value.strip()
    accepted = "a date (2026-12-01), a date-time (2026-12-01T09:00+01:00)"
    if now is not None:
        accepted += ", today or a duration from today (+P90D, -P1Y)"
    if since:
        accepted += " or a duration back from now (P7D)"
    try:
        moment = _when(text, tz, now, end_of_day, since)
    except (ValueError, OverflowError):
        moment = None
    if moment is None or not _EARLIEST <= moment <= _LATEST:
        raise RequestValidationError([_problem(
            name, value[:40], f"expected {accepted}, between the years 1000 and 9000; "
                              f"got {value[:40]!r}")])
    return moment


def _when(text: str, tz: str, now: datetime | None, end_of_day: bool,
          since: bool) -> datetime:
    if now is not None and since and text.upper().startswith("P"):
        return now - parse_duration(text)
    if now is not None and (text.lower() == "today" or text[:2].upper() in ("+P", "-P")):
        day = parse_day(text, local_today(now, tz))
    elif len(text) == 10:
        day = date.fromisoformat(text)
    else:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=ZoneInfo(tz))
        return parsed.astimezone(UTC)
    moment = datetime.combine(day, time.max if end_of_day else time.min, ZoneInfo(tz))
    return moment.astimezone(UTC)
