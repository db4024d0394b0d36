"""Time is an input: everything that needs "now" receives a Clock, so tests can freeze it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

__all__ = ["Clock", "FixedClock", "SystemClock", "local_today"]


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware (UTC)."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that stands still until told to move; for tests and reproducible runs."""

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self._at = at.astimezone(UTC)

    def now(self) -> datetime:
        return self._at

    def advance(self, delta: timedelta) -> None:
        self._at += delta

    def set(self, at: datetime) -> None:
        self._at = at.astimezone(UTC)


def local_today(now: datetime, tz: str) -> date:
    """Today in the zone `tz` at the instant `now`: the anchor of the relative dates people
    type (`today`, `+P90D`; `calsync.durations.parse_day`)."""
    return now.astimezone(ZoneInfo(tz)).date()
