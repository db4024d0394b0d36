"""`calsync check`: validate config and every schedule file, without side effects."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from calsync.cli.common import console, pass_runtime
from calsync.cli.listing import format_option, print_json

if TYPE_CHECKING:
    from calsync.runtime import Runtime


@click.command("check")
@format_option("text")
@pass_runtime
def check_command(runtime: Runtime, fmt: str) -> None:
    """Validate the configuration and schedule files; exit 0 if fine, 2 if not."""
    # The config's models (pydantic) and the rules' needs: this command's work, not
    # `check --help`'s (pass_runtime has loaded them by now anyway).
    from calsync.config.actors import actor_warnings, configured_actors
    from calsync.errors import Problem
    from calsync.rules.needs import attribute_warnings

    config = runtime.config
    enabled = [c for c in runtime.connectors.values() if c.config.enabled]
    warnings = attribute_warnings(config, runtime.connectors)
    warnings += [Problem(p.file, p.line, p.path, f"{p.message}; `calsync serve` refuses to "
                         "start until it is (other commands do not need it)")
                 for p in config.missing_secrets]
    warnings += actor_warnings(config, configured_actors(config, runtime.connectors)
                               | _stored_actors(runtime))
    if fmt == "json":
        print_json({"valid": True, "file": config.source_file,
                    "connectors": len(runtime.connectors), "enabled": len(enabled),
                    "feeds": len(config.feeds), "levels": list(config.levels),
                    "warnings": [{"file": w.file, "line": w.line, "path": w.path,
                                  "message": w.message} for w in warnings]})
        return
    console.print(f"[green]✓[/] {config.source_file} is valid: "
                  f"{len(runtime.connectors)} connector(s) ({len(enabled)} enabled), "
                  f"{len(config.feeds)} feed(s), levels {', '.join(config.levels)}.")
    for warning in warnings:
        console.print(f"[yellow]warning[/] {warning}", soft_wrap=True)
    if warnings:
        console.print(f"{len(warnings)} warning(s): the configuration loads, but these "
                      "selectors or rules cannot see the events they are about.")


def _stored_actors(runtime: Runtime) -> set[str]:
    """The actors of stored events, if the database exists and is at the code's schema
    (check has no side effects: it never creates a database file)."""
    from sqlalchemy.engine import make_url

    from calsync.store.engine import current_revision, head_revision
    from calsync.store.events import distinct_actors

    url = make_url(runtime.config.database_url())
    if url.get_backend_name() == "sqlite" and not (url.database and Path(url.database).exists()):
        return set()
    try:
        if current_revision(runtime.engine) != head_revision():
            return set()
        with runtime.engine.connect() as conn:
            return distinct_actors(conn)
    except Exception:  # an unreachable database: compare with the config's actors only
        return set()


def register(group: click.Group) -> None:
    group.add_command(check_command)
