"""Dates, durations and numbers written the way each language writes them, through Babel.

Month names and number formats come from CLDR (Babel's data), never from tables of our
own: `format_day(date(2027, 11, 30), "sv")` is "30 november 2027", in English "30 November
2027" (day first in both: the pilot's readers are Swedish, and it is unambiguous). A count
of days is a plural message of the `calsync` catalog ("14 dagar"), because CLDR's Swedish
unit for a duration in days is "dygn" (a 24-hour period), which is not how a deadline
"14 dagar" reads.
"""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal

from babel.dates import format_date, format_time
from babel.numbers import format_decimal

from calsync.i18n.catalogs import translator
from calsync.i18n.languages import Language

__all__ = ["format_day", "format_days", "format_month", "format_month_short", "format_number",
           "format_when"]

_DAY = "d MMMM y"  # i18n: not text (CLDR date patterns; Babel fills in the names)
_MONTH = "LLLL y"  # i18n: not text
_MONTH_SHORT = "LLL"  # i18n: not text


def format_day(day: date, language: Language) -> str:
    """ "30 november 2027" / "30 November 2027"."""
    return format_date(day, _DAY, locale=language)


def format_month(day: date, language: Language) -> str:
    """ "november 2027" / "November 2027" (a month as a heading)."""
    return format_date(day, _MONTH, locale=language)


def format_month_short(day: date, language: Language) -> str:
    """ "okt." / "Oct": a month on a time axis, as CLDR abbreviates it standing alone."""
    return format_date(day, _MONTH_SHORT, locale=language)


def format_when(value: date | datetime, language: Language) -> str:
    """A day, or a day and a time of day in the value's own zone: "30 november 2027 14:00"."""
    if not isinstance(value, datetime):
        return format_day(value, language)
    clock: time = value.timetz()
    return f"{format_day(value.date(), language)} {format_time(clock, 'HH:mm', locale=language)}"


def format_days(count: int, language: Language) -> str:
    """ "14 dagar" / "14 days", "1 dag" / "1 day"."""
    t = translator(language, "calsync")
    return t.ngettext("{count} day", "{count} days", count).format(
        count=format_number(count, language)
    )


def format_number(value: int | float | Decimal, language: Language) -> str:
    """ "12 345,5" / "12,345.5"."""
    return format_decimal(value, locale=language)
