"""Building blocks every config section uses: strict models, zone names, schedules.

They live apart from `calsync.config` so that the modules defining sections (the
scheduler's settings, rules, alerts) can use them without importing the config loader,
which imports those modules in turn.
"""

from __future__ import annotations

from typing import Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, field_validator, model_validator

from calsync.durations import Duration

__all__ = ["Schedule", "StrictModel", "check_timezone"]


class StrictModel(BaseModel):
    """A config model: unknown keys are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def check_timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {value!r} (use an IANA name such as "
                         "'Europe/Stockholm')") from None
    return value


class Schedule(StrictModel):
    """When the scheduler runs something: every `every`, or on a cron expression."""

    every: Duration | None = None
    cron: str | None = None
    timezone: str | None = None

    @model_validator(mode="after")
    def _one_of(self) -> Self:
        if (self.every is None) == (self.cron is None):
            raise ValueError("give exactly one of 'every' (e.g. PT6H) or 'cron' "
                             "(e.g. '0 6 * * *')")
        if self.cron is not None and len(self.cron.split()) != 5:
            raise ValueError(f"cron needs 5 fields (minute hour day month weekday), "
                             f"got {self.cron!r}")
        from calsync.scheduler.triggers import build_trigger

        build_trigger(self, "UTC")  # a cron field or an interval APScheduler rejects
        return self

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str | None) -> str | None:
        return None if value is None else check_timezone(value)
