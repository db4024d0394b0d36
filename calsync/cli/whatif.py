"""`calsync whatif`: what breaks if an event moves, is cancelled or a new one is added.

An event is named by its UID or by a search (title, description or actor); a search
must find exactly one event and is confirmed before the what-if runs (`--yes` skips the
question). Bad input (unknown UID, malformed date, ambiguous search) exits 2 naming what
to fix. Nothing is written.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import click
from rich.text import Text

from calsync.cli.common import console, pass_runtime, require_schema
from calsync.cli.listing import Column, format_option, print_json, print_listing

if TYPE_CHECKING:
    from calsync.runtime import Runtime

__all__ = ["register"]


def _resolve(runtime: Runtime, ref: str, yes: bool) -> str:
    """A UID for `ref`: itself if it is one, else the one event a search finds."""
    from calsync.model import Status  # the command's work, not start-up (as below)
    from calsync.store.events import get_event, list_events

    with runtime.engine.connect() as conn:
        if get_event(conn, ref) is not None:
            return ref
        found = [e for e in list_events(conn, q=ref, limit=11)
                 if e.status is not Status.CANCELLED]
    if not found:
        raise click.BadParameter(f"no event has the UID {ref!r} and no event matches it as a "
                                 "search; try `calsync timeline` to find it")
    if len(found) > 1:
        shown = "; ".join(f"{e.uid} ({e.title}, {e.start})" for e in found[:10])
        count = "more than 10" if len(found) > 10 else str(len(found))
        raise click.BadParameter(f"{ref!r} matches {count} events: {shown}. Give a UID or a "
                                 "narrower search")
    event = found[0]
    console.print(f"{ref!r} is {event.uid}: {event.title} ({event.start}, {event.actor})")
    if not yes and not click.confirm("Use this event?", default=True):
        raise click.Abort()
    return event.uid


def _split_move(text: str) -> tuple[str, str]:
    ref, sep, day = text.rpartition("=")
    if not sep or not ref:
        raise click.BadParameter(f"expected UID=YYYY-MM-DD, UID=FIRST..LAST or SEARCH=YYYY-MM-DD, "
                                 f"got {text!r}",
                                 param_hint="--move")
    return ref, day


def _changes(runtime: Runtime, moves: tuple[str, ...], cancels: tuple[str, ...],
             adds: tuple[str, ...], yes: bool) -> list[dict[str, Any]]:
    raw: list[dict[str, Any]] = []
    for text in moves:
        ref, day = _split_move(text)
        raw.append({"move": _resolve(runtime, ref, yes), "to": day})
    raw += [{"cancel": _resolve(runtime, ref, yes)} for ref in cancels]
    for text in adds:
        try:
            raw.append({"add": json.loads(text)})
        except json.JSONDecodeError as exc:
            raise click.BadParameter(f"expected a JSON object, {exc}", param_hint="--add"
                                     ) from None
    if not raw:
        raise click.UsageError("give at least one --move, --cancel or --add")
    return raw


def _table(answer: dict[str, Any]) -> None:
    for change in answer["changes"]:
        target = change.get("to") or change.get("start") or ""
        console.print(f"{change['op']}: {change['title']} ({change['uid']}) "
                      f"{change.get('from', '')} → {target}".rstrip(" →"))
    rows: list[list[str | Text]] = []
    for rule, diff in answer["per_rule"].items():
        for effect in ("appear", "disappear"):
            for f in diff[effect]:
                rows.append([rule, effect + "s", Text(f["summary"]), Text(f["fix"] or "")])
        for pair in diff["change"]:
            rows.append([rule, "changes", Text(f"{pair['before']['summary']}\n→ "
                                               f"{pair['after']['summary']}"),
                         Text(pair["after"]["fix"] or "")])
    columns = (Column("rule"), Column("effect"), Column("finding", wrap=True),
               Column("fix", wrap=True))
    print_listing(f"What would change ({len(answer['rules'])} rules ran over "
                  f"{answer['events']} events, {answer['seconds']:.2f}s)", columns, rows,
                  heading=2, show_lines=True,
                  empty="No finding would appear, disappear or change.")
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
                   '..., "actor": ..., "kind": ..., "tags": [...], "attrs": {...}}.')
@click.option("--yes", "-y", is_flag=True, help="Do not ask to confirm an event found by search.")
@format_option("table")
@pass_runtime
def whatif_command(runtime: Runtime, moves: tuple[str, ...], cancels: tuple[str, ...],
                   adds: tuple[str, ...], yes: bool, fmt: str) -> None:
    """What breaks if these changes happen? Writes nothing."""
    from calsync.clock import local_today
    from calsync.errors import NotFoundError
    from calsync.whatif import WhatIfInputError, parse_changes, run_whatif

    require_schema(runtime)
    raw = _changes(runtime, moves, cancels, adds, yes)
    try:
        now = runtime.clock.now()
        changes = parse_changes(raw, local_today(now, runtime.config.timezone))
        with runtime.engine.connect() as conn:
            answer = run_whatif(conn, runtime.config, now, changes)
    except (WhatIfInputError, NotFoundError) as exc:
        raise click.UsageError(str(exc)) from None
    if fmt == "json":
        print_json(answer)
    else:
        _table(answer)


def register(group: click.Group) -> None:
    group.add_command(whatif_command)
