"""`calsync whatif`: what breaks if an event moves, is cancelled or a new one is added.

An event is named by its UID or by a search (words of its title or description in either
language, its actor or body; `calsync.whatif.find`); a search
must find exactly one event and is confirmed before the what-if runs (`--yes` skips the
question). Bad input (unknown UID, malformed date, ambiguous search) exits 2 naming what
to fix, in `--lang` (default: the config's `language:`), as the answer's texts are.
Nothing is written.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import click
from rich.text import Text

from calsync.cli.common import console, pass_runtime, require_schema
from calsync.cli.listing import Column, format_option, print_json, print_listing

if TYPE_CHECKING:
    from calsync.i18n.languages import Language
    from calsync.runtime import Runtime

__all__ = ["register"]


def _resolve(runtime: Runtime, ref: str, yes: bool, language: Language) -> str:
    """A UID for `ref`: itself if it is one, else the one event a search finds
    (`calsync.whatif.find`), confirmed unless `yes`."""
    from calsync.i18n.messages import shown_in
    from calsync.store.events import get_event
    from calsync.whatif.changes import WhatIfInputError
    from calsync.whatif.find import CONFIRM, found_line, the_event

    with runtime.engine.connect() as conn:
        if get_event(conn, ref) is not None:
            return ref
        try:
            event = the_event(conn, ref, language)
        except WhatIfInputError as exc:
            raise click.BadParameter(shown_in(exc.message, language)) from None
    console.print(found_line(ref, event, language))
    if not yes and not click.confirm(CONFIRM.in_(language), default=True):
        raise click.Abort()
    return event.uid


def _split_move(text: str, option: str) -> tuple[str, str]:
    ref, sep, day = text.rpartition("=")
    if not sep or not ref:
        raise click.BadParameter(f"expected UID=YYYY-MM-DD, UID=FIRST..LAST or SEARCH=YYYY-MM-DD, "
                                 f"got {text!r}",
                                 param_hint=option)
    return ref, day


def _adds(adds: tuple[str, ...], option: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for text in adds:
        try:
            out.append({"add": json.loads(text)})
        except json.JSONDecodeError as exc:
            raise click.BadParameter(f"expected a JSON object, {exc}", param_hint=option
                                     ) from None
    return out


def _added_names(raw: list[dict[str, Any]]) -> set[str]:
    """The names (`"as"`) of the added events: a move or cancel naming one is not a
    search."""
    return {spec["add"]["as"] for spec in raw
            if isinstance(spec["add"], dict) and isinstance(spec["add"].get("as"), str)}


def _changes(runtime: Runtime, moves: tuple[str, ...], cancels: tuple[str, ...],
             adds: list[dict[str, Any]], names: set[str], yes: bool, language: Language,
             prefix: str = "--") -> list[dict[str, Any]]:
    """The changes in the API's shape; adds first (a move may name an added event by its
    `as` or its `whatif-N` UID), then moves, then cancels."""
    def ref_of(ref: str) -> str:
        added = ref in names or (ref.startswith("whatif-") and ref[7:].isdigit())
        return ref if added else _resolve(runtime, ref, yes, language)

    raw = list(adds)
    for text in moves:
        ref, day = _split_move(text, prefix + "move")
        raw.append({"move": ref_of(ref), "to": day})
    raw += [{"cancel": ref_of(ref)} for ref in cancels]
    return raw


def _table(answer: dict[str, Any], language: Language) -> None:
    """The answer for people, its words in `language` (`calsync.whatif.words`, as the
    findings and ranges it shows)."""
    from calsync.whatif.words import table_words

    words = table_words(language)
    for given, key in ((True, "given"), (False, "changes")):
        for change in answer[key]:
            when = change["start"] if change["op"] == "add" else \
                f"{change['from']} → {change['to']}" if change["op"] == "move" else ""
            op = words[change["op"]]
            op = words["given"].format(op=op) if given else op
            console.print(f"{op}: {change['title']} ({change['uid']}) {when}".rstrip())
            if "actual_of" in change:
                console.print("  " + words["as_actual"].format(uid=change["actual_of"]),
                              style="dim")
    rows: list[list[str | Text]] = []
    for rule, diff in answer["per_rule"].items():
        for effect in ("appear", "disappear"):
            for f in diff[effect]:
                rows.append([rule, words[effect], Text(f["summary"]), Text(f["fix"] or "")])
        for pair in diff["change"]:
            rows.append([rule, words["change"], Text(f"{pair['before']['summary']}\n→ "
                                                     f"{pair['after']['summary']}"),
                         Text(pair["after"]["fix"] or "")])
    columns = (Column(words["rule"]), Column(words["effect"]),
               Column(words["finding"], wrap=True), Column(words["fix"], wrap=True))
    print_listing(words["title"].format(rules=len(answer["rules"]), events=answer["events"],
                                        seconds=f"{answer['seconds']:.2f}"), columns, rows,
                  heading=2, show_lines=True, empty=words["empty"])
    for found in answer["ranges"]:
        console.print(f"{found['title']}: {found['text']}.")


@click.command("whatif")
@click.option("--move", "moves", multiple=True, metavar="EVENT=DATE",
              help="Move an event (UID or search) to start on DATE (YYYY-MM-DD, today, +P90D), "
                   "or to span FIRST..LAST (reshapes a span instead of shifting it).")
@click.option("--cancel", "cancels", multiple=True, metavar="EVENT",
              help="Cancel an event (UID or search).")
@click.option("--add", "adds", multiple=True, metavar="JSON",
              help='Add a hypothetical event: {"title": ..., "start": "2027-12-15", "level": '
                   '..., "actor": ..., "kind": ..., "tags": [...], "attrs": {...}, "as": NAME}; '
                   "--move NAME=DATE (or whatif-N) then moves it.")
@click.option("--given-move", "given_moves", multiple=True, metavar="EVENT=DATE",
              help="Like --move, but assumed on both sides: the answer shows what the other "
                   "changes do on top of it.")
@click.option("--given-cancel", "given_cancels", multiple=True, metavar="EVENT",
              help="Like --cancel, assumed on both sides.")
@click.option("--given-add", "given_adds", multiple=True, metavar="JSON",
              help='Like --add, assumed on both sides; with "as": NAME a --move NAME=DATE '
                   "tries the step on another date and shows the findings that go away.")
@click.option("--yes", "-y", is_flag=True, help="Do not ask to confirm an event found by search.")
@click.option("--lang", "lang", type=click.Choice(["sv", "en"]), default=None,
              help="The language of the findings, ranges, table and input errors (default: "
                   "the config's `language:`).")
@format_option("table")
@pass_runtime
def whatif_command(runtime: Runtime, moves: tuple[str, ...], cancels: tuple[str, ...],
                   adds: tuple[str, ...], given_moves: tuple[str, ...],
                   given_cancels: tuple[str, ...], given_adds: tuple[str, ...], yes: bool,
                   lang: str | None, fmt: str) -> None:
    """What breaks if these changes happen? Writes nothing."""
    from calsync.clock import local_today
    from calsync.errors import NotFoundError
    from calsync.i18n.languages import parse_language
    from calsync.i18n.messages import shown_in
    from calsync.whatif import WhatIfInputError, parse_changes, run_whatif

    require_schema(runtime)
    language = parse_language(lang) or runtime.config.language
    added, assumed_added = _adds(adds, "--add"), _adds(given_adds, "--given-add")
    names = _added_names([*added, *assumed_added])
    given = _changes(runtime, given_moves, given_cancels, assumed_added, names, yes,
                     language, "--given-")
    raw = _changes(runtime, moves, cancels, added, names, yes, language)
    if not raw:
        raise click.UsageError("give at least one --move, --cancel or --add")
    try:
        now = runtime.clock.now()
        today = local_today(now, runtime.config.timezone)
        changes = parse_changes(raw, today)
        assumed = parse_changes(given, today, "given", empty_ok=True)
        with runtime.engine.connect() as conn:
            answer = run_whatif(conn, runtime.config, now, changes, assumed, language=language)
    except (WhatIfInputError, NotFoundError) as exc:
        raise click.UsageError(shown_in(exc.args[0], language) if exc.args else str(exc)
                               ) from None
    if fmt == "json":
        print_json(answer)
    else:
        _table(answer, language)


def register(group: click.Group) -> None:
    group.add_command(whatif_command)
