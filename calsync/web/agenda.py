"""`GET /api/agenda`: the agenda of `calsync agenda` over HTTP, the same JSON (or Markdown
and iCalendar with `format=`). Open like the other read endpoints; events only private
feeds select are left out. Bad values are a 422 naming the parameter."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from fastapi.exceptions import RequestValidationError

from calsync.agenda.build import build_agenda
from calsync.agenda.render import agenda_calendar, agenda_markdown
from calsync.clock import local_today
from calsync.config.organisations import unknown_organisation
from calsync.durations import parse_day, parse_duration
from calsync.web.deps import Conn, RuntimeDep
from calsync.web.filters import Multi, adhoc_selector, query_language

__all__ = ["router"]

router = APIRouter(tags=["timeline"])


def _bad(name: str, value: Any, message: str) -> RequestValidationError:
    return RequestValidationError([{"loc": ("query", name), "input": value,
                                    "msg": message, "type": "value_error"}])


# Days the agenda accepts: well inside what datetime holds once shifted to UTC and widened
# by a day either side (0001-01-01 or 9999-12-31 would overflow: a 422, never a 500).
_FIRST_DAY, _LAST_DAY = date(1000, 1, 1), date(9000, 1, 1)
_OUT_OF_RANGE = "a day between the years 1000 and 9000"


def _day(name: str, value: str, today: date) -> date:
    try:
        day = parse_day(value, today)
    except (ValueError, OverflowError) as exc:
        raise _bad(name, value[:40], str(exc)) from None
    return _in_range(name, value, day)


def _in_range(name: str, value: str, day: date) -> date:
    plain = day.date() if isinstance(day, datetime) else day  # `-PT1H`: a day, not an instant
    if not _FIRST_DAY <= plain <= _LAST_DAY:
        raise _bad(name, value[:40], _OUT_OF_RANGE)
    return plain


@router.get("/api/agenda", responses={200: {"content": {"text/calendar": {},
                                                        "text/markdown": {}}}})
def agenda_endpoint(
        runtime: RuntimeDep, conn: Conn,
        org: Annotated[str | None, Query(description="An organisation under "
                                                     "`organisations:` (its events only).")
                       ] = None,
        actor: Multi = None, level: Multi = None, kind: Multi = None, tag: Multi = None,
        from_: Annotated[str, Query(alias="from", description="First day: 2026-12-01, "
                                    "today, +P7D, -P1M.")] = "today",
        to: Annotated[str | None, Query(description="Last day, inclusive (the same forms); "
                                                    "instead of `next`.")] = None,
        next_: Annotated[str, Query(alias="next", description="How far ahead of `from` "
                                    "(ISO-8601 duration).")] = "P90D",
        format_: Annotated[str, Query(alias="format", pattern="^(json|ics|md)$")] = "json",
        lang: Annotated[str | None, Query(description="Language of the misalignments' "
                                                      "texts and the Markdown and iCalendar "
                                                      "words: sv or en (default: the "
                                                      "config's).")] = None,
) -> Any:
    """Upcoming deadlines, decisions and meetings in date order, each with the open
    misalignments (firing alerts) that involve it."""
    config = runtime.config
    language = query_language(lang) or config.language
    now = runtime.clock.now()
    if org is not None and (why := unknown_organisation(config.organisations, org)):
        raise _bad("org", org, why)
    selector = adhoc_selector(config, level=level, actor=actor, kind=kind, tag=tag)
    today = local_today(now, config.timezone)
    start = _day("from", from_, today)
    if to is not None:
        end = _day("to", to, today)
    else:
        try:
            end = _in_range("next", next_, start + parse_duration(next_.lstrip("+")))
        except (ValueError, OverflowError) as exc:
            raise _bad("next", next_[:40], str(exc) or _OUT_OF_RANGE) from None
    if end < start:
        raise _bad("to" if to is not None else "next", to or next_,
                   f"the last day {end} is before the first day {start}")
    agenda = build_agenda(conn, config, start=start, end=end, now=now, selector=selector,
                          organisation=org, public_only=True, language=language)
    if format_ == "ics":
        return Response(agenda_calendar(agenda, language, config.level_titles(language)),
                        media_type="text/calendar; charset=utf-8")
    if format_ == "md":
        return Response(agenda_markdown(agenda, language),
                        media_type="text/markdown; charset=utf-8")
    return agenda.as_dict()
