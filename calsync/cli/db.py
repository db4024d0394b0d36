"""`calsync db ...`: the database schema."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from calsync.cli.common import console, pass_runtime
from calsync.cli.listing import format_option, print_json

if TYPE_CHECKING:
    from calsync.runtime import Runtime


@click.group("db")
def db_group() -> None:
    """Manage the database schema."""


@db_group.command("upgrade")
@pass_runtime
def upgrade_command(runtime: Runtime) -> None:
    """Create or migrate the database to the current schema."""
    from calsync.store.engine import current_revision, upgrade

    engine = runtime.engine
    before = current_revision(engine)
    upgrade(engine)
    after = current_revision(engine)
    where = engine.url.render_as_string(hide_password=True)
    if before == after:
        console.print(f"[green]✓[/] database {where} is up to date (revision {after}).")
    else:
        console.print(f"[green]✓[/] migrated {where} from {before or 'empty'} to {after}.")


@db_group.command("status")
@format_option("text")
@pass_runtime
def status_command(runtime: Runtime, fmt: str) -> None:
    """Show the schema revision of the database and of this calsync."""
    from calsync.store.engine import current_revision, head_revision

    current, head = current_revision(runtime.engine), head_revision()
    if fmt == "json":
        print_json({"current": current, "head": head, "up_to_date": current == head})
        return
    state = "up to date" if current == head else "needs `calsync db upgrade`"
    console.print(f"database revision {current or '(empty)'}, code revision {head}: {state}.")


def register(group: click.Group) -> None:
    group.add_command(db_group)
