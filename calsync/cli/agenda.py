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
    from calsync.i18n.languages import Language
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
@click.option("--lang", "lang", type=click.Choice(["sv", "en"]), default=None,
              help="The language of the agenda's words and misalignments (default: the "
                   "config's `language:`).")
@pass_runtime
def agenda_command(runtime: Runtime, organisation: str | None, actor: tuple[str, ...],
                   level: tuple[str, ...], kind: tuple[str, ...], tag: tuple[str, ...],
                   from_: str, to: str | None, upcoming: str, fmt: str, lang: str | None
                   ) -> None:
    """Show upcoming deadlines, decisions and meetings with their misalignments."""
    from calsync.agenda.build import build_agenda
    from calsync.agenda.render import agenda_calendar, agenda_markdown
    from calsync.i18n.languages import parse_language
    from calsync.selectors import Selector

    require_schema(runtime)
    config = runtime.config
    language: Language = parse_language(lang) or config.language
    check_org_and_levels(runtime, [organisation] if organisation else None, split_values(level))
    start, end = _days(runtime, from_, to, upcoming)
    tags = split_values(tag)
    selector = Selector.model_validate({
        "level": split_values(level), "actor": list(actor) or None, "kind": split_values(kind),
        "tags": {"any": tags} if tags else None})
    with runtime.engine.connect() as conn:
        agenda = build_agenda(conn, config, start=start, end=end, now=runtime.clock.now(),
                              selector=selector, organisation=organisation,
                              language=language)
    if fmt == "json":
        click.echo(json.dumps(agenda.as_dict(), ensure_ascii=False, indent=2))
    elif fmt == "md":
        click.echo(agenda_markdown(agenda, language), nl=False)
    elif fmt == "ics":
        body = agenda_calendar(agenda, language, config.level_titles(language))
        click.echo(body.decode(), nl=False)
    else:
        _print(runtime, agenda, language)


def _print(runtime: Runtime, agenda: Agenda, language: Language) -> None:
    from rich.table import Table

    from calsync.agenda.render import table_title, table_words
    from calsync.i18n.events import title_in
    from calsync.i18n.vocabulary import kind_name
    from calsync.rules.texts import with_owner

    words = table_words(language)
    table = Table(title=table_title(agenda, language),
                  title_justify="left", show_lines=True, expand=True)
    table.add_column(words["day"], no_wrap=True)
    table.add_column(words["level"], no_wrap=True)
    table.add_column(words["kind"], no_wrap=True)
    # The misalignments get the room when there are some; else the titles do.
    notes_ratio = 3 if agenda.misaligned else 1
    table.add_column(words["event"], overflow="fold", ratio=5 - notes_ratio)
    table.add_column(words["out_of_step"], overflow="fold", ratio=notes_ratio)
    for item in agenda.items:
        event = item.event
        notes = Text()
        for n, found in enumerate(item.misalignments):
            if n:
                notes.append("\n")
            notes.append(f"{found.rule} ", style=SEVERITY_STYLE.get(found.severity, ""))
            notes.append(found.summary)
            if found.fix:
                notes.append("\n" + words["fix"].format(fix=found.fix), style="dim")
        config = runtime.config
        table.add_row(item.day.isoformat(),
                      Text(config.level_title(event.level, language),
                           style=f"bold {config.level_color(event.level)}"),
                      kind_name(event.kind, language),
                      with_owner(title_in(event.data, language), event.actor), notes)
    console.print(table)
    if not agenda.items:
        console.print(words["empty"])


def register(group: click.Group) -> None:
    group.add_command(agenda_command)
