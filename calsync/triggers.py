"""From a connector's `schedule:` to the instants it is due: APScheduler 3.11 triggers.

Every instance must compute the very same ticks, because a tick is half of the ledger's
key `(job, tick_at)`. So no trigger here depends on when a process started:

- `every` with hours, minutes or seconds: `IntervalTrigger` anchored at 2000-01-01
  00:00 in the schedule's zone, so `PT6H` ticks at the same instants everywhere and
  elapsed time decides (across a summer-time change the wall-clock hour moves, the
  spacing does not);
- `every` in whole days, weeks, months or years: `CalendarIntervalTrigger` from
  2000-01-01, at local midnight (wall-clock, so `P1D` stays at 00:00 all year);
- `cron`: `CronTrigger` on the standard five fields, with crontab's weekday numbers
  (0 or 7 = Sunday) translated to names, since APScheduler 3 counts 0 as Monday.

Summer time: APScheduler's cron fires a fixed wall-clock time twice when the clock goes
back (02:30 CEST, then 02:30 CET). Like Vixie cron, a schedule with a fixed hour fires
once, at the first occurrence; only `*` in the hour field (every hour) fires in both
repeated hours, as elapsed time demands. A wall-clock time skipped when the clock goes
forward fires once, at the same instant an hour later on the wall clock.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from apscheduler.triggers.calendarinterval import CalendarIntervalTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from dateutil.relativedelta import relativedelta

from calsync.durations import format_duration, seconds_of

__all__ = ["Due", "ScheduleLike", "Trigger", "build_trigger", "check_cron", "due_ticks",
           "every_seconds"]

_ANCHOR_DAY = date(2000, 1, 1)
_TINY = timedelta(microseconds=1)
_CRONTAB_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
_LOOKBACK = (timedelta(minutes=1), timedelta(hours=1), timedelta(days=1), timedelta(days=8),
             timedelta(days=32), timedelta(days=367), timedelta(days=4 * 366 + 1))
_MAX_STEPS = 10_000


class ScheduleLike(Protocol):
    """What a trigger is built from: `ScheduleConfig` or the scheduler's default."""

    @property
    def every(self) -> relativedelta | None: ...

    @property
    def cron(self) -> str | None: ...

    @property
    def timezone(self) -> str | None: ...


@dataclass(frozen=True)
class Trigger:
    """A schedule's ticks: `after(t)` is the first tick strictly after instant `t`."""

    aps: Any  # an APScheduler 3.11 trigger (the package ships no type hints)
    zone: ZoneInfo
    text: str
    once_per_wall_time: bool = False
    # CalendarIntervalTrigger only: (months, days) per step from 2000-01-01.
    calendar: tuple[int, int] | None = None

    def after(self, instant: datetime) -> datetime | None:
        """The first tick strictly after `instant`, in UTC; None if there is none."""
        if self.calendar is not None:
            return self._calendar_after(instant)
        # Arithmetic in UTC: adding to a local time would drop `fold` and step back into
        # the first of two repeated hours.
        at = (_utc(instant) + _TINY).astimezone(self.zone)
        for _ in range(3):
            nxt = self.aps.get_next_fire_time(None, at)
            if nxt is None:
                return None
            if self.once_per_wall_time and _second_occurrence(nxt, self.zone):
                at = (_utc(nxt) + _TINY).astimezone(self.zone)
                continue
            return _utc(nxt)
        return None  # pragma: no cover - three repeated wall times in a row cannot happen

    def _calendar_after(self, instant: datetime) -> datetime | None:
        # CalendarIntervalTrigger ignores `now` and walks from its previous fire time, so
        # seed it with the grid point a step before `instant` (computed here) and step on.
        assert self.calendar is not None
        months, days = self.calendar
        day = instant.astimezone(self.zone).date()
        if months:
            index = ((day.year - _ANCHOR_DAY.year) * 12 + day.month - 1) // months - 1
            seed = date(_ANCHOR_DAY.year + index * months // 12, index * months % 12 + 1, 1)
        else:
            steps = (day - _ANCHOR_DAY).days // days - 1
            seed = _ANCHOR_DAY + timedelta(days=steps * days)
        previous = datetime.combine(seed, time(), tzinfo=self.zone)
        for _ in range(8):
            nxt = self.aps.get_next_fire_time(previous, instant)
            if nxt is None:
                return None
            if nxt > instant:
                return _utc(nxt)
            previous = nxt
        return None  # pragma: no cover - the seed is at most two steps back

    def latest_at_or_before(self, now: datetime) -> datetime | None:
        """The most recent tick at or before `now` (searching back up to four years)."""
        for window in _LOOKBACK:
            first = self.after(now - window - _TINY)
            if first is not None and first <= now:
                latest = first
                for _ in range(_MAX_STEPS):
                    nxt = self.after(latest)
                    if nxt is None or nxt > now:
                        break
                    latest = nxt
                return latest
        return None

    def period(self, now: datetime) -> timedelta | None:
        """The spacing of the next two ticks (for staleness), or None."""
        first = self.after(now)
        second = self.after(first) if first is not None else None
        return None if first is None or second is None else second - first


@dataclass(frozen=True)
class Due:
    """What is due for one job: at most one tick to run, the rest missed."""

    run: datetime | None
    missed: list[datetime] = field(default_factory=list)
    missed_total: int = 0


def due_ticks(trigger: Trigger, previous: datetime | None, now: datetime, *,
              keep_missed: int = 100, misfire_grace: float | None = None) -> Due:
    """Ticks after `previous` (the job's last ledger tick) up to `now`, coalesced.

    The latest due tick runs; older ones are returned as missed (the most recent
    `keep_missed` of them; `missed_total` counts all). A job with no history runs its
    latest tick at or before `now`, if any: a new connector syncs soon after it is added.
    With `misfire_grace`, a tick more than that many seconds late is missed, not run.
    """
    if previous is None:
        latest = trigger.latest_at_or_before(now)
        ticks: deque[datetime] = deque([latest] if latest is not None else [])
        total = len(ticks)
    else:
        ticks = deque(maxlen=keep_missed + 1)
        total = 0
        nxt = trigger.after(previous)
        while nxt is not None and nxt <= now:
            ticks.append(nxt)
            total += 1
            if total >= _MAX_STEPS:
                # Far behind (a minutely cron down for weeks): jump to the latest tick and
                # record none of the older ones one by one; `missed_total` says "at least".
                latest = trigger.latest_at_or_before(now) or nxt
                ticks = deque([latest])
                total += 1
                break
            nxt = trigger.after(nxt)
    if not ticks:
        return Due(run=None)
    last = ticks.pop()
    if misfire_grace is not None and (now - last).total_seconds() > misfire_grace:
        return Due(run=None, missed=[*ticks, last], missed_total=total)
    return Due(run=last, missed=list(ticks), missed_total=total - 1)


def build_trigger(schedule: ScheduleLike, default_zone: str) -> Trigger:
    """The APScheduler trigger of `schedule` in its zone (or `default_zone`)."""
    zone = ZoneInfo(schedule.timezone or default_zone)
    if schedule.cron is not None:
        minute, hour, day, month, weekday = schedule.cron.split()
        try:
            aps = CronTrigger(minute=minute, hour=hour, day=day, month=month,
                              day_of_week=_weekdays(weekday), timezone=zone)
        except ValueError as exc:
            raise ValueError(f"invalid cron expression {schedule.cron!r}: {exc}") from None
        return Trigger(aps, zone, f"cron '{schedule.cron}' ({zone.key})",
                       once_per_wall_time=hour.strip() != "*")
    every = schedule.every
    if every is None:
        raise ValueError("a schedule needs 'every' or 'cron'")
    text = f"every {_iso(every)} ({zone.key})"
    if every.hours or every.minutes or every.seconds or every.microseconds:
        if every.years or every.months:
            raise ValueError(f"'every: {_iso(every)}' mixes months or years with hours; "
                             "use whole days/months/years, or hours/minutes/seconds")
        seconds = seconds_of(every)
        if seconds <= 0:
            raise ValueError(f"'every' must be positive, got {_iso(every)}")
        start = datetime(2000, 1, 1, tzinfo=zone)
        return Trigger(IntervalTrigger(seconds=seconds, start_date=start, timezone=zone),
                       zone, text)
    months = every.years * 12 + every.months
    if months < 0 or every.days < 0 or not (months or every.days):
        raise ValueError(f"'every' must be positive, got {_iso(every)}")
    if months and every.days:
        raise ValueError(f"'every: {_iso(every)}' mixes months or years with days; use "
                         "one of them")
    aps = CalendarIntervalTrigger(months=months, days=every.days, start_date=_ANCHOR_DAY,
                                  timezone=zone)
    return Trigger(aps, zone, text, calendar=(months, every.days))


def every_seconds(seconds: float, zone_name: str = "UTC") -> Trigger:
    """A plain interval trigger (singleton jobs), anchored like `every` schedules."""
    zone = ZoneInfo(zone_name)
    anchor = datetime(2000, 1, 1, tzinfo=zone)
    return Trigger(IntervalTrigger(seconds=seconds, start_date=anchor, timezone=zone), zone,
                   f"every {seconds:g}s")


def check_cron(expr: str) -> str:
    """Raise ValueError (with the reason) unless `expr` is a five-field cron expression."""
    fields = expr.split()
    if len(fields) != 5:
        raise ValueError(f"cron needs 5 fields (minute hour day month weekday), got {expr!r}")
    minute, hour, day, month, weekday = fields
    try:
        CronTrigger(minute=minute, hour=hour, day=day, month=month,
                    day_of_week=_weekdays(weekday), timezone=UTC)
    except ValueError as exc:
        raise ValueError(f"invalid cron expression {expr!r}: {exc}") from None
    return expr


def _weekdays(field_text: str) -> str:
    """Crontab weekdays (0-7, 0 and 7 = Sunday; names) as APScheduler 3 day names."""
    parts = []
    for part in field_text.lower().split(","):
        if part in ("*", "?"):
            return "*"
        if any(c.isalpha() for c in part):
            parts.append(part)
            continue
        spec, _, step_text = part.partition("/")
        step = int(step_text) if step_text else 1
        if step < 1:
            raise ValueError(f"bad step in weekday field {field_text!r}")
        if spec in ("*", "?"):
            low, high = 0, 6
        elif "-" in spec:
            low_text, high_text = spec.split("-", 1)
            low, high = int(low_text), int(high_text)
        else:
            low = high = int(spec)
            if step_text:
                high = 6
        if not (0 <= low <= 7 and 0 <= high <= 7 and low <= high):
            raise ValueError(f"weekday out of range in {field_text!r} (0-7, 0 and 7 = Sunday)")
        parts += [_CRONTAB_DAYS[n % 7] for n in range(low, high + 1, step)]
    return ",".join(dict.fromkeys(parts))


def _second_occurrence(when: datetime, zone: ZoneInfo) -> bool:
    """True for the later of two identical wall-clock times when the clock goes back."""
    wall = when.astimezone(zone)
    if wall.fold != 1:
        return False
    return wall.replace(fold=0).utcoffset() != wall.utcoffset()


def _utc(when: datetime) -> datetime:
    return when.astimezone(UTC)


def _iso(delta: relativedelta) -> str:
    return format_duration(delta)
