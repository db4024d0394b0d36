"""`calsync timeline`: the unified timeline as a table, JSON or iCalendar."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import click
from rich.table import Table
from rich.text import Text

from calsync.cli.common import console, parse_day, pass_runtime, require_schema
from calsync.model import Event, Status

if TYPE_CHECKING:
    from calsync.runtime import Runtime


@click.command("timeline")
@click.option("--from", "from_", metavar="DATE", help="First day: YYYY-MM-DD, today, +P30D, -P1Y.")
@click.option("--to", "to", metavar="DATE", help="Last day, inclusive (same forms).")
@click.option("--level", multiple=True, help="Only these levels (repeatable or a,b).")
@click.option("--actor", multiple=True, help="Only these actors; globs allowed ('* kommun').")
@click.option("--kind", multiple=True, help="Only these kinds.")
@click.option("--tag", multiple=True, help="Only events with any of these tags.")
@click.option("--source", multiple=True, help="Only events from these connectors.")
@click.option("--cancelled/--no-cancelled", default=True, show_default=True,
              help="Include cancelled events.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "ics"]), default="table",
              show_default=True)
@pass_runtime
def timeline_command(runtime: Runtime, from_: str | None, to: str | None,
                     level: tuple[str, ...], actor: tuple[str, ...], kind: tuple[str, ...],
                     tag: tuple[str, ...], source: tuple[str, ...], cancelled: bool,
                     fmt: str) -> None:
    """Show the unified timeline, grouped by month and coloured by level."""
    from calsync.feeds.ics import CalendarMeta, render_calendar
    from calsync.selectors import Selector
    from calsync.store.events import list_events

    require_schema(runtime)
    selector = Selector.model_validate({
        "level": _split(level), "actor": list(actor) or None, "kind": _split(kind),
        "tags": _split(tag), "source": _split(source),
        "status": None if cancelled else [Status.CONFIRMED, Status.TENTATIVE]})
    tz, now = runtime.config.timezone, runtime.clock.now()
    start = parse_day(from_, tz, now, param="--from")
    end = parse_day(to, tz, now, param="--to")
    end = end + timedelta(days=1) if end is not None else None
    with runtime.engine.connect() as conn:
        found = list_events(conn, start=start, end=end, selector=selector)
    if fmt == "json":
        click.echo(json.dumps([e.as_dict() for e in found], ensure_ascii=False, indent=2))
    elif fmt == "ics":
        meta = CalendarMeta(name="calsync timeline")
        click.echo(render_calendar(found, meta).decode(), nl=False)
    else:
        console.print(_table(runtime, found))
        if not found:
            console.print("No events match. Widen --from/--to or the filters, or run "
                          "`calsync sync` first.")


def _split(values: tuple[str, ...]) -> list[str] | None:
    out = [part.strip() for value in values for part in value.split(",") if part.strip()]
    return out or None


def _table(runtime: Runtime, found: list[Event]) -> Table:
    tz = ZoneInfo(runtime.config.timezone)
    table = Table(title=f"Timeline ({len(found)} events)", title_justify="left",
                  caption="italic: tentative (approximate or proposed)  ·  struck: cancelled",
                  caption_justify="left", expand=True)
    table.add_column("when", no_wrap=True)
    table.add_column("level", no_wrap=True)
    table.add_column("actor", overflow="fold", ratio=1)
    table.add_column("kind", no_wrap=True)
    table.add_column("title", overflow="fold", ratio=3)
    month = None
    for event in found:
        start = event.start
        this_month = (start.astimezone(tz) if isinstance(start, datetime) else start).strftime(
            "%B %Y")
        if this_month != month:
            month = this_month
            table.add_section()
            table.add_row(Text(this_month, style="bold"), "", "", "", "")
        colour = runtime.config.level_color(event.level)
        status = event.status
        style = "strike dim" if status == Status.CANCELLED else (
            "italic" if status == Status.TENTATIVE else "")
        table.add_row(_when(event, tz), Text(event.level, style=f"bold {colour}"),
                      event.actor, event.kind, Text(event.title, style=style))
    return table


def _when(event: Event, tz: ZoneInfo) -> str:
    start, end = event.start, event.end
    if isinstance(start, datetime):
        text = start.astimezone(tz).strftime("%Y-%m-%d %H:%M")
        if isinstance(end, datetime) and end.date() == start.date():
            text += end.astimezone(tz).strftime("–%H:%M")
        return text
    last = (end - timedelta(days=1)) if isinstance(end, date) else start
    return start.isoformat() if last == start else f"{start.isoformat()} → {last.isoformat()}"


def register(group: click.Group) -> None:
    group.add_command(timeline_command)
