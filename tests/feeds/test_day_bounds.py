"""`DayBounds` gives what `bounds_for` gives at every instant: kept for the rest of a UTC day
only where the settings are whole days and the instant is in UTC, computed again on the
next day, and never kept for settings with a part below a day or an instant elsewhere."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from dateutil.relativedelta import FR, relativedelta

from calsync.durations import parse_duration
from calsync.feeds.window import DayBounds, Window, bounds_for, whole_days

DAY = datetime(2027, 3, 31, tzinfo=UTC)  # month ends clamp: P1M back is 28 February
INSTANTS = [DAY + timedelta(hours=h, minutes=m) for h in (0, 1, 11, 12, 13, 23)
            for m in (0, 1, 59)] + [DAY + timedelta(days=1) - timedelta(microseconds=1)]
SETTINGS = [
    (Window(), relativedelta(days=30)),
    (Window(parse_duration("P1Y"), parse_duration("P3Y")), parse_duration("P30D")),
    (Window(relativedelta(months=1), relativedelta(weeks=2, weekday=FR(+1))),
     relativedelta(days=10)),
    (Window(parse_duration("PT12H"), parse_duration("P1D")), relativedelta(days=1)),
    (Window(relativedelta(days=1, hours=6)), relativedelta(days=2)),
    (Window(relativedelta(days=1.5)), relativedelta(days=30)),
    (Window(relativedelta(days=1, hour=6)), relativedelta(days=30)),
    (Window(start=datetime(2027, 1, 1, tzinfo=UTC), end=datetime(2027, 6, 1, tzinfo=UTC)),
     relativedelta(days=30)),
]


@pytest.mark.parametrize(("window", "keep"), SETTINGS)
def test_every_instant_of_a_day_gets_what_bounds_for_gives(window: Window,
                                                           keep: relativedelta) -> None:
    for first in (INSTANTS[0], INSTANTS[9], INSTANTS[-1]):  # whichever instant keeps them
        days = DayBounds(window, keep)
        assert days.at(first) == bounds_for(window, keep, first)
        for now in INSTANTS:
            assert days.at(now) == bounds_for(window, keep, now), (first, now)


@pytest.mark.parametrize(("window", "keep"), SETTINGS)
def test_the_next_day_and_the_day_before_are_computed_again(window: Window,
                                                            keep: relativedelta) -> None:
    days = DayBounds(window, keep)
    days.at(DAY + timedelta(hours=12))
    for now in (DAY - timedelta(microseconds=1), DAY + timedelta(days=1),
                DAY + timedelta(days=40, hours=3)):
        assert days.at(now) == bounds_for(window, keep, now)


def test_crossing_midnight_moves_the_bounds() -> None:
    window, keep = Window(parse_duration("P1Y"), parse_duration("P3Y")), relativedelta(days=30)
    days = DayBounds(window, keep)
    assert days.at(DAY + timedelta(hours=1)) is days.at(DAY + timedelta(hours=23))  # kept
    before = days.at(DAY + timedelta(days=1) - timedelta(microseconds=1))
    after = days.at(DAY + timedelta(days=1))
    assert before.cutoff == datetime(2027, 3, 1, tzinfo=UTC)
    assert after.cutoff == datetime(2027, 3, 2, tzinfo=UTC)
    assert after.start == datetime(2026, 4, 1, tzinfo=UTC) != before.start
    assert after.end == datetime(2030, 4, 1, tzinfo=UTC) != before.end


def test_an_instant_in_another_zone_is_computed_as_it_is() -> None:
    """Stockholm wall time: the arithmetic runs on the local date, which is another UTC
    day an hour before UTC midnight, so nothing is kept for (or taken from) a UTC day."""
    window, keep = Window(relativedelta(months=1)), relativedelta(days=30)
    days = DayBounds(window, keep)
    days.at(DAY + timedelta(hours=12))  # keeps the UTC day's
    local = (DAY + timedelta(hours=23, minutes=30)).astimezone(ZoneInfo("Europe/Stockholm"))
    assert days.at(local) == bounds_for(window, keep, local)
    assert days.at(local) != bounds_for(window, keep, local.astimezone(UTC))


@pytest.mark.parametrize(("delta", "whole"), [
    (None, True), (relativedelta(), True), (parse_duration("P1Y2M3D"), True),
    (relativedelta(weeks=2, weekday=FR(-1)), True), (relativedelta(hours=48), True),
    (parse_duration("PT1H"), False), (relativedelta(days=1.5), False),
    (relativedelta(minute=0), False), (relativedelta(microseconds=1), False)])
def test_whole_days(delta: relativedelta | None, whole: bool) -> None:
    assert whole_days(delta) is whole
