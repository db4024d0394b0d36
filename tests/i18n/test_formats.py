"""Dates, day counts and numbers per language (Babel's CLDR data)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from calsync.i18n.formats import (
    format_day,
    format_days,
    format_month,
    format_number,
    format_when,
)
from calsync.i18n.languages import parse_language


def test_days() -> None:
    assert format_day(date(2027, 11, 30), "sv") == "30 november 2027"
    assert format_day(date(2027, 11, 30), "en") == "30 November 2027"
    assert format_day(date(2027, 3, 1), "sv") == "1 mars 2027"


def test_months_and_times() -> None:
    assert format_month(date(2027, 5, 3), "sv") == "maj 2027"
    assert format_month(date(2027, 5, 3), "en") == "May 2027"
    at = datetime(2027, 6, 1, 14, 5, tzinfo=ZoneInfo("Europe/Stockholm"))
    assert format_when(at, "sv") == "1 juni 2027 14:05"
    assert format_when(at, "en") == "1 June 2027 14:05"
    assert format_when(date(2027, 6, 1), "en") == "1 June 2027"


@pytest.mark.parametrize(
    ("count", "sv", "en"),
    [
        (1, "1 dag", "1 day"),
        (14, "14 dagar", "14 days"),
        (0, "0 dagar", "0 days"),
        (1500, "1\xa0500 dagar", "1,500 days"),
    ],
)
def test_day_counts(count: int, sv: str, en: str) -> None:
    assert format_days(count, "sv") == sv
    assert format_days(count, "en") == en


def test_numbers() -> None:
    assert format_number(12345.5, "sv") == "12\xa0345,5"
    assert format_number(12345.5, "en") == "12,345.5"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("sv", "sv"),
        ("SV", "sv"),
        ("sv-SE", "sv"),
        ("sv_FI", "sv"),
        ("en-GB", "en"),
        ("de", None),
        ("", None),
        (None, None),
        ("svenska", None),
    ],
)
def test_parse_language(value: str | None, expected: str | None) -> None:
    assert parse_language(value) == expected
