"""The `alerts:` section of config.yaml: how findings become alerts and notifications."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from calsync.alerts.notify.config import OutboxConfig, Receiver, RouteConfig
from calsync.durations import Duration, parse_duration
from calsync.selectors import Selector

__all__ = ["AlertsConfig"]


class AlertsConfig(BaseModel):
    """Alert settings.

    `lookback`: findings whose due date is older than this are history, not alerts.
    `meetings`: which events are meetings, for fix suggestions ("the council meets ...").
    `send_resolved_when_silenced`: a silenced alert still tells receivers it resolved,
    so incidents opened before the silence are closed (Alertmanager's #226).
    `past_due`: a finding already due before today is `history` (recorded, never a new
    alert: a fresh install or a newly added rule does not flood anyone with the past),
    or an `alert` like any other.
    `max_findings`: the findings cap of rules that do not set their own; a rule that
    hits it keeps the first ones and raises a warning.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    lookback: Duration | None = Field(default_factory=lambda: parse_duration("P1Y"))
    external_url: str | None = Field(None, description="Base URL in links; default: "
                                                       "server.base_url.")
    meetings: Selector = Field(default_factory=lambda: Selector(kind=["meeting"]))
    route: RouteConfig = Field(default_factory=RouteConfig)
    receivers: dict[str, Receiver] = Field(default_factory=dict)
    outbox: OutboxConfig = Field(default_factory=OutboxConfig)
    send_resolved_when_silenced: bool = True
    past_due: Literal["history", "alert"] = "history"
    max_findings: int = Field(100, ge=1)
