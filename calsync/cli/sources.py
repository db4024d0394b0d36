"""`calsync sources`: each connector's health and its latest sync."""

from __future__ import annotations

import click
from rich.table import Table

from calsync.cli.common import console, pass_runtime, require_schema
from calsync.runtime import Runtime
from calsync.scheduler import status as schedule_status
from calsync.store.sources import (
    SyncRun,
    event_counts_by_source,
    list_source_states,
    recent_sync_runs,
)


@click.command("sources")
@pass_runtime
def sources_command(runtime: Runtime) -> None:
    """Show every connector: enabled, last sync and its counts, errors, held removals."""
    require_schema(runtime)
    with runtime.engine.connect() as conn:
        states = list_source_states(conn)
        counts = event_counts_by_source(conn)
        last_runs: dict[str, SyncRun] = {}
        for recent in recent_sync_runs(conn, limit=500):
            last_runs.setdefault(recent.source, recent)
    schedules = schedule_status(runtime.engine, runtime.config, runtime.clock)
    table = Table(title="Sources", title_justify="left")
    for column in ("connector", "type", "enabled", "events", "last sync", "outcome",
                   "+/~/-/=", "next run", "stale", "status"):
        table.add_column(column)
    for name, connector in sorted(runtime.connectors.items()):
        state, last = states.get(name), last_runs.get(name)
        total = sum(counts.get(name, {}).values())
        cancelled = counts.get(name, {}).get("cancelled", 0)
        if state is None or last is None:
            status, when, outcome, delta = "[dim]never synced", "—", "—", "—"
        else:
            when = last.started_at.strftime("%Y-%m-%d %H:%M UTC")
            outcome = last.outcome
            delta = f"{last.added}/{last.changed}/{last.cancelled}/{last.unchanged}"
            if state.anomaly:
                status = (f"[yellow]held: would cancel {state.anomaly.get('would_cancel')} "
                          f"upcoming; `calsync sync --connector {name} --accept-removals`")
            elif state.failing:
                retry = state.retry_at.strftime("%H:%M UTC") if state.retry_at else "—"
                status = (f"[red]stale ({state.consecutive_failures} failure(s), retry "
                          f"{retry}): {state.last_error}")
            else:
                status = "[green]ok"
        planned = schedules.get(name, {})
        if planned.get("alert"):
            status = f"[red]scheduled run abandoned: {planned['alert']}"
        next_run = (planned["next_run"][:16].replace("T", " ") + " UTC"
                    if planned.get("next_run") else "—")
        table.add_row(name, connector.type, "yes" if connector.config.enabled else "no",
                      f"{total} ({cancelled} cancelled)" if cancelled else str(total),
                      when, outcome, delta, next_run,
                      "[red]yes" if planned.get("stale") else "no", status)
    console.print(table)


def register(group: click.Group) -> None:
    group.add_command(sources_command)
