"""What the run ledger hands out (`calsync.scheduler.ledger`): claims and job states."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from calsync.store.lease import Held

__all__ = ["Claim", "JobState"]


@dataclass(frozen=True)
class Claim:
    """A run this instance holds: `(id, attempt)` is what every later write must name."""

    id: int
    job: str
    tick_at: datetime
    attempt: int
    failures: int
    owner: str
    how: str  # new | retry | takeover
    detail: dict[str, Any] | None = None
    merged: list[dict[str, Any]] = field(default_factory=list)

    @property
    def held(self) -> Held:
        return Held(self.id, self.owner, self.attempt)


@dataclass(frozen=True)
class JobState:
    """What the dispatcher needs to know of one job, from one query."""

    last_tick: datetime | None = None
    running: bool = False
    waiting_since: datetime | None = None  # earliest not_before of its waiting rows
    expired: bool = False  # its running run's lease has lapsed: take over or abandon
