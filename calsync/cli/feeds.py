"""`calsync feeds`: the feeds and their subscribe addresses; `rotate-token` for private ones."""

from __future__ import annotations

import click
from rich.table import Table

from calsync.cli.common import console, pass_runtime, require_schema
from calsync.errors import NotFoundError
from calsync.feeds.service import feed_config, feed_urls
from calsync.feeds.tokens import list_tokens, rotate_token
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
    for name in ["all", *[n for n in config.feeds if n != "all"]]:
        spec = feed_config(config, name)
        assert spec is not None
        if spec.private:
            token = tokens.get(name)
            if token is None:
                table.add_row(name, f"{spec.title} [yellow](private)", "[dim]no token yet",
                              f"calsync feeds rotate-token {name}")
                continue
            urls = feed_urls(config, name, token.token)
            title = f"{spec.title} [yellow](private)"
        else:
            urls, title = feed_urls(config, name), spec.title
        table.add_row(name, title, urls["url"], urls["webcal"])
    console.print(table)
    console.print("Narrow any feed ad hoc: ?level=regional,municipal&actor=*kommun&tag=erdf")


@feeds_group.command("rotate-token")
@click.argument("name")
@pass_runtime
def rotate_command(runtime: Runtime, name: str) -> None:
    """Give private feed NAME a new secret address; the old one stops working at once."""
    require_schema(runtime)
    spec = feed_config(runtime.config, name)
    if spec is None or not spec.private:
        private = [n for n, f in runtime.config.feeds.items() if f.private]
        raise NotFoundError(f"no private feed named {name!r} (private feeds: "
                            f"{', '.join(private) or 'none; set private: true on a feed'})")
    with runtime.engine.begin() as conn:
        token = rotate_token(conn, name, now=runtime.clock.now(), by="cli")
    urls = feed_urls(runtime.config, name, token.token)
    console.print(f"[green]✓[/] new secret address for feed [bold]{name}[/]:")
    console.print(f"  {urls['url']}")
    console.print(f"  {urls['webcal']}")
    console.print("The previous address now answers 404; share the new one with subscribers.")


def register(group: click.Group) -> None:
    group.add_command(feeds_group)
