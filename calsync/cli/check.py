"""`calsync check`: validate config and every schedule file, without side effects."""

from __future__ import annotations

import click

from calsync.cli.common import console, pass_runtime
from calsync.rules.needs import attribute_warnings
from calsync.runtime import Runtime


@click.command("check")
@pass_runtime
def check_command(runtime: Runtime) -> None:
    """Validate the configuration and schedule files; exit 0 if fine, 2 if not."""
    config = runtime.config
    enabled = [c for c in runtime.connectors.values() if c.config.enabled]
    console.print(f"[green]✓[/] {config.source_file} is valid: "
                  f"{len(runtime.connectors)} connector(s) ({len(enabled)} enabled), "
                  f"{len(config.feeds)} feed(s), levels {', '.join(config.levels)}.")
    warnings = attribute_warnings(config, runtime.connectors)
    for warning in warnings:
        console.print(f"[yellow]warning[/] {warning}", soft_wrap=True)
    if warnings:
        console.print(f"{len(warnings)} warning(s): the configuration loads, but these rules "
                      "cannot see the events they are about.")


def register(group: click.Group) -> None:
    group.add_command(check_command)
