"""`calsync check`: validate config and every schedule file, without side effects."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from calsync.cli.common import console, pass_runtime

if TYPE_CHECKING:
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


def register(group: click.Group) -> None:
    group.add_command(check_command)
