"""`calsync feeds`: the feeds and their subscribe addresses; `rotate-token` and
`token create|list|revoke` (one address per subscriber) for private ones."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click
from rich.text import Text

from calsync.cli.common import console, pass_runtime, require_schema
from calsync.cli.listing import Column, format_option, print_json, print_listing
from calsync.errors import NotFoundError

if TYPE_CHECKING:
    from calsync.runtime import Runtime


@click.group("feeds", invoke_without_command=True)
@format_option("table")
@click.pass_context
def feeds_group(ctx: click.Context, fmt: str) -> None:
    """List the feeds with their https and webcal:// addresses."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(list_command, fmt=fmt)


@feeds_group.command("list")
@format_option("table")
@pass_runtime
def list_command(runtime: Runtime, fmt: str) -> None:
    """List the feeds with their https and webcal:// addresses (private ones with their
    secret address)."""
    # The command's work, not start-up: `calsync feeds --help` imports none of it.

    from calsync.feeds.service import feed_config, feed_names, feed_texts, feed_urls
    from calsync.feeds.tokens import list_tokens

    require_schema(runtime)
    config = runtime.config
    with runtime.engine.connect() as conn:
        tokens = list_tokens(conn)
    found: list[dict[str, Any]] = []
    for name in feed_names(config):
        spec = feed_config(config, name)
        assert spec is not None
        token = tokens.get(name) if spec.private else None
        urls: dict[str, str | None] = {"url": None, "webcal": None}
        if not spec.private or token is not None:
            urls = {**feed_urls(config, name, token.token if token else None)}
        found.append({"name": name, "title": feed_texts(spec, config.language)[0],
                      "private": spec.private, **urls})
    if fmt == "json":
        print_json(found)
        return
    rows: list[list[str | Text]] = []
    for feed in found:
        title = Text(feed["title"])
        if feed["private"]:
            title.append(" (private)", style="yellow")
        if feed["url"] is None:
            rows.append([feed["name"], title, "[dim]no token yet",
                         f"calsync feeds rotate-token {feed['name']}"])
        else:
            rows.append([feed["name"], title, feed["url"], feed["webcal"]])
    columns = (Column("feed"), Column("title", wrap=True), Column("address", wrap=True),
               Column("subscribe", wrap=True))
    print_listing("Feeds (subscribe with the webcal:// address)", columns, rows)
    console.print("Narrow any feed ad hoc: ?level=municipal&kind=budget&from=2027-01-01"
                  "&to=2027-12-31")


@feeds_group.command("rotate-token")
@click.argument("name")
@pass_runtime
def rotate_command(runtime: Runtime, name: str) -> None:
    """Give private feed NAME a new secret address; the old one stops working at once."""
    # The command's work, not start-up: `calsync feeds --help` imports none of it.
    from calsync.feeds.service import feed_urls, private_feed_config
    from calsync.feeds.tokens import rotate_token

    require_schema(runtime)
    private_feed_config(runtime.config, name)
    with runtime.engine.begin() as conn:
        token = rotate_token(conn, name, now=runtime.clock.now(), by="cli")
    urls = feed_urls(runtime.config, name, token.token)
    console.print(f"[green]✓[/] new secret address for feed [bold]{name}[/]:")
    console.print(f"  {urls['url']}")
    console.print(f"  {urls['webcal']}")
    console.print("The previous address now answers 404; share the new one with subscribers.")


@feeds_group.group("token")
def token_group() -> None:
    """Secret addresses of a private feed, one per subscriber: revoking one person's
    address cuts off nobody else."""


@token_group.command("create")
@click.argument("name")
@click.option("--for", "subscriber", required=True, help="Who the address is for.")
@pass_runtime
def token_create(runtime: Runtime, name: str, subscriber: str) -> None:
    """A secret address of private feed NAME for one subscriber (a new one replaces
    theirs)."""
    # The command's work, not start-up: `calsync feeds --help` imports none of it.
    from calsync.feeds.service import feed_urls, private_feed_config
    from calsync.feeds.tokens import rotate_token

    require_schema(runtime)
    private_feed_config(runtime.config, name)
    subscriber = subscriber.strip()
    if not subscriber or len(subscriber) > 100:
        raise click.BadParameter("give a name of 1 to 100 characters", param_hint="--for")
    with runtime.engine.begin() as conn:
        token = rotate_token(conn, name, now=runtime.clock.now(), by="cli",
                             subscriber=subscriber)
    urls = feed_urls(runtime.config, name, token.token)
    console.print(f"[green]✓[/] secret address of feed [bold]{name}[/] for {subscriber}:")
    console.print(f"  {urls['url']}")
    console.print(f"  {urls['webcal']}")


@token_group.command("list")
@click.argument("name", required=False)
@format_option("table")
@pass_runtime
def token_list(runtime: Runtime, name: str | None, fmt: str) -> None:
    """The subscribers of private feeds (or of feed NAME) with their addresses."""
    # The command's work, not start-up: `calsync feeds --help` imports none of it.

    from calsync.feeds.service import feed_urls, private_feed_config
    from calsync.feeds.tokens import feed_subscribers

    require_schema(runtime)
    if name is not None:
        private_feed_config(runtime.config, name)
    with runtime.engine.connect() as conn:
        found = feed_subscribers(conn, name)
    if fmt == "json":
        print_json([{"feed": t.feed, "subscriber": t.subscriber,
                     "created_at": t.created_at.isoformat(), "created_by": t.created_by,
                     **feed_urls(runtime.config, t.feed, t.token)} for t in found])
        return
    columns = (Column("feed"), Column("subscriber", wrap=True), Column("created"),
               Column("by"), Column("subscribe", wrap=True))
    print_listing("Subscribers of private feeds", columns, [
        [t.feed, Text(t.subscriber), t.created_at.strftime("%Y-%m-%d %H:%M"), Text(t.created_by),
         feed_urls(runtime.config, t.feed, t.token)["webcal"]] for t in found], heading=2,
        empty="No subscriber addresses yet: `calsync feeds token create NAME --for PERSON`.")


@token_group.command("revoke")
@click.argument("name")
@click.argument("subscriber")
@pass_runtime
def token_revoke(runtime: Runtime, name: str, subscriber: str) -> None:
    """Revoke SUBSCRIBER's address of private feed NAME at once (the others keep
    working)."""
    # The command's work, not start-up: `calsync feeds --help` imports none of it.
    from calsync.feeds.service import private_feed_config
    from calsync.feeds.tokens import revoke_token

    require_schema(runtime)
    private_feed_config(runtime.config, name)
    with runtime.engine.begin() as conn:
        if not revoke_token(conn, name, subscriber):
            raise NotFoundError(f"feed {name!r} has no subscriber {subscriber!r} "
                                f"(`calsync feeds token list {name}` shows them)")
    console.print(f"[green]✓[/] {subscriber}'s address of feed [bold]{name}[/] now answers "
                  "404.")


def register(group: click.Group) -> None:
    group.add_command(feeds_group)
