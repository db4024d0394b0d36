"""Working days: weekends and public holidays (Sweden by default, via `holidays`).

Swedish statutory deadlines that fall on a non-working day move to the next working
day; rules about consultations count working days. Both need the same calendar, so it
lives here once. "Holidays" are the public ones plus the de-facto days the law treats
alike (Midsummer Eve, Christmas Eve, New Year's Eve).
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays

__all__ = ["holiday_names", "is_working_day", "next_working_day", "working_days_between"]

DEFAULT_CATEGORIES = ("public", "de_facto")


@lru_cache(maxsize=256)
def holiday_names(country: str, year: int,
                  categories: tuple[str, ...] = DEFAULT_CATEGORIES,
                  language: str | None = None) -> dict[date, str]:
    """Holidays of `country` in `year` (without ordinary Sundays), date -> name."""
    table = holidays.country_holidays(country, years=year, categories=categories,
                                      language=language)
    return {d: str(n) for d, n in table.items()}


def is_working_day(day: date, country: str = "SE") -> bool:
    return day.weekday() < 5 and day not in holiday_names(country, day.year)


def next_working_day(day: date, country: str = "SE") -> date:
    """`day` itself if it is a working day, else the first working day after it."""
    while not is_working_day(day, country):
        day += timedelta(days=1)
    return day


def working_days_between(start: date, end: date, country: str = "SE") -> int:
    """Working days in [start, end)."""
    count, day = 0, start
    while day < end:
        count += is_working_day(day, country)
        day += timedelta(days=1)
    return count
