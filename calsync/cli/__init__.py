"""The `calsync` command line (click + rich). Each command group lives in its own module."""

from __future__ import annotations

import logging
from pathlib import Path

import click

from calsync import __version__
from calsync.cli import (
    alerts,
    check,
    db,
    evaluate,
    feeds,
    serve,
    sources,
    sync,
    timeline,
    whatif,
    worker,
)
from calsync.cli.common import fail
from calsync.errors import CalsyncError

__all__ = ["cli", "main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-c", "--config", "config_path", type=click.Path(path_type=Path),
              envvar="CALSYNC_CONFIG", default="config.yaml", show_default=True,
              help="The configuration file (or set CALSYNC_CONFIG).")
@click.option("-v", "--verbose", is_flag=True, help="Log what happens in detail.")
@click.version_option(__version__, prog_name="calsync")
@click.pass_context
def cli(ctx: click.Context, config_path: Path, verbose: bool) -> None:
    """calsync: EU, national, regional and municipal decision and budget cycles in one
    timeline, with iCal feeds and misalignment alerts."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    ctx.ensure_object(dict)["config_path"] = config_path


for module in (check, db, sync, sources, timeline, serve, worker, feeds, evaluate, alerts,
               whatif):
    module.register(cli)


def main() -> None:
    try:
        cli(standalone_mode=True)
    except CalsyncError as exc:
        fail(exc)
