"""`calsync timeline`: the unified timeline as a table, JSON or iCalendar."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import click
from rich.text import Text

from calsync.cli.common import parse_day, pass_runtime, require_schema
from calsync.cli.listing import Column, Section, format_option, print_json, print_listing
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
@format_option("table", "json", "ics")
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
        print_json([e.as_dict() for e in found])
    elif fmt == "ics":
        from dataclasses import replace

        from calsync.i18n.events import in_language

        language = runtime.config.language
        meta = CalendarMeta(name="calsync timeline")
        local = [replace(e, data=in_language(e.data, language)) for e in found]
        body = render_calendar(local, meta, language=language,
                               level_titles=runtime.config.level_titles(language))
        click.echo(body.decode(), nl=False)
    else:
        _print(runtime, found)


def _split(values: tuple[str, ...]) -> list[str] | None:
    out = [part.strip() for value in values for part in value.split(",") if part.strip()]
    return out or None


COLUMNS = (Column("when"), Column("level"), Column("actor", wrap=True), Column("kind"),
           Column("title", wrap=True))


def _print(runtime: Runtime, found: list[Event]) -> None:
    """The events with their titles and month headings in the config's language."""
    from calsync.i18n.events import title_in
    from calsync.i18n.formats import format_month
    from calsync.i18n.vocabulary import kind_name

    language = runtime.config.language
    tz = ZoneInfo(runtime.config.timezone)
    rows: list[list[str | Text] | Section] = []
    month = None
    for event in found:
        start = event.start
        this_month = format_month(start.astimezone(tz) if isinstance(start, datetime)
                                  else start, language)
        if this_month != month:
            month = this_month
            rows.append(Section(this_month))
        colour = runtime.config.level_color(event.level)
        status = event.status
        style = "strike dim" if status == Status.CANCELLED else (
            "italic" if status == Status.TENTATIVE else "")
        rows.append([_when(event, tz),
                     Text(runtime.config.level_title(event.level, language),
                          style=f"bold {colour}"),
                     Text(event.actor), kind_name(event.kind, language),
                     Text(title_in(event.data, language), style=style)])
    print_listing(f"Timeline ({len(found)} events)", COLUMNS, rows, heading=1,
                  caption="italic: tentative (approximate or proposed)  ·  struck: cancelled",
                  empty="No events match. Widen --from/--to or the filters, or run "
                        "`calsync sync` first.")


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
