"""The `calsync` command line (click + rich). Each command group lives in its own module.

Start-up is what every command pays before doing anything, so a command's module (and
what it imports: SQLAlchemy, pydantic, FastAPI, ...) is imported only when that command
runs: `COMMANDS` names each command's module and the one-line help `calsync --help`
shows (a test checks the line matches the command's own docstring).

A new command: a module `calsync/cli/NAME.py` with a `register(group)` that adds a click
command called NAME, and one row here, `"NAME": ("NAME", "<its docstring's first
line>")`. `tests/cli/test_startup.py` then checks that the row resolves, that its help
line is the command's own, and that `calsync NAME --help` imports no heavy library:
import SQLAlchemy, pydantic's config, httpx, FastAPI inside the command's function.
"""

from __future__ import annotations

import importlib
import logging
from pathlib import Path
from typing import Any

import click

from calsync import __version__
from calsync.cli import logs
from calsync.cli.teardown import exit_now
from calsync.errors import CalsyncError

__all__ = ["COMMANDS", "cli", "main"]

COMMANDS: dict[str, tuple[str, str]] = {
    "init": ("init", "Write a starter config.yaml and the built-in schedules/ into DIRECTORY "
                     "(default: here)."),
    "check": ("check", "Validate the configuration and schedule files; exit 0 if fine, 2 if "
                       "not."),
    "db": ("db", "Manage the database schema."),
    "sync": ("sync", "Fetch from connectors and update the timeline."),
    "sources": ("sources", "Show every connector: events, last sync and its counts, next "
                           "run, stale, errors."),
    "timeline": ("timeline", "Show the unified timeline, grouped by month and coloured by "
                             "level."),
    "serve": ("serve", "Serve the iCal feeds and the JSON API."),
    "worker": ("worker", "Run connectors on their schedules, exactly once across all "
                         "instances, until SIGTERM."),
    "feeds": ("feeds", "List the feeds with their https and webcal:// addresses."),
    "evaluate": ("evaluate", "Run the misalignment rules now, update alerts, and print the "
                             "findings."),
    "alerts": ("alerts", "Misalignment alerts: list them, or work with one (ack, snooze, "
                         "wontfix, ...)."),
    "whatif": ("whatif", "What breaks if these changes happen? Writes nothing."),
    "agenda": ("agenda", "Show upcoming deadlines, decisions and meetings with their "
                         "misalignments."),
    "digest": ("digest", "Weekly digests: preview the next one, or send one now."),
    "reload": ("reload", "Validate the configuration and make every running serve and "
                         "worker apply it, without a restart."),
}


def _set_config(ctx: click.Context, _param: click.Parameter, value: Path | None) -> None:
    if value is not None:  # given after the subcommand: it wins over the group's
        ctx.ensure_object(dict)["config_path"] = value


def _accept_config_option(command: click.Command) -> None:
    """Let `-c FILE` follow the subcommand too (`calsync check -c FILE` reads naturally),
    on every command and subcommand of the tree."""
    if not any(p.name == "config_after" for p in command.params):
        command.params.append(click.Option(
            ["-c", "--config", "config_after"], type=click.Path(path_type=Path),
            expose_value=False, is_eager=True, callback=_set_config,
            help="The configuration file (also accepted before the command)."))
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            _accept_config_option(sub)


class LazyGroup(click.Group):
    """A group whose commands are imported when one of them is used.

    This is the CLI's command discovery, the second exception (after the registry's
    plugin lookup) to the rule against importing by string (docs/DEVELOPING.md): the
    alternative, importing every command module to register it, makes `calsync --help`
    and every command pay for all of them (pydantic, SQLAlchemy, Babel: seconds on a
    loaded machine). It is kept honest by `tests/cli/test_startup.py`: each name in
    `COMMANDS` resolves to a command of that name whose short help is the listed line,
    and `calsync --help` imports none of the heavy libraries.
    """

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        if cmd_name not in self.commands:
            module_name = f"calsync.cli.{COMMANDS[cmd_name][0]}"
            importlib.import_module(module_name).register(self)
            if cmd_name not in self.commands:  # a wrong row in COMMANDS: the developer's
                raise RuntimeError(f"{module_name}.register added no command {cmd_name!r}")
            _accept_config_option(self.commands[cmd_name])
        return self.commands[cmd_name]

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, help_line) for name, (_module, help_line) in COMMANDS.items()]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-c", "--config", "config_path", type=click.Path(path_type=Path),
              envvar="CALSYNC_CONFIG", default="config.yaml", show_default=True,
              help="The configuration file (or set CALSYNC_CONFIG).")
@click.option("-v", "--verbose", is_flag=True, help="Log what happens in detail.")
@click.option("--log-format", type=click.Choice(logs.FORMATS), default="text",
              envvar="CALSYNC_LOG_FORMAT", show_default=True,
              help="Log lines as text, or one JSON object per line (serve's HTTP server "
                   "logs the same way); or set CALSYNC_LOG_FORMAT.")
@click.version_option(__version__, prog_name="calsync")
@click.pass_context
def cli(ctx: click.Context, config_path: Path, verbose: bool, log_format: str) -> None:
    """calsync: EU, national, regional and municipal decision and budget cycles in one
    timeline, with iCal feeds and misalignment alerts."""
    logs.configure(logging.INFO if verbose else logging.WARNING, log_format)
    ctx.ensure_object(dict).update(config_path=config_path, log_format=log_format)


def main() -> None:
    obj: dict[str, Any] = {}  # the context's object: a command may ask to skip teardown
    try:
        try:
            cli(obj=obj, standalone_mode=True)
        except CalsyncError as exc:
            from calsync.cli.common import fail

            fail(exc)
    except SystemExit as exc:
        exit_now(obj, exc.code)  # returns unless the command finished and it is safe
        raise
