"""`calsync agenda`: an organisation's upcoming deadlines, decisions and meetings, in date
order, each with the open misalignments that involve it; as a table, JSON (the API's
`GET /api/agenda`), Markdown or iCalendar."""

from __future__ import annotations

import json
from datetime import date
from typing import TYPE_CHECKING

import click
from rich.text import Text

from calsync.cli.common import (
    check_org_and_levels,
    console,
    pass_runtime,
    require_schema,
    split_values,
)
from calsync.cli.evaluate import SEVERITY_STYLE

if TYPE_CHECKING:
    from calsync.agenda.build import Agenda
    from calsync.runtime import Runtime

__all__ = ["register"]


def _days(runtime: Runtime, from_: str, to: str | None, upcoming: str) -> tuple[date, date]:
    from calsync.clock import local_today
    from calsync.durations import parse_day, parse_duration

    today = local_today(runtime.clock.now(), runtime.config.timezone)
    try:
        start = parse_day(from_, today)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--from") from None
    if to is not None:
        try:
            end = parse_day(to, today)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--to") from None
    else:
        try:
            end = start + parse_duration(upcoming.lstrip("+"))
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--next") from None
    if end < start:
        raise click.BadParameter(f"the last day {end} is before the first day {start}",
                                 param_hint="--to/--next")
    return start, end


@click.command("agenda")
@click.option("--org", "organisation", default=None, metavar="NAME",
              help="Only this organisation's events (a name under `organisations:`).")
@click.option("--actor", multiple=True, help="Only these actors; globs allowed ('* kommun').")
@click.option("--level", multiple=True, help="Only these levels (repeatable or a,b).")
@click.option("--kind", multiple=True,
              help="These kinds (default: deadline, decision, budget, meeting).")
@click.option("--tag", multiple=True, help="Only events with any of these tags.")
@click.option("--from", "from_", default="today", show_default=True, metavar="DATE",
              help="First day: YYYY-MM-DD, today, +P7D, -P1M.")
@click.option("--to", "to", default=None, metavar="DATE",
              help="Last day, inclusive (the same forms); instead of --next.")
@click.option("--next", "upcoming", default="P90D", show_default=True, metavar="DURATION",
              help="How far ahead of --from (ISO-8601: P90D, P3M).")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "ics", "md"]),
              default="table", show_default=True)
@pass_runtime
def agenda_command(runtime: Runtime, organisation: str | None, actor: tuple[str, ...],
                   level: tuple[str, ...], kind: tuple[str, ...], tag: tuple[str, ...],
                   from_: str, to: str | None, upcoming: str, fmt: str) -> None:
    """Show upcoming deadlines, decisions and meetings with their misalignments."""
    from calsync.agenda.build import build_agenda
    from calsync.agenda.render import agenda_calendar, agenda_markdown
    from calsync.selectors import Selector

    require_schema(runtime)
    config = runtime.config
    check_org_and_levels(runtime, [organisation] if organisation else None, split_values(level))
    start, end = _days(runtime, from_, to, upcoming)
    tags = split_values(tag)
    selector = Selector.model_validate({
        "level": split_values(level), "actor": list(actor) or None, "kind": split_values(kind),
        "tags": {"any": tags} if tags else None})
    with runtime.engine.connect() as conn:
        agenda = build_agenda(conn, config, start=start, end=end, now=runtime.clock.now(),
                              selector=selector, organisation=organisation)
    if fmt == "json":
        click.echo(json.dumps(agenda.as_dict(), ensure_ascii=False, indent=2))
    elif fmt == "md":
        click.echo(agenda_markdown(agenda, config.language), nl=False)
    elif fmt == "ics":
        click.echo(agenda_calendar(agenda, config.language).decode(), nl=False)
    else:
        _print(runtime, agenda)


def _print(runtime: Runtime, agenda: Agenda) -> None:
    from rich.table import Table

    from calsync.agenda.render import title_of

    title = title_of(agenda, runtime.config.language)
    table = Table(title=f"{title} ({len(agenda.items)} events, "
                        f"{agenda.misaligned} out of step)",
                  title_justify="left", show_lines=True, expand=True)
    table.add_column("day", no_wrap=True)
    table.add_column("level", no_wrap=True)
    table.add_column("kind", no_wrap=True)
    table.add_column("event", overflow="fold", ratio=2)
    table.add_column("out of step", overflow="fold", ratio=3)
    for item in agenda.items:
        event = item.event
        notes = Text()
        for n, found in enumerate(item.misalignments):
            if n:
                notes.append("\n")
            notes.append(f"{found.rule} ", style=SEVERITY_STYLE.get(found.severity, ""))
            notes.append(found.summary)
            if found.fix:
                notes.append(f"\nFix: {found.fix}", style="dim")
        colour = runtime.config.level_color(event.level)
        table.add_row(item.day.isoformat(), Text(event.level, style=f"bold {colour}"),
                      event.kind, f"{event.actor}: {event.title}", notes)
    console.print(table)
    if not agenda.items:
        console.print("Nothing on the agenda. Widen --from/--next or the filters, or run "
                      "`calsync sync` first.")


def register(group: click.Group) -> None:
    group.add_command(agenda_command)
