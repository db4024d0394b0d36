"""Wall-clock seconds: the rules' unit of time.

A moment on the rules' timeline is the seconds since 1970-01-01 00:00 on the wall clock of
the config's zone (not POSIX seconds): an ISO duration such as `P1D` is then a calendar
day across a summer-time change, and all-day dates are exact midnights. `Offsets`
converts aware datetimes to that unit cheaply (`calsync.rules.timeline` uses it per event).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import ClassVar
from zoneinfo import ZoneInfo

__all__ = ["DAY", "Offsets", "wall_clock_text", "wall_date", "wall_datetime", "wall_of_date",
           "wall_of_datetime", "wall_to_utc"]

DAY = 86400
_EPOCH = datetime(1970, 1, 1)
_EPOCH_ORD = date(1970, 1, 1).toordinal()


def wall_of_date(d: date) -> int:
    return (d.toordinal() - _EPOCH_ORD) * DAY


def wall_date(wall: int) -> date:
    return date.fromordinal(_EPOCH_ORD + wall // DAY)


def wall_datetime(wall: int) -> datetime:
    """The naive local wall-clock datetime of `wall`."""
    return _EPOCH + timedelta(seconds=wall)


def wall_clock_text(wall: int) -> str:
    minutes = (wall % DAY) // 60
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def wall_of_datetime(naive: datetime) -> int:
    """The wall seconds of a naive local wall-clock datetime (`wall_datetime`'s inverse)."""
    return int((naive - _EPOCH).total_seconds())


def wall_to_utc(wall: int, tz: ZoneInfo) -> datetime:
    return wall_datetime(wall).replace(tzinfo=tz).astimezone(UTC)


class Offsets:
    """UTC offsets of one zone by UTC day, and by half hour on the days the offset
    changes (zone changes happen on hour or half-hour boundaries), so two `astimezone`
    calls per day of the timeline instead of one per event."""

    _zones: ClassVar[dict[str, Offsets]] = {}

    def __init__(self, tz: ZoneInfo) -> None:
        self.tz = tz
        self.by_slot: dict[int, int] = {}
        self.by_day: dict[int, int | None] = {}  # None: the offset changes that UTC day

    @classmethod
    def get(cls, tz: ZoneInfo) -> Offsets:
        found = cls._zones.get(tz.key)
        if found is None:
            found = cls._zones[tz.key] = cls(tz)
        return found

    def wall(self, moment: datetime) -> int:
        ts = int(moment.timestamp())
        offset = self.by_day.get(ts // DAY)
        return ts + (offset if offset is not None else self.offset(ts))

    def offset(self, ts: int) -> int:
        """The zone's UTC offset at POSIX second `ts`: remembered per UTC day when it is
        the same at both ends of the day (nearly always), else per half hour."""
        day = ts // DAY
        if day not in self.by_day:
            first, last = self._slot(day * 48), self._slot(day * 48 + 48)
            self.by_day[day] = first if first == last else None
        whole = self.by_day[day]
        return whole if whole is not None else self._slot(ts // 1800)

    def _slot(self, slot: int) -> int:
        offset = self.by_slot.get(slot)
        if offset is None:
            delta = datetime.fromtimestamp(slot * 1800, UTC).astimezone(self.tz).utcoffset()
            offset = self.by_slot[slot] = int(delta.total_seconds()) if delta else 0
        return offset
