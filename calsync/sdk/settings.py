"""The keys every connector entry in config.yaml shares, whatever its type.

A connector entry is validated in two steps: these shared keys (`ConnectorConfig`), then
the rest against the chosen connector class's own `Options` (see `calsync.sdk.registry`),
so a typo in either is reported with its file and line. They live in the SDK because a
connector is built with them; `calsync.config.schema` only collects them under
`connectors:`.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from calsync.configtypes import Schedule, Text, check_timezone
from calsync.durations import Seconds
from calsync.sdk.mapping import AttrMap, MappingRule

__all__ = ["ConnectorConfig", "MappingRule", "ScheduleConfig"]


class ScheduleConfig(Schedule):
    """When the scheduler runs a connector: every `every`, or on a cron expression."""

    max_runtime: Seconds | None = Field(
        None, description="Longest run of one sync (default: scheduler.max_runtime).")
    misfire_grace: Seconds | None = Field(
        None, description="A tick later than this is recorded as missed, not run "
                          "(default: scheduler.misfire_grace).")


class ConnectorConfig(BaseModel):
    """Keys shared by every connector; the remaining keys are the connector's options."""

    model_config = ConfigDict(extra="allow", frozen=True)

    type: str
    enabled: bool = True
    title: Text | None = Field(None, description="What the source is, for people (the "
                               "sources panel, /api/sources): a text or {sv: ..., en: ...}.")
    level: str | None = None
    actor: str | None = None
    kind: str | None = None
    tags: list[str] = Field(default_factory=list)
    timezone: str | None = None
    attrs: AttrMap = Field(
        default_factory=dict,
        description="Attributes every event of the connector gets unless it sets its own.")
    mapping: list[MappingRule] = Field(default_factory=list)
    schedule: ScheduleConfig | None = None
    timeout: float = Field(30.0, gt=0, le=600, description="Seconds per HTTP request.")
    max_removal_share: float = Field(
        0.5, ge=0, le=1,
        description="A sync that would cancel more than this share of the source's upcoming "
                    "events is held back until an admin accepts it.")
    max_events: int = Field(
        100_000, ge=1,
        description="Most events one sync reads from the source; past it the sync stops "
                    "reading, keeps the stored events of the rest and warns.")
    max_mapping_seconds: float = Field(
        300.0, gt=0,
        description="Most seconds one sync spends turning the payload into events; past "
                    "it the sync stops reading, keeps the stored events of the rest and warns.")

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str | None) -> str | None:
        return None if value is None else check_timezone(value)

    @property
    def options(self) -> dict[str, Any]:
        """The connector-specific keys, still raw; the registry validates them."""
        return dict(self.model_extra or {})
