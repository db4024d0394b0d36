"""Each connector's health, one view for the CLI, the API, /readyz and /metrics.

It joins what the store knows (events, the source's state and its latest sync) with what
the scheduler knows (schedule, next and last run, abandoned runs), and decides
staleness once: a scheduled source is stale when it missed two periods (the scheduler's
rule), an unscheduled one when it has not synced within `api.stale_after`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import Connection

from calsync.configtypes import text_in
from calsync.i18n.languages import Language
from calsync.runtime import Runtime
from calsync.scheduler.status import status as schedule_status
from calsync.store.events import event_counts_by_source
from calsync.store.sources import (
    SyncRun,
    list_source_states,
    recent_sync_runs,
)

__all__ = ["SourceStatus", "SyncRunOut", "source_statuses"]


class SyncRunOut(BaseModel):
    id: int
    started_at: str
    finished_at: str | None
    outcome: str
    added: int
    changed: int
    cancelled: int
    unchanged: int
    skipped: int
    error: str | None


class SourceStatus(BaseModel):
    name: str
    type: str
    title: str | None
    enabled: bool
    events: int
    events_by_status: dict[str, int]
    last_attempt_at: str | None
    last_success_at: str | None
    last_sync: SyncRunOut | None
    stale: bool = Field(description="Enabled and not synced successfully in time: within two "
                                    "schedule periods, or api.stale_after if unscheduled.")
    schedule: str | None = Field(description="The schedule in words (None: by hand only).")
    next_run: str | None = Field(description="When the scheduler runs it next.")
    running: bool = Field(description="A sync of it is running on some instance.")
    last_run: dict[str, Any] | None = Field(description="The scheduler's latest run of it.")
    alert: str | None = Field(description="Why its last scheduled run was abandoned.")
    failing: bool
    consecutive_failures: int
    last_error: str | None
    error_kind: str | None
    retry_at: str | None
    held: dict[str, Any] | None = Field(description="A held-back mass removal, if any.")
    warnings: list[str] = Field(
        default_factory=list,
        description="What the last sync could not read (skipped records with the reason, "
                    "capped series, bounds reached); its stored events were kept.")

    def needs_attention(self) -> bool:
        """Enabled and failing, stale, held back or abandoned: what `calsync sources
        --fail-on-error`, /healthz's detail and the metrics call an unhealthy upstream."""
        return self.enabled and bool(self.failing or self.stale or self.held or self.alert)


def source_statuses(runtime: Runtime, conn: Connection, language: Language | None = None
                    ) -> list[SourceStatus]:
    """Each configured connector's health, for /api/sources, /readyz and /metrics; its
    title in `language` (by default the config's)."""
    words = language or runtime.config.language
    now = runtime.clock.now()
    threshold = now - runtime.config.api.stale_after
    states = list_source_states(conn)
    counts = event_counts_by_source(conn)
    last_runs: dict[str, SyncRun] = {}
    for recent in recent_sync_runs(conn, limit=1000):
        last_runs.setdefault(recent.source, recent)
    planned = schedule_status(runtime.engine, runtime.config, runtime.clock)
    out = []
    for name, connector in sorted(runtime.connectors.items()):
        state = states.get(name)
        run = last_runs.get(name)
        success = state.last_success_at if state else None
        enabled = connector.config.enabled
        plan = planned.get(name, {})
        stale = plan["stale"] if plan.get("schedule") else (
            enabled and (success is None or success < threshold))
        out.append(SourceStatus(
            name=name, type=connector.type, enabled=enabled,
            title=text_in(connector.config.title, words) if connector.config.title else None,
            events=sum(counts.get(name, {}).values()),
            events_by_status=dict(sorted(counts.get(name, {}).items())),
            last_attempt_at=_iso(state.last_attempt_at) if state else None,
            last_success_at=_iso(success),
            last_sync=SyncRunOut.model_validate(run.as_dict()) if run else None,
            stale=stale, schedule=plan.get("schedule"), next_run=plan.get("next_run"),
            running=bool(plan.get("running")), last_run=plan.get("last_run"),
            alert=plan.get("alert"),
            failing=bool(state and state.failing),
            consecutive_failures=state.consecutive_failures if state else 0,
            last_error=state.last_error if state else None,
            error_kind=state.error_kind if state else None,
            retry_at=_iso(state.retry_at) if state else None,
            held=state.anomaly if state else None,
            warnings=run.error.splitlines() if run and run.error and
            run.error_kind == "warning" else []))
    return out


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None
