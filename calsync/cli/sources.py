"""`calsync sources`: each connector's health, its latest sync and its next run."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click
from rich.markup import escape

from calsync.cli.common import EXIT_FAILURE, console, err_console, pass_runtime, require_schema
from calsync.cli.listing import Column, format_option, print_json, print_listing

if TYPE_CHECKING:
    from calsync.health import SourceStatus
    from calsync.runtime import Runtime


COLUMNS = (Column("connector"), Column("type"), Column("enabled"), Column("events"),
           Column("last sync (UTC)"), Column("outcome"), Column("+/~/-/="),
           Column("next run (UTC)"), Column("stale"), Column("status", wrap=True))


@click.command("sources")
@format_option("table")
@click.option("--fail-on-error", is_flag=True,
              help="Exit 1 if an enabled connector is failing, stale, held back or its "
                   "scheduled run was abandoned (for scripts and monitoring).")
@pass_runtime
def sources_command(runtime: Runtime, fmt: str, fail_on_error: bool) -> None:
    """Show every connector: events, last sync and its counts, next run, stale, errors."""
    from calsync.health import source_statuses

    require_schema(runtime)
    with runtime.engine.connect() as conn:
        statuses = source_statuses(runtime, conn)
    if fmt == "json":
        print_json([s.model_dump(mode="json") for s in statuses])
    else:
        _print(statuses)
    unhealthy = [s.name for s in statuses if s.needs_attention()]
    if fail_on_error and unhealthy:
        err_console.print(f"unhealthy connector(s): {', '.join(unhealthy)}", soft_wrap=True)
        raise SystemExit(EXIT_FAILURE)


def _print(statuses: list[SourceStatus]) -> None:
    rows: list[list[str]] = []
    for s in statuses:
        run = s.last_sync
        cancelled = s.events_by_status.get("cancelled", 0)
        rows.append([
            escape(s.name), escape(s.type), "yes" if s.enabled else "no",
            f"{s.events} ({cancelled} cancelled)" if cancelled else str(s.events),
            _minute(run.started_at) if run else "—", run.outcome if run else "—",
            f"{run.added}/{run.changed}/{run.cancelled}/{run.unchanged}" if run else "—",
            _minute(s.next_run) if s.next_run else "—",
            "[red]yes" if s.stale else "no", _status(s)])
    print_listing("Sources", COLUMNS, rows, heading=2)
    for s in statuses:
        for warning in s.warnings:
            console.print(f"[yellow]⚠[/] {s.name}: {escape(warning)}", soft_wrap=True)


def _status(s: SourceStatus) -> str:
    if s.alert:
        return f"[red]scheduled run abandoned: {escape(s.alert)}"
    if s.last_sync is None:
        return "[dim]never synced" if s.enabled else "[dim]disabled"
    if s.held:
        return (f"[yellow]held: would cancel {s.held.get('would_cancel')} upcoming; "
                f"`calsync sync --connector {s.name} --accept-removals`")
    if s.failing:
        retry = _minute(s.retry_at) if s.retry_at else "—"
        return (f"[red]failing ({s.consecutive_failures} failure(s), retry {retry}): "
                f"{escape(s.last_error or '')}")
    if s.warnings:
        return f"[yellow]ok, {len(s.warnings)} warning(s) below"
    return "[green]ok"


def _minute(iso: str) -> str:
    """An ISO instant as 'YYYY-MM-DD HH:MM' (the API's values are UTC)."""
    return iso[:16].replace("T", " ")


def register(group: click.Group) -> None:
    group.add_command(sources_command)
