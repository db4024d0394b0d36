"""Schedules become APScheduler 3.11 triggers whose ticks every instance agrees on."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from calsync.clock import FixedClock
from calsync.config import load_config
from calsync.durations import parse_duration
from calsync.errors import ConfigError
from calsync.triggers import Trigger, build_trigger, due_ticks

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def trigger(every: str | None = None, cron: str | None = None,
            zone: str | None = None) -> Trigger:
    schedule = SimpleNamespace(every=parse_duration(every) if every else None, cron=cron,
                               timezone=zone)
    return build_trigger(schedule, "Europe/Stockholm")


def ticks(t: Trigger, start: datetime, end: datetime) -> list[datetime]:
    out, at = [], start
    while (nxt := t.after(at)) is not None and nxt < end:
        out.append(nxt)
        at = nxt
    return out


def local_days(found: list[datetime]) -> Counter[date]:
    return Counter(t.astimezone(STOCKHOLM).date() for t in found)


def test_interval_ticks_do_not_depend_on_when_a_process_asks(clock: FixedClock) -> None:
    t = trigger("PT6H")
    a = t.after(clock.now())
    b = t.after(clock.now() - timedelta(minutes=17))
    assert a == b == datetime(2026, 11, 29, 17, 0, tzinfo=UTC)  # 18:00 CET, anchored 00:00
    assert t.after(a) == a + timedelta(hours=6)
    assert t.latest_at_or_before(clock.now()) == datetime(2026, 11, 29, 11, 0, tzinfo=UTC)
    assert t.period(clock.now()) == timedelta(hours=6)


def test_crontab_weekdays_count_sunday_as_zero(clock: FixedClock) -> None:
    # 2026-11-29 is a Sunday.
    weekdays = ticks(trigger(cron="0 6 * * 1-5"), clock.now(), clock.now() + timedelta(days=7))
    assert [t.astimezone(STOCKHOLM).strftime("%a %H:%M") for t in weekdays] == [
        "Mon 06:00", "Tue 06:00", "Wed 06:00", "Thu 06:00", "Fri 06:00"]
    for sunday in ("0 6 * * 0", "0 6 * * 7", "0 6 * * sun"):
        [only] = ticks(trigger(cron=sunday), clock.now(), clock.now() + timedelta(days=7))
        assert only.astimezone(STOCKHOLM).strftime("%a %H:%M") == "Sun 06:00"


@pytest.mark.parametrize("start", [datetime(2026, 3, 26, 12, tzinfo=UTC),
                                   datetime(2026, 10, 22, 12, tzinfo=UTC)],
                         ids=["spring-forward", "fall-back"])
@pytest.mark.parametrize("cron", ["30 2 * * *", "0 2 * * *", "0 3 * * *", "0 6 * * *"])
def test_daily_cron_fires_once_a_day_across_summer_time(start: datetime, cron: str) -> None:
    found = ticks(trigger(cron=cron), start, start + timedelta(days=6))
    days = local_days(found)
    assert set(days.values()) == {1} and len(days) == 6, found


def test_hourly_cron_follows_elapsed_time_across_summer_time() -> None:
    spring = ticks(trigger(cron="15 * * * *"), datetime(2026, 3, 28, 12, tzinfo=UTC),
                   datetime(2026, 3, 30, 12, tzinfo=UTC))
    autumn = ticks(trigger(cron="15 * * * *"), datetime(2026, 10, 24, 12, tzinfo=UTC),
                   datetime(2026, 10, 26, 12, tzinfo=UTC))
    for found in (spring, autumn):
        assert all(b - a == timedelta(hours=1) for a, b in pairwise(found))
        assert len(found) == len(set(found)) == 48
    assert local_days(spring)[date(2026, 3, 29)] == 23
    assert local_days(autumn)[date(2026, 10, 25)] == 25


def test_fixed_hours_in_a_repeated_hour_fire_once() -> None:
    found = ticks(trigger(cron="*/30 1-3 * * *"), datetime(2026, 10, 24, 12, tzinfo=UTC),
                  datetime(2026, 10, 25, 12, tzinfo=UTC))
    walls = [t.astimezone(STOCKHOLM).strftime("%H:%M") for t in found]
    assert walls == ["01:00", "01:30", "02:00", "02:30", "03:00", "03:30"]
    skipped = ticks(trigger(cron="*/30 1-3 * * *"), datetime(2026, 3, 28, 12, tzinfo=UTC),
                    datetime(2026, 3, 29, 12, tzinfo=UTC))
    # 02:00 and 02:30 do not exist on 29 March: 02:30 CET = 03:30 CEST is the same instant.
    assert [t.astimezone(STOCKHOLM).strftime("%H:%M") for t in skipped] == [
        "01:00", "01:30", "03:00", "03:30"]


@pytest.mark.parametrize("every", ["P1D", "P1W", "P1M", "P3M", "P1Y"])
def test_calendar_intervals_stay_at_local_midnight(every: str) -> None:
    found = ticks(trigger(every), datetime(2026, 1, 1, tzinfo=UTC),
                  datetime(2028, 1, 1, tzinfo=UTC))
    assert found and all(t.astimezone(STOCKHOLM).strftime("%H:%M") == "00:00" for t in found)
    assert len(found) == len(set(found))
    if every == "P1M":
        assert len(found) == 24 and {t.astimezone(STOCKHOLM).day for t in found} == {1}


def test_due_ticks_coalesce_missed_ticks(clock: FixedClock) -> None:
    t = trigger("PT1H")
    last = datetime(2026, 11, 29, 6, 0, tzinfo=UTC)
    due = due_ticks(t, last, clock.now() + timedelta(minutes=30))
    assert due.run == clock.now()
    assert due.missed == [last + timedelta(hours=h) for h in range(1, 6)]
    assert due.missed_total == 5
    late = due_ticks(t, last, clock.now() + timedelta(minutes=30), misfire_grace=600)
    assert late.run is None and len(late.missed) == 6
    assert due_ticks(t, clock.now(), clock.now() + timedelta(minutes=59)).run is None
    first = due_ticks(t, None, clock.now() + timedelta(minutes=30))
    assert (first.run, first.missed) == (clock.now(), [])


def test_due_ticks_far_behind_jump_to_the_latest(clock: FixedClock) -> None:
    due = due_ticks(trigger(cron="* * * * *"), clock.now() - timedelta(days=30), clock.now(),
                    keep_missed=5)
    assert due.run == clock.now() and due.missed == [] and due.missed_total >= 10_000


@pytest.mark.parametrize(("schedule", "message"), [
    ("{cron: '61 * * * *'}", "invalid cron expression"),
    ("{cron: '0 6 * * 1-9'}", "weekday out of range"),
    ("{every: P1MT2H}", "mixes months or years with hours"),
    ("{every: P1M2D}", "mixes months or years with days"),
])
def test_bad_schedules_are_config_errors_with_their_line(
        write_config: Any, schedule: str, message: str) -> None:
    path: Path = write_config(f"""
connectors:
  upstream:
    type: tests.support:FileConnector
    file: events.json
    schedule: {schedule}
""")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    [problem] = caught.value.problems
    assert message in problem.message and problem.line == 6


def test_scheduler_section_is_validated(write_config: Any) -> None:
    path: Path = write_config("scheduler: {lease: PT10S, heartbeat: PT6S}\n")
    with pytest.raises(ConfigError, match="at most half the lease"):
        load_config(path)
    path = write_config("scheduler: {lease: 2, dispatch_interval: 0.25, "
                        "default_schedule: {cron: '0 6 * * *'}}\n")
    settings = load_config(path).scheduler
    assert (settings.lease, settings.dispatch_interval, settings.heartbeat_seconds) == (
        2.0, 0.25, 2 / 3)
    assert settings.default_schedule is not None
    assert settings.default_schedule.cron == "0 6 * * *"
