"""What the timeline shows, as the URL says it: filters (level, organisation, kind, tag,
date range), zoom and where, expanded municipal lanes, language. Every link and button
of the page is this view with one thing changed, so any view can be bookmarked, shared
and subscribed to: `subscribe_urls` gives the feed that returns the same events.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from dateutil.relativedelta import relativedelta
from starlette.datastructures import QueryParams

from calsync.config.schema import Config
from calsync.feeds.service import feed_urls
from calsync.i18n.languages import Language
from calsync.web.filters import split

__all__ = ["ZOOMS", "View", "org_actors", "parse_view"]

ZOOMS = ("period", "year", "quarter", "month", "week")
PERIOD_START = 2021  # EU programme periods are seven years: 2021-2027, 2028-2034, ...


def _day(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None


@dataclass(frozen=True)
class View:
    zoom: str
    at: date
    levels: tuple[str, ...] = ()
    orgs: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    start_day: date | None = None  # explicit range (from/to) instead of the zoom's
    end_day: date | None = None    # inclusive
    expand: bool = False
    alerts_org: str = ""
    lang: Language = "sv"

    # -- the time range --------------------------------------------------------------

    def span(self) -> tuple[date, date]:
        """[first day, day after the last) of what the view shows."""
        if self.start_day is not None or self.end_day is not None:
            first = self.start_day or (self.end_day or self.at) - timedelta(days=364)
            last = self.end_day or first + timedelta(days=364)
            return first, max(last, first) + timedelta(days=1)
        at = self.at
        if self.zoom == "week":
            first = at - timedelta(days=at.weekday())
            return first, first + timedelta(days=7)
        if self.zoom == "month":
            first = at.replace(day=1)
            return first, first + relativedelta(months=1)
        if self.zoom == "quarter":
            first = date(at.year, 3 * ((at.month - 1) // 3) + 1, 1)
            return first, first + relativedelta(months=3)
        if self.zoom == "period":
            year = PERIOD_START + 7 * ((at.year - PERIOD_START) // 7)
            return date(year, 1, 1), date(year + 7, 1, 1)
        return date(at.year, 1, 1), date(at.year + 1, 1, 1)

    def shifted(self, steps: int) -> View:
        """The same view one span earlier (-1) or later (+1)."""
        first, end = self.span()
        if self.start_day is not None or self.end_day is not None:
            length = end - first
            return replace(self, start_day=first + steps * length,
                           end_day=end - timedelta(days=1) + steps * length)
        return replace(self, at=first + (end - first) * steps if self.zoom == "week" else
                       first + _months(self.zoom) * steps)

    # -- the selection -----------------------------------------------------------------

    def feed_params(self, config: Config) -> list[tuple[str, str]]:
        """The feed's query: the same selection as the page (organisations as actors)."""
        first, end = self.span()
        params: list[tuple[str, str]] = []
        if self.levels:
            params.append(("level", ",".join(self.levels)))
        actors = [a for org in self.orgs for a in org_actors(config, org)]
        if actors:
            params.append(("actor", ",".join(actors)))
        if self.kinds:
            params.append(("kind", ",".join(self.kinds)))
        if self.tags:
            params.append(("tag", ",".join(self.tags)))
        params += [("from", first.isoformat()),
                   ("to", (end - timedelta(days=1)).isoformat())]
        return params

    def subscribe_urls(self, config: Config) -> dict[str, str]:
        """https (or http) and webcal:// addresses of the feed with this view's events."""
        query = urlencode(self.feed_params(config))
        urls = feed_urls(config, "all")
        return {key: f"{value}?{query}" for key, value in urls.items()}

    # -- links -----------------------------------------------------------------------

    def query(self, **changes: Any) -> str:
        """This view's query string with `changes` applied (links and buttons)."""
        view = replace(self, **changes) if changes else self
        params: list[tuple[str, str]] = [("zoom", view.zoom), ("at", view.at.isoformat())]
        for name, values in (("level", view.levels), ("org", view.orgs),
                             ("kind", view.kinds), ("tag", view.tags)):
            if values:
                params.append((name, ",".join(values)))
        if view.start_day:
            params.append(("from", view.start_day.isoformat()))
        if view.end_day:
            params.append(("to", view.end_day.isoformat()))
        if view.expand:
            params.append(("expand", "1"))
        if view.alerts_org:
            params.append(("alerts_org", view.alerts_org))
        params.append(("lang", view.lang))
        return "?" + urlencode(params)


def _months(zoom: str) -> relativedelta:
    return {"month": relativedelta(months=1), "quarter": relativedelta(months=3),
            "period": relativedelta(years=7)}.get(zoom, relativedelta(years=1))


def org_actors(config: Config, name: str) -> list[str]:
    """The actor names (and globs) an organisation's events carry."""
    org = config.organisations.get(name)
    if org is None:
        return []
    return [name, *org.bodies, *org.actors]


def parse_view(params: QueryParams, config: Config, today: date, lang: Language) -> View:
    """The view the query asks for. Unknown values are dropped (a page never fails on a
    stale bookmark); known ones are kept in the order given."""
    def many(name: str, known: object) -> tuple[str, ...]:
        values = split(params.getlist(name)) or []
        return tuple(v for v in dict.fromkeys(values) if v in known)  # type: ignore[operator]

    zoom = params.get("zoom") or "year"
    return View(
        zoom=zoom if zoom in ZOOMS else "year",
        at=_day(params.get("at")) or today,
        levels=many("level", config.levels),
        orgs=many("org", config.organisations),
        kinds=many("kind", config.kinds),
        tags=tuple(dict.fromkeys(split(params.getlist("tag")) or [])),
        start_day=_day(params.get("from")), end_day=_day(params.get("to")),
        expand=params.get("expand") in ("1", "true", "yes"),
        alerts_org=params.get("alerts_org", "")
        if params.get("alerts_org", "") in config.organisations else "",
        lang=lang)
