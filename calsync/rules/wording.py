"""Values that a sentence writes out per language: dates and ranges, lengths, durations,
lists, and `Msg` (a catalog template with its values).

The rules' sentences (`calsync.rules.texts`, `calsync.rules.kindtexts`) are built from
these, so each is rendered in every language when a finding is made: Babel writes the
dates and numbers, the `findings` catalog the words.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Union

from babel.dates import format_date
from babel.numbers import format_decimal
from dateutil.relativedelta import relativedelta

from calsync.configtypes import Text
from calsync.i18n.catalogs import N_, translator
from calsync.i18n.formats import format_day
from calsync.i18n.languages import LANGUAGES, Language

__all__ = [
    "DAYS_SHOWN_UP_TO",
    "Days",
    "Dur",
    "Head",
    "Length",
    "Listed",
    "Msg",
    "Range",
    "Value",
    "Weekday",
    "Worded",
    "msg",
    "render",
    "shown_list",
    "two_days",
    "written",
]



DAYS_SHOWN_UP_TO = 99
"""Lengths up to this many days are said in days; longer ones in years and months."""

_HEAD_MONTH = "d MMMM"  # i18n: not text (a CLDR date pattern)
_WEEKDAY_DAY = "EEEE d MMMM y"  # i18n: not text (a CLDR date pattern)


# --- values that render per language --------------------------------------------------

@lru_cache(maxsize=8192)
def _dated(day: date, pattern: str | None, lang: Language) -> str:
    """A day as Babel writes it (`format_day` when `pattern` is None), once per day,
    pattern and language: findings repeat the same days thousands of times, and Babel
    parses its pattern and looks up its locale on every call."""
    return format_day(day, lang) if pattern is None else format_date(day, pattern, locale=lang)


@dataclass(frozen=True, slots=True)
class Range:
    """Days from `first` to `last`: `14 May 2027`, `2–30 November 2027`,
    `21 June – 13 August 2027`, `13 September 2026 – 7 September 2030`."""

    first: date
    last: date

    def render(self, lang: Language) -> str:
        if self.first == self.last:
            return _dated(self.first, None, lang)
        return f"{_head(self.first, self.last, lang)}{_dash(self.first, self.last)}" \
               f"{_dated(self.last, None, lang)}"


def _dash(first: date, last: date) -> str:
    return "–" if (first.year, first.month) == (last.year, last.month) else " – "


def _head(first: date, last: date, lang: Language) -> str:
    """The first day of a range, as much as the last day does not already say."""
    if (first.year, first.month) == (last.year, last.month):
        return str(first.day)
    if first.year == last.year:
        return _dated(first, _HEAD_MONTH, lang)
    return _dated(first, None, lang)


@dataclass(frozen=True, slots=True)
class Head:
    """The first day of a pair said with the words between (`15 October` and …)."""

    first: date
    last: date

    def render(self, lang: Language) -> str:
        return _head(self.first, self.last, lang)


@dataclass(frozen=True, slots=True)
class Weekday:
    """`Friday 12 March 2027`, `fredag 12 mars 2027`."""

    day: date

    def render(self, lang: Language) -> str:
        return _dated(self.day, _WEEKDAY_DAY, lang)


@dataclass(frozen=True, slots=True)
class Days:
    """`1 day`, `25 days`, `1.5 days` (the sign is the caller's business)."""

    n: float

    def render(self, lang: Language) -> str:
        n = abs(self.n)
        if float(n).is_integer():
            return _count(lang, "day", int(n))
        t = translator(lang, "findings")
        return t.ngettext("{count} day", "{count} days", 2).format(
            count=format_decimal(round(n, 1), locale=lang))


def _count(lang: Language, unit: str, n: int) -> str:
    """`1 year`, `2 months`: one plural message per unit (literal, so it is extracted)."""
    t = translator(lang, "findings")
    if unit == "year":
        text = t.ngettext("{count} year", "{count} years", n)
    elif unit == "month":
        text = t.ngettext("{count} month", "{count} months", n)
    elif unit == "week":
        text = t.ngettext("{count} week", "{count} weeks", n)
    elif unit == "hour":
        text = t.ngettext("{count} hour", "{count} hours", n)
    elif unit == "minute":
        text = t.ngettext("{count} minute", "{count} minutes", n)
    else:
        text = t.ngettext("{count} day", "{count} days", n)
    return text.format(count=n)


def _joined(lang: Language, parts: list[str]) -> str:
    """`1 year`, `1 year and 2 months`, `1 year, 2 months and 3 days`."""
    if len(parts) <= 1:
        return "".join(parts)
    t = translator(lang, "findings")
    return t.gettext("{rest} and {last}").format(rest=", ".join(parts[:-1]), last=parts[-1])


@dataclass(frozen=True, slots=True)
class Length:
    """How far apart two days are, as people say it: `25 days` up to three months or so,
    then years and months (`3 years and 2 months`); the days left over are dropped
    because the sentence names both dates anyway."""

    n_days: float
    first: date
    last: date

    def render(self, lang: Language) -> str:
        if abs(self.n_days) <= DAYS_SHOWN_UP_TO:
            return Days(self.n_days).render(lang)
        lo, hi = min(self.first, self.last), max(self.first, self.last)
        delta = relativedelta(hi, lo)
        parts = [_count(lang, unit, value) for value, unit in ((delta.years, "year"),
                                                               (delta.months, "month")) if value]
        return _joined(lang, parts) or Days(self.n_days).render(lang)


@dataclass(frozen=True, slots=True)
class Dur:
    """A configured duration in words: P6M is `6 months`, P1Y2M `1 year and 2 months`;
    `the_one`: `1 month` said as `the month` (the month before X)."""

    delta: relativedelta | None
    the_one: bool = False

    def render(self, lang: Language) -> str:
        d = self.delta
        if d is None:
            return Days(0).render(lang)
        weeks, rest = (d.days // 7, 0) if d.days % 7 == 0 else (0, d.days)
        values = [(abs(v), unit) for v, unit in ((d.years, "year"), (d.months, "month"),
                                                 (weeks, "week"), (rest, "day"),
                                                 (d.hours, "hour"), (d.minutes, "minute")) if v]
        if not values:
            return Days(0).render(lang)
        if self.the_one and len(values) == 1 and values[0][0] == 1:
            return _one(lang, values[0][1])
        return _joined(lang, [_count(lang, unit, v) for v, unit in values])

    def __bool__(self) -> bool:
        return bool(self.delta)


_ONE = {"year": N_("the year"), "month": N_("the month"), "week": N_("the week"),
        "day": N_("the day"), "hour": N_("the hour"), "minute": N_("the minute")}


def _one(lang: Language, unit: str) -> str:
    return translator(lang, "findings").gettext(_ONE[unit])


@dataclass(frozen=True, slots=True)
class Worded:
    """A text its source has in several languages (a built-in step's title, carried as
    the attributes `title.<lang>`, see `calsync.i18n.events`): the sentence's language
    where the source has it, else the source's own words."""

    default: str
    texts: tuple[tuple[Language, str], ...]

    def render(self, lang: Language) -> str:
        return next((text for code, text in self.texts if code == lang), self.default)


def written(value: Text) -> str | Worded:
    """A text the config gives (a rule's title, its rationale): a plain string is the same
    in every language, `{sv: ..., en: ...}` is said in the sentence's language."""
    if isinstance(value, str):
        return value
    return Worded(value.en, tuple((lang, value.get(lang)) for lang in LANGUAGES))


Value = Union[str, int, date, "Msg", Range, Head, Weekday, Days, Length, Dur, "Listed",
              Worded]


@dataclass(frozen=True, slots=True)
class Msg:
    """A text of the `findings` catalog with its values, written out per language."""

    template: str
    params: tuple[tuple[str, Value], ...] = ()

    def render(self, lang: Language) -> str:
        text = translator(lang, "findings").gettext(self.template)
        if not self.params:
            return text
        return text.format(**{k: render(v, lang) for k, v in self.params})

    def __str__(self) -> str:  # English, for logs and debugging
        return self.render("en")


def render(value: Value, lang: Language) -> str:
    """Any value of a text, written out in `lang`."""
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)  # years: 2030, never "2 030"
    if isinstance(value, date):
        return _dated(value, None, lang)
    return value.render(lang)


def msg(template: str, **params: Value) -> Msg:
    return Msg(template, tuple(params.items()))


def two_days(first: date, last: date) -> Msg:
    """`15 October and 30 November 2030` (after "between")."""
    return msg(N_("{first} and {last}"), first=Head(first, last), last=last)


@dataclass(frozen=True, slots=True)
class Listed:
    """`A; B; C and 2 more`."""

    items: tuple[Value, ...]
    limit: int = 3

    def render(self, lang: Language) -> str:
        shown = "; ".join(render(v, lang) for v in self.items[:self.limit])
        if len(self.items) <= self.limit:
            return shown
        more = len(self.items) - self.limit
        return translator(lang, "findings").ngettext(
            "{shown} and {count} more", "{shown} and {count} more", more).format(
            shown=shown, count=more)


def shown_list(labels: Sequence[Value]) -> Listed:
    return Listed(tuple(labels))
