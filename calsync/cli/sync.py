"""`calsync sync`: run connectors now, with progress per connector and a summary."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import click
from rich.markup import escape

from calsync.cli.common import (
    EXIT_BUSY,
    EXIT_FAILURE,
    console,
    err_console,
    pass_runtime,
    require_schema,
)
from calsync.cli.listing import Column, format_option, print_json, print_listing

if TYPE_CHECKING:
    from calsync.runtime import Runtime
    from calsync.sync import SyncReport

_STAGES = {"fetching": "fetching…", "mapping": "mapping…", "writing": "writing…",
           "done": "[green]done", "failed": "[red]failed", "held": "[yellow]held back"}


@click.command("sync")
@click.option("--connector", "names", multiple=True, metavar="NAME",
              help="Sync only this connector (repeatable); default: every enabled one.")
@click.option("--accept-removals", is_flag=True,
              help="Apply a sync even if it cancels many upcoming events (after checking "
                   "that the upstream really removed them).")
@format_option("table")
@pass_runtime
def sync_command(runtime: Runtime, names: tuple[str, ...], accept_removals: bool,
                 fmt: str) -> None:
    """Fetch from connectors and update the timeline."""
    import asyncio  # with rich.progress: the command's work, not `sync --help`'s

    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from calsync.scheduler.now import sync_now

    require_schema(runtime)
    out = err_console if fmt == "json" else console  # stdout is the JSON's
    connectors = runtime.select_connectors(list(names))
    if not connectors:
        out.print("No enabled connectors in the config; nothing to sync.")
        return
    with Progress(SpinnerColumn(), TextColumn("{task.description:<28}"),
                  TextColumn("{task.fields[stage]}"), TimeElapsedColumn(),
                  console=out, transient=False) as progress:
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
        for name in run.deferred:
            progress.update(tasks[name], stage="[yellow]deferred", total=1, completed=1)
    reports = run.reports
    if fmt == "json":
        print_json({"reports": [r.as_dict() for r in reports], "queued": run.queued,
                    "deferred": {name: after.isoformat() for name, after in run.deferred.items()},
                    "evaluated": run.evaluated})
    else:
        print_summary(reports)
    if run.waited:
        out.print(f"Waited {run.waited:.0f}s before fetching, as the upstream asked "
                  "(Retry-After).")
    for name, after in run.deferred.items():
        out.print(f"[yellow]✗[/] {name}: not synced now: its upstream asked "
                  f"(Retry-After) not to be fetched before {_utc(after)}. Run "
                  f"`calsync sync` again after {_utc(after)}; a running `calsync worker` "
                  "fetches it then by itself.", soft_wrap=True, highlight=False)
    for name in run.queued:
        out.print(f"[yellow]✗[/] {name}: not synced now: "
                  + held_text(run.held.get(name), runtime.config.scheduler.heartbeat_seconds),
                  soft_wrap=True, markup=True, highlight=False)
    if run.evaluated and runtime.config.rules:
        out.print("Rules re-evaluated; see `calsync alerts`.")
    for report in reports:
        for warning in report.warnings:
            out.print(f"[yellow]⚠[/] {report.source}: {escape(warning)}", soft_wrap=True)
    problems = [r for r in reports if not r.ok]
    for report in problems:
        out.print(f"[red]✗[/] {report.source}: {report.error}", soft_wrap=True)
    if problems:
        raise SystemExit(EXIT_FAILURE)
    if run.queued or run.deferred:
        raise SystemExit(EXIT_BUSY)


def held_text(holder: dict[str, Any] | None, heartbeat: float) -> str:
    """Why a connector did not sync now: who holds its run, until when, what to do."""
    if holder is None:  # it finished between our pass and this question
        return "another run of it was busy; run `calsync sync` again."
    until, now = holder["lease_until"], holder["now"]
    beat = holder["heartbeat_at"] or holder["started_at"]
    silent = (now - beat).total_seconds() if beat is not None else None
    who = (f"a sync of it by instance {escape(str(holder['owner']))} (attempt "
           f"{holder['attempt']}) holds its lease until {_utc(until)}")
    if silent is not None and silent > 2 * heartbeat:
        return (f"{who}, and has not renewed it for {silent:.0f}s: that process has "
                "probably stopped (killed or crashed). Nothing was lost: an unfinished sync "
                f"commits nothing. Run `calsync sync` again after {_utc(until)}, when the lease "
                "has lapsed and this run takes it over (a running `calsync worker` does so "
                "by itself).")
    return (f"{who} and is renewing it (last at {_utc(beat)}): it is running. This request "
            "is queued and runs right after it on that instance or the next worker pass "
            "(see `calsync sources`).")


def _utc(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC") if moment else "?"


def print_summary(reports: list[SyncReport]) -> None:
    """One row per connector: outcome, counts, errors, time."""
    print_listing("Sync summary", *summary_rows(reports), heading=2)


def summary_rows(reports: list[SyncReport]) -> tuple[list[Column], list[list[str]]]:
    """The summary's columns (capture failures only when there are any) and rows."""
    captures = any(r.capture_failed for r in reports)
    columns = [Column("connector"), Column("outcome")]
    columns += [Column(c, justify="right") for c in ("added", "changed", "cancelled",
                                                     "unchanged", "skipped")]
    if captures:
        columns.append(Column("capture failed", justify="right"))
    columns += [Column("errors", justify="right"), Column("time", justify="right")]
    colour = {"ok": "green", "not_modified": "green", "failed": "red", "held": "yellow"}
    rows: list[list[str]] = []
    for r in reports:
        cells = [escape(r.source), f"[{colour.get(r.outcome, 'white')}]{r.outcome}",
                 str(r.added), str(r.changed), str(r.cancelled), str(r.unchanged),
                 str(r.skipped)]
        if captures:
            cells.append(str(r.capture_failed))
        rows.append([*cells, "1" if r.error else "0", f"{r.seconds:.2f}s"])
    return columns, rows


def register(group: click.Group) -> None:
    group.add_command(sync_command)


__all__ = ["held_text", "print_summary", "register", "summary_rows"]
