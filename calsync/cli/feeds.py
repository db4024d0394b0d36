"""`calsync feeds`: the feeds and their subscribe addresses; `rotate-token` and
`token create|list|revoke` (one address per subscriber) for private ones."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click
from rich.table import Table

from calsync.cli.common import console, pass_runtime, require_schema
from calsync.errors import NotFoundError
from calsync.feeds.service import (
    feed_config,
    feed_names,
    feed_texts,
    feed_urls,
    private_feed_config,
)
from calsync.feeds.tokens import feed_subscribers, list_tokens, revoke_token, rotate_token

if TYPE_CHECKING:
    from calsync.runtime import Runtime


@click.group("feeds", invoke_without_command=True)
@click.pass_context
def feeds_group(ctx: click.Context) -> None:
    """List the feeds with their https and webcal:// addresses."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(list_command)


@feeds_group.command("list")
@pass_runtime
def list_command(runtime: Runtime) -> None:
    """List the feeds with their https and webcal:// addresses (private ones with their
    secret address)."""
    require_schema(runtime)
    config = runtime.config
    with runtime.engine.connect() as conn:
        tokens = list_tokens(conn)
    table = Table(title="Feeds (subscribe with the webcal:// address)", title_justify="left")
    for column in ("feed", "title", "address", "subscribe"):
        table.add_column(column, overflow="fold")
    for name in feed_names(config):
        spec = feed_config(config, name)
        assert spec is not None
        shown = feed_texts(spec, config.language)[0]
        if spec.private:
            token = tokens.get(name)
            if token is None:
                table.add_row(name, f"{shown} [yellow](private)", "[dim]no token yet",
                              f"calsync feeds rotate-token {name}")
                continue
            urls = feed_urls(config, name, token.token)
            title = f"{shown} [yellow](private)"
        else:
            urls, title = feed_urls(config, name), shown
        table.add_row(name, title, urls["url"], urls["webcal"])
    console.print(table)
    console.print("Narrow any feed ad hoc: ?level=municipal&kind=budget&from=2027-01-01"
                  "&to=2027-12-31")


@feeds_group.command("rotate-token")
@click.argument("name")
@pass_runtime
def rotate_command(runtime: Runtime, name: str) -> None:
    """Give private feed NAME a new secret address; the old one stops working at once."""
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
@pass_runtime
def token_list(runtime: Runtime, name: str | None) -> None:
    """The subscribers of private feeds (or of feed NAME) with their addresses."""
    require_schema(runtime)
    if name is not None:
        private_feed_config(runtime.config, name)
    with runtime.engine.connect() as conn:
        found = feed_subscribers(conn, name)
    table = Table(title="Subscribers of private feeds", title_justify="left")
    for column in ("feed", "subscriber", "created", "by", "subscribe"):
        table.add_column(column, overflow="fold")
    for token in found:
        table.add_row(token.feed, token.subscriber, token.created_at.strftime("%Y-%m-%d %H:%M"),
                      token.created_by, feed_urls(runtime.config, token.feed,
                                                  token.token)["webcal"])
    console.print(table if found else "No subscriber addresses yet: "
                  "`calsync feeds token create NAME --for PERSON`.")


@token_group.command("revoke")
@click.argument("name")
@click.argument("subscriber")
@pass_runtime
def token_revoke(runtime: Runtime, name: str, subscriber: str) -> None:
    """Revoke SUBSCRIBER's address of private feed NAME at once (the others keep
    working)."""
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
