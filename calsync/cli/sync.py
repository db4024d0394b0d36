"""`calsync sync`: run connectors now, with progress per connector and a summary."""

from __future__ import annotations

import asyncio

import click
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from calsync.cli.common import EXIT_FAILURE, console, pass_runtime, require_schema
from calsync.runtime import Runtime
from calsync.scheduler.now import sync_now
from calsync.sync import SyncReport

_STAGES = {"fetching": "fetching…", "mapping": "mapping…", "writing": "writing…",
           "done": "[green]done", "failed": "[red]failed", "held": "[yellow]held back"}


@click.command("sync")
@click.option("--connector", "names", multiple=True, metavar="NAME",
              help="Sync only this connector (repeatable); default: every enabled one.")
@click.option("--accept-removals", is_flag=True,
              help="Apply a sync even if it cancels many upcoming events (after checking "
                   "that the upstream really removed them).")
@pass_runtime
def sync_command(runtime: Runtime, names: tuple[str, ...], accept_removals: bool) -> None:
    """Fetch from connectors and update the timeline."""
    require_schema(runtime)
    connectors = runtime.select_connectors(list(names))
    if not connectors:
        console.print("No enabled connectors in the config; nothing to sync.")
        return
    with Progress(SpinnerColumn(), TextColumn("{task.description:<28}"),
                  TextColumn("{task.fields[stage]}"), TimeElapsedColumn(),
                  console=console, transient=False) as progress:
        tasks = {c.name: progress.add_task(c.name, total=None, stage="waiting")
                 for c in connectors}

        def on_stage(source: str, stage: str) -> None:
            finished = stage in ("done", "failed", "held")
            progress.update(tasks[source], stage=_STAGES.get(stage, stage),
                            total=1 if finished else None, completed=1 if finished else 0)

        run = asyncio.run(sync_now(runtime, connectors, accept_removals=accept_removals,
                                   progress=on_stage))
        for name in run.queued:
            progress.update(tasks[name], stage="[yellow]queued", total=1, completed=1)
    reports = run.reports
    console.print(summary_table(reports))
    for name in run.queued:
        console.print(f"[yellow]…[/] {name}: a sync of it is running on another instance; "
                      "this request runs right after it (see `calsync sources`).")
    if run.evaluated and runtime.config.rules:
        console.print("Rules re-evaluated; see `calsync alerts`.")
    problems = [r for r in reports if not r.ok]
    for report in problems:
        console.print(f"[red]✗[/] {report.source}: {report.error}", soft_wrap=True)
    if problems:
        raise SystemExit(EXIT_FAILURE)


def summary_table(reports: list[SyncReport]) -> Table:
    table = Table(title="Sync summary", title_justify="left")
    table.add_column("connector")
    table.add_column("outcome")
    for column in ("added", "changed", "cancelled", "unchanged", "skipped"):
        table.add_column(column, justify="right")
    captures = any(r.capture_failed for r in reports)
    if captures:
        table.add_column("capture failed", justify="right")
    table.add_column("errors")
    table.add_column("time", justify="right")
    colour = {"ok": "green", "not_modified": "green", "failed": "red", "held": "yellow"}
    for r in reports:
        cells = [r.source, f"[{colour.get(r.outcome, 'white')}]{r.outcome}",
                 str(r.added), str(r.changed), str(r.cancelled), str(r.unchanged),
                 str(r.skipped)]
        if captures:
            cells.append(str(r.capture_failed))
        table.add_row(*cells, "1" if r.error else "0", f"{r.seconds:.2f}s")
    return table


def register(group: click.Group) -> None:
    group.add_command(sync_command)


__all__ = ["register", "summary_table"]
