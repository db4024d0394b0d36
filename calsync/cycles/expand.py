"""Expanding cycle definitions into dated events within a horizon.

Each occurrence gets a stable external uid: `<cycle id>/<year>` for yearly cycles (so a
corrected date updates the 2027 budget bill rather than creating a second one),
`<cycle id>/<YYYY-MM-DD>` for other recurrences, and the bare id for one-off dates.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from dateutil.rrule import rrulestr

from calsync.configtypes import Localized, Text, text_in
from calsync.cycles.catalog import Catalog, CatalogEntry
from calsync.cycles.format import PLACEHOLDER, parse_month_day
from calsync.i18n.catalogs import N_, translator
from calsync.i18n.events import SOURCE_LANGUAGE, text_attrs
from calsync.i18n.languages import LANGUAGES, Language
from calsync.model import EventData
from calsync.workdays import holiday_names, next_working_day

__all__ = ["Occurrence", "expand_entry", "occurrences"]

# Recurrences are computed over the horizon widened by this much, so that a relative
# cycle (e.g. "42 days after the Council position") still finds its anchor when the
# anchor itself lies just outside the horizon.
_MARGIN = relativedelta(years=2)


@dataclass(frozen=True, slots=True)
class Occurrence:
    key: str           # suffix of the external uid ("" for a one-off)
    start: date | datetime
    end: date | datetime | None
    title: Text | None = None  # overrides the cycle's title (holidays carry their own names)


def occurrences(catalog: Catalog, cycle_id: str, first: date, last: date,
                default_tz: str) -> list[Occurrence]:
    """Every occurrence of `cycle_id` starting in [first, last], conditions and shifts applied."""
    item = catalog.entries[cycle_id]
    entry, when = item.entry, item.entry.when
    tz = entry.timezone or item.defaults.timezone or default_tz
    found = list(_raw(catalog, item, first, last, default_tz))
    if entry.condition is not None:
        ref = entry.condition.reference
        years = {_year(o.start) for o in occurrences(
            catalog, ref, date(first.year, 1, 1), date(last.year, 12, 31), default_tz)}
        keep = entry.condition.in_years_of is not None
        found = [o for o in found if (_year(o.start) in years) == keep]
    if entry.shift == "next_working_day":
        found = [_shifted(o, item.defaults.calendar) for o in found]
    if when.time is not None:
        found = [_timed(o, when.time, tz, when.duration) for o in found]
    return found


def expand_entry(catalog: Catalog, cycle_id: str, first: date, last: date,
                 default_tz: str) -> Iterator[EventData]:
    """The events of one cycle whose span overlaps [first, last]."""
    item = catalog.entries[cycle_id]
    entry, defaults = item.entry, item.defaults
    tz = entry.timezone or defaults.timezone or default_tz
    descriptions = {lang: _description(item, lang) for lang in LANGUAGES}
    own = {**entry.attrs, **entry.step_attrs()}
    attrs = {"cycle": entry.id, "precision": entry.precision, "certainty": entry.certainty,
             "legal_status": entry.legal_status, **own}
    dated_attrs = any("{" in v for v in own.values())  # e.g. budget_year: "{next_year}"
    url = entry.url or next((s.url for s in entry.sources if s.url), None)
    tags = tuple(dict.fromkeys([*defaults.tags, *entry.tags]))
    for occ in occurrences(catalog, cycle_id, first - _MARGIN, last, default_tz):
        if _last_day(occ) < first or _day(occ.start) > last:
            continue
        year = _year(occ.start)
        titles = {lang: _for_year(text_in(occ.title or entry.title, lang), year)
                  for lang in LANGUAGES}
        own_attrs = {k: _for_year(v, year) for k, v in attrs.items()} if dated_attrs else attrs
        yield EventData(
            external_uid=f"{entry.id}/{occ.key}" if occ.key else entry.id,
            title=titles[SOURCE_LANGUAGE],
            start=occ.start,
            end=occ.end,
            timezone=tz,
            level=entry.level or defaults.level,
            actor=entry.actor or defaults.actor,
            kind=entry.kind or defaults.kind,
            description=descriptions[SOURCE_LANGUAGE],
            url=url,
            location=entry.location,
            tags=tags,
            status=entry.effective_status(),
            attrs={**own_attrs, **text_attrs("title", titles),
                   **text_attrs("description", descriptions)},
        )


def _raw(catalog: Catalog, item: CatalogEntry, first: date, last: date,
         default_tz: str) -> Iterator[Occurrence]:
    when = item.entry.when
    one_day = timedelta(days=1)
    match when.shape:
        case "date":
            assert when.date is not None
            yield Occurrence("", when.date, when.date + _days(when.duration, one_day))
        case "start":
            assert when.start is not None and when.end is not None
            yield Occurrence("", when.start, when.end + one_day)
        case "dates":
            for d in when.dates or []:
                yield Occurrence(d.isoformat(), d, d + _days(when.duration, one_day))
        case "rrule":
            assert when.rrule is not None and when.dtstart is not None
            rule = rrulestr(when.rrule, dtstart=datetime.combine(when.dtstart, time(0)))
            days = [m.date() for m in rule.between(_dt(first - _MARGIN), _dt(last), inc=True)]
            # One occurrence a year is keyed by its year, so a corrected date is an update.
            years = [d.year for d in days]
            by_year = len(set(years)) == len(years) and "FREQ=YEARLY" in when.rrule.upper()
            for d in days:
                key = str(d.year) if by_year else d.isoformat()
                yield Occurrence(key, d, d + _days(when.duration, one_day))
        case "window":
            assert when.window is not None
            m1, d1 = parse_month_day(when.window.from_)
            m2, d2 = parse_month_day(when.window.to)
            for year in range(max(first.year - 1, when.since or 0), last.year + 1):
                if when.until is not None and year > when.until:
                    break
                start = _safe_date(year, m1, d1)
                end_year = year + 1 if (m2, d2) < (m1, d1) else year
                yield Occurrence(str(year), start, _safe_date(end_year, m2, d2) + one_day)
        case "relative":
            assert when.relative is not None
            rel = when.relative
            for anchor in occurrences(catalog, rel.to, first - _MARGIN, last, default_tz):
                start = anchor.start + rel.offset
                if when.duration is not None:
                    end: date | datetime | None = start + when.duration
                elif isinstance(start, datetime):
                    end = None
                else:
                    end = start + one_day
                yield Occurrence(anchor.key, start, end)
        case "holidays":
            assert when.holidays is not None
            spec = when.holidays
            for year in range(first.year, last.year + 1):
                names = holiday_names(spec.country, year, tuple(spec.categories), spec.language)
                swedish = holiday_names(spec.country, year, tuple(spec.categories), "sv")
                for d in sorted(names):
                    title = Localized(sv=swedish.get(d, names[d]), en=names[d])
                    yield Occurrence(d.isoformat(), d, d + one_day, title)
        case _:  # pragma: no cover - When validates the shape
            raise AssertionError(when.shape)


def _shifted(occ: Occurrence, country: str) -> Occurrence:
    if isinstance(occ.start, datetime):
        return occ
    moved = next_working_day(occ.start, country)
    if moved == occ.start:
        return occ
    delta = moved - occ.start
    end = occ.end + delta if occ.end is not None else None
    return Occurrence(occ.key, moved, end, occ.title)


def _timed(occ: Occurrence, hhmm: str, tz: str, duration: relativedelta | None) -> Occurrence:
    if isinstance(occ.start, datetime):
        return occ
    hour, minute = (int(x) for x in hhmm.split(":"))
    start = datetime.combine(occ.start, time(hour, minute), ZoneInfo(tz))
    end = start + duration if duration is not None else None
    return Occurrence(occ.key, start, end, occ.title)


def _for_year(text: str, year: int) -> str:
    """Fill the year placeholders of a title or attribute ({year}, {next_year}, {prev_year})."""
    if "{" not in text:
        return text
    values = {"year": year, "next_year": year + 1, "prev_year": year - 1}
    return PLACEHOLDER.sub(lambda m: str(values.get(m.group(1), m.group(0))), text)


# The lines every built-in cycle's description has (the message catalog translates them).
_PRECISION = {
    "no_later_than": N_("Date: no later than this date."),
    "approximate": N_("Date: approximate."),
    "observed": N_("Date: observed in practice."),
    "target": N_("Date: political target."),
}
_NO_LATER_THAN_SPAN = N_("Date: no later than the end of this period.")
_CERTAINTY = {"high": N_("high"), "medium": N_("medium"), "low": N_("low")}
_LEGAL_STATUS = {
    "in_force": N_("in force"), "proposed": N_("proposed"),
    "political_target": N_("political target"), "observed_practice": N_("observed practice"),
    "historical": N_("historical"), "convention": N_("convention"),
}


def _description(item: CatalogEntry, language: Language) -> str:
    entry = item.entry
    t = translator(language, "calsync")
    own = text_in(entry.description, language).strip()
    lines = [own] if own else []
    spans = entry.when.shape in ("window", "start") or entry.when.duration is not None
    if entry.precision == "no_later_than" and spans:
        lines.append(t.gettext(_NO_LATER_THAN_SPAN))
    elif entry.precision in _PRECISION:
        lines.append(t.gettext(_PRECISION[entry.precision]))
    lines.append(t.gettext("Certainty: {certainty}; status: {status}.").format(
        certainty=t.gettext(_CERTAINTY[entry.certainty]),
        status=t.gettext(_LEGAL_STATUS[entry.legal_status])))
    if entry.verify:
        lines.append(t.gettext("To verify: {what}").format(what=entry.verify))
    if entry.sources:
        lines.append(t.gettext("Sources:"))
        lines.extend(f"- {source}" for source in entry.sources)
    return "\n".join(lines)


def _days(duration: relativedelta | None, default: timedelta) -> relativedelta | timedelta:
    return duration if duration is not None else default


def _safe_date(year: int, month: int, day: int) -> date:
    if month == 2 and day == 29:
        try:
            return date(year, 2, 29)
        except ValueError:
            return date(year, 2, 28)
    return date(year, month, day)


def _dt(d: date) -> datetime:
    return datetime.combine(d, time(0))


def _last_day(occ: Occurrence) -> date:
    """The last day an occurrence covers: all-day ends are exclusive, instants inclusive."""
    if occ.end is None:
        return _day(occ.start)
    if isinstance(occ.end, datetime):
        return _day(occ.end)
    return max(occ.end - timedelta(days=1), _day(occ.start))


def _day(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def _year(value: date | datetime) -> int:
    return value.year
