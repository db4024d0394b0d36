"""`calsync sources`: each connector's health, its latest sync and its next run."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click
from rich.markup import escape
from rich.table import Table

from calsync.cli.common import console, pass_runtime, require_schema

if TYPE_CHECKING:
    from calsync.health import SourceStatus
    from calsync.runtime import Runtime


@click.command("sources")
@pass_runtime
def sources_command(runtime: Runtime) -> None:
    """Show every connector: events, last sync and its counts, next run, stale, errors."""
    from calsync.health import source_statuses

    require_schema(runtime)
    with runtime.engine.connect() as conn:
        statuses = source_statuses(runtime, conn)
    table = Table(title="Sources", title_justify="left")
    for column in ("connector", "type", "enabled", "events", "last sync (UTC)", "outcome",
                   "+/~/-/=", "next run (UTC)", "stale", "status"):
        table.add_column(column)
    for s in statuses:
        run = s.last_sync
        cancelled = s.events_by_status.get("cancelled", 0)
        table.add_row(
            s.name, s.type, "yes" if s.enabled else "no",
            f"{s.events} ({cancelled} cancelled)" if cancelled else str(s.events),
            _minute(run.started_at) if run else "—", run.outcome if run else "—",
            f"{run.added}/{run.changed}/{run.cancelled}/{run.unchanged}" if run else "—",
            _minute(s.next_run) if s.next_run else "—",
            "[red]yes" if s.stale else "no", _status(s))
    console.print(table)
    for s in statuses:
        for warning in s.warnings:
            console.print(f"[yellow]⚠[/] {s.name}: {escape(warning)}", soft_wrap=True)


def _status(s: SourceStatus) -> str:
    if s.alert:
        return f"[red]scheduled run abandoned: {s.alert}"
    if s.last_sync is None:
        return "[dim]never synced" if s.enabled else "[dim]disabled"
    if s.held:
        return (f"[yellow]held: would cancel {s.held.get('would_cancel')} upcoming; "
                f"`calsync sync --connector {s.name} --accept-removals`")
    if s.failing:
        retry = _minute(s.retry_at) if s.retry_at else "—"
        return (f"[red]failing ({s.consecutive_failures} failure(s), retry {retry}): "
                f"{s.last_error}")
    if s.warnings:
        return f"[yellow]ok, {len(s.warnings)} warning(s) below"
    return "[green]ok"


def _minute(iso: str) -> str:
    """An ISO instant as 'YYYY-MM-DD HH:MM' (the API's values are UTC)."""
    return iso[:16].replace("T", " ")


def register(group: click.Group) -> None:
    group.add_command(sources_command)
