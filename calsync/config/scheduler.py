"""The `scheduler:` section of config.yaml (its knobs are `calsync.durations.Seconds`).

Every knob has a default that suits one small instance; nothing needs setting to run.
Durations are ISO-8601 like everywhere else in config (`PT30S`, `PT10M`, `P14D`); a
plain number is read as seconds, so sub-second values (useful in tests) can be written.
"""

from __future__ import annotations

from pydantic import (
    Field,
    model_validator,
)

from calsync.configtypes import Schedule, StrictModel, check_timezone
from calsync.durations import Seconds, parse_duration

__all__ = ["DefaultSchedule", "SchedulerConfig"]

class DefaultSchedule(Schedule):
    """The schedule of connectors whose entry has no `schedule:` (same keys as there)."""


class SchedulerConfig(StrictModel):
    """How `calsync worker` (and `calsync serve` without --no-scheduler) runs connectors.

    The database is the source of truth: each (connector, scheduled tick) is one row of a
    run ledger, claimed by exactly one instance, leased and heartbeated, and completed in
    the same transaction as the synced data. These knobs tune that machinery.
    """

    instance_id: str | None = Field(
        None, description="A stable name for this instance (e.g. the pod or host name); "
                          "default: host:pid. With a stable name a restarted instance "
                          "hands its interrupted runs back at once instead of after the "
                          "lease. Never give two running instances the same name.")
    dispatch_interval: Seconds = Field(
        5.0, description="How often each instance looks for due ticks and expired leases.")
    lease: Seconds = Field(
        60.0, description="How long a claim stays valid without a heartbeat; a crashed "
                          "instance's run is taken over after this.")
    heartbeat: Seconds | None = Field(
        None, description="How often a running run renews its lease (default: lease/3).")
    misfire_grace: Seconds | None = Field(
        None, description="A tick later than this is recorded as missed instead of run; "
                          "default: none, so after downtime the latest missed tick runs "
                          "once (the others are recorded as missed).")
    max_runtime: Seconds = Field(
        1800.0, description="Default longest run of one sync; a schedule may override it.")
    max_attempts: int = Field(
        3, ge=1, le=100, description="Attempts per tick (crashes, failures, timeouts) "
                                     "before the run is abandoned and an alert raised.")
    max_concurrent: int = Field(4, ge=1, le=64, description="Syncs at once per instance.")
    shutdown_grace: Seconds = Field(
        30.0, description="On SIGTERM, how long running syncs may finish before their "
                          "leases are released for another instance.")
    retention: Seconds = Field(
        14 * 86400.0, description="Finished ledger rows older than this are pruned (the "
                                  "latest per job is always kept).")
    outbox_every: Seconds = Field(
        30.0, description="How often the notification outbox is drained (by one instance).")
    timezone: str | None = Field(
        None, description="Zone of schedules that name none (default: the top-level "
                          "`timezone`).")
    default_schedule: DefaultSchedule | None = Field(
        default_factory=lambda: DefaultSchedule(every=parse_duration("PT6H")),
        description="Schedule of connectors that set none; null: run those only by hand.")

    @model_validator(mode="after")
    def _check(self) -> SchedulerConfig:
        if self.timezone is not None:
            check_timezone(self.timezone)
        beat = self.heartbeat_seconds
        if beat * 2 > self.lease:
            raise ValueError(f"heartbeat ({beat:g}s) must be at most half the lease "
                             f"({self.lease:g}s), or a slow heartbeat loses the lease")
        return self

    @property
    def heartbeat_seconds(self) -> float:
        return self.heartbeat if self.heartbeat is not None else self.lease / 3
